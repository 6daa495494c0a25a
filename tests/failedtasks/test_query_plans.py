"""Query plans as regression tests: the hot queries stay index look-ups.

Each test makes a real request (the dialog, its search, a deep page, the
Delete All confirmation, the API lists) and EXPLAINs every statement it ran
against the task table, failing on a sequential scan of it. Speed at a million
tasks depends on these shapes, and a changed filter or a dropped index shows
here long before anyone loads a million rows.

The tasks are a few thousand spread over many projects, as in an installation
that has run for a while: one project's list is a small part of the table, so
a sequential scan is a wrong choice rather than a cheap one. They are loaded
once for the module and committed, then VACUUM ANALYZE gives the planner
statistics and the visibility map, as `seed_demo --tasks` does after its load.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.identity.credentials import issue_token
from console.tenancy.models import Project, Region, Role
from failedtasks.demo import generate_tasks
from failedtasks.listing import PAGE_SIZE, TaskListing
from failedtasks.models import FailedTask, ProjectRevision
from tests.conftest import make_user, record

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Plans are PostgreSQL's: SQLite has no EXPLAIN (FORMAT JSON) and no trigram or "
               "operator-class indexes for the search (they are created on PostgreSQL only).",
    ),
    pytest.mark.django_db,
]

TASKS = FailedTask._meta.db_table
OTHER_PROJECTS = 11


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """One busy project (ECS, SDRS, KPS) among eleven others: 15,200 tasks."""
    with django_db_blocker.unblock():
        region = Region.objects.create(id="ap-plans-1", name_en="Plans", name_zh="计划")
        busy = Project.objects.create(name="plans-busy", region=region)
        others = [Project.objects.create(name=f"plans-{n:02d}", region=region)
                  for n in range(OTHER_PROJECTS)]
        try:
            # ~1,300 ECS (half of them creations), ~1,300 SDRS and ~650 KPS tasks in
            # the busy project, a fifth of the table; the others share 12,000 tasks
            # of every service.
            generate_tasks(3200, projects=[busy], services=["ecs", "sdrs", "kps"], seed=1,
                           stream=open("/dev/null", "w"))
            generate_tasks(12_000, projects=others, seed=2, stream=open("/dev/null", "w"))
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {TASKS}")  # autocommit: outside any test
            yield busy
        finally:
            Project.objects.filter(region=region).delete()
            region.delete()


@pytest.fixture
def busy(loaded, db):
    return loaded


@pytest.fixture
def operator_client(client, busy):
    client.force_login(make_user("olivia", busy, Role.OPERATOR))
    return client


@pytest.fixture
def api_client(client, busy):
    token, _record = issue_token(make_user("tom", busy, Role.VIEWER), busy)
    client.defaults["HTTP_X_AUTH_TOKEN"] = token
    return client


def explain(sql: str, analyze: bool = False) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def task_queries(request) -> list[str]:
    """Every statement a request ran against the task table (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200, response.content[:500]
    statements = [query["sql"] for query in queries.captured_queries if TASKS in query["sql"]]
    assert statements, "the request read no tasks"
    return statements


def assert_no_sequential_scan(request, analyze: bool = False) -> list[dict]:
    plans = []
    for sql in task_queries(request):
        plan = explain(sql, analyze)
        scans = [node for node in nodes(plan)
                 if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == TASKS]
        assert not scans, f"a sequential scan of {TASKS}:\n{sql}\n{json.dumps(plan, indent=1)}"
        plans.append(plan)
    return plans


def skipping_scan(plan: dict) -> dict:
    """The scan under the LIMIT ... OFFSET that picks a deep page's ids."""
    limits = [node for node in nodes(plan) if node["Node Type"] == "Limit"]
    assert limits, json.dumps(plan, indent=1)
    return limits[0]["Plans"][0]


def a_busy_task(busy, service: str = "ecs") -> FailedTask:
    return FailedTask.objects.for_project(busy).for_service(service).order_by("id")[100]



# --- The dialog ----------------------------------------------------------------------

@pytest.mark.parametrize("service,params", [
    ("ecs", {}), ("ecs", {"tab": "operation"}), ("kps", {}), ("sdrs", {}),
])
def test_the_list(operator_client, busy, service, params):
    url = reverse("failed-tasks", args=[busy.pk, service])
    assert_no_sequential_scan(lambda: operator_client.get(url, params))


@pytest.mark.parametrize("kind", ["name fragment", "resource id prefix", "job id prefix",
                                  "error code", "no match", "two characters"])
def test_each_kind_of_search(operator_client, busy, kind):
    task = a_busy_task(busy)
    text = {
        "name fragment": task.resource_name[-7:],  # "ad-0042" of "ecs-load-0042"
        "resource id prefix": task.resource_id[:8].upper(),
        "job id prefix": task.job_id[:8],
        "error code": task.error_code.lower(),
        "no match": "nothing-like-it",
        "two characters": "zz",
    }[kind]
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    for tab in ("creation", "operation"):
        assert_no_sequential_scan(lambda: operator_client.get(url, {"tab": tab, "q": text}))


def test_the_search_uses_the_index_made_for_each_kind(operator_client, busy):
    """The index expressions match the SQL of the lookups (UPPER(column) ...)."""
    task = a_busy_task(busy)
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    for text, index in [
        (task.resource_name[-7:], "task_name_trigram_ecs_creation"),
        (task.resource_id[:8], "task_resource_id_prefix"),
        (task.job_id[:8], "task_job_id_prefix"),
        ("nothing-like-it", "task_error_code_any_case"),
    ]:
        # A search rare enough to look up rather than walk the list: all four
        # indexes combined (a BitmapOr), each on its own expression.
        (plan,) = assert_no_sequential_scan(lambda: operator_client.get(url, {"q": text}))
        used = {node.get("Index Name") for node in nodes(plan)}
        assert index in used, (text, used)


@pytest.mark.parametrize("service,params,index", [
    ("ecs", {"tab": "creation"}, "task_name_trigram_ecs_creation"),
    ("ecs", {"tab": "operation"}, "task_name_trigram_ecs_operation"),
    ("sdrs", {}, "task_name_trigram_sdrs"),
    ("kps", {}, "task_name_trigram_kps"),
])
def test_a_name_fragment_is_looked_up_in_its_lists_own_trigrams(operator_client, busy, service,
                                                                params, index):
    """Each list (a service, an ECS tab) has a trigram index of its own tasks: a
    fragment's common trigrams are read for that list's tasks only."""
    task = a_busy_task(busy, service)
    url = reverse("failed-tasks", args=[busy.pk, service])
    (plan,) = assert_no_sequential_scan(
        lambda: operator_client.get(url, {**params, "q": task.resource_name[-7:]}))
    used = {node.get("Index Name") for node in nodes(plan)}
    assert index in used and "task_name_trigram" not in used, used


def test_a_search_of_every_service_reads_the_trigrams_of_every_task(api_client, busy):
    task = a_busy_task(busy)
    url = f"/api/v1/projects/{busy.pk}/failed-tasks"
    plans = assert_no_sequential_scan(
        lambda: api_client.get(url, {"limit": "100", "q": task.resource_name[-7:]}))
    used = {node.get("Index Name") for plan in plans for node in nodes(plan)}
    assert "task_name_trigram" in used, used


def test_a_deep_page_reads_no_skipped_task(operator_client, busy):
    creations = FailedTask.objects.for_project(busy).for_service("ecs").in_category("creation")
    page = creations.count() // PAGE_SIZE // 2 - 2  # before the middle: counted from the start
    assert page > 20
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    (plan,) = assert_no_sequential_scan(
        lambda: operator_client.get(url, {"tab": "creation", "page": page}), analyze=True)
    # The skipped tasks are index entries only: none of them is read from the table.
    scan = skipping_scan(plan)
    assert scan["Node Type"] == "Index Only Scan", json.dumps(plan, indent=1)
    assert scan["Index Name"] == "task_category_newest"
    assert scan["Scan Direction"] == "Forward"
    assert scan["Heap Fetches"] == 0
    assert scan["Actual Rows"] >= (page - 1) * PAGE_SIZE


@pytest.mark.parametrize("params", [{"tab": "creation"}, {"tab": "creation", "period": "30d"}])
def test_a_page_near_the_end_is_read_from_the_end(operator_client, busy, params):
    """Its total known (the tallies, or a period's count), a page past the middle
    skips only the tasks after it, reading the same index backwards."""
    total = TaskListing.from_params(busy, "ecs", params).tasks().count()
    page = total // PAGE_SIZE - 2
    assert page > 10
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    statements = task_queries(lambda: operator_client.get(url, {**params, "page": page}))
    (rows,) = [sql for sql in statements if ' IN (SELECT ' in sql]  # the page's ids, then rows
    plan = explain(rows, analyze=True)
    scan = skipping_scan(plan)
    assert scan["Node Type"] == "Index Only Scan", json.dumps(scan, indent=1)
    assert scan["Index Name"] == "task_category_newest"
    assert scan["Scan Direction"] == "Backward"
    assert scan["Heap Fetches"] == 0
    assert scan["Actual Rows"] <= total - (page - 1) * PAGE_SIZE


@pytest.mark.parametrize("service,params", [
    ("ecs", {"period": "24h"}), ("ecs", {"tab": "operation", "period": "7d"}),
    ("ecs", {"tab": "creation", "period": "30d", "page": "3"}),
    ("ecs", {"period": "24h", "q": "load-00"}), ("kps", {"period": "24h"}),
    ("sdrs", {"period": "30d"}),
])
def test_the_list_in_a_period(operator_client, busy, service, params):
    url = reverse("failed-tasks", args=[busy.pk, service])
    assert_no_sequential_scan(lambda: operator_client.get(url, params))


def test_a_period_reads_the_list_index_from_its_cutoff(operator_client, busy):
    """The cutoff is a range on failed_at, the column after project, service (and
    tab) in the list's indexes: the rows and the tab counts start there rather
    than filter every task of the service."""
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    rows, counts = assert_no_sequential_scan(
        lambda: operator_client.get(url, {"tab": "creation", "period": "24h"}))
    # An index scan, or a bitmap of one when few tasks are that recent (the
    # catalog entry and resource row of each are read by look-ups of their own tables).
    (scan,) = [node for node in nodes(rows) if node.get("Index Name", "").startswith("task_")]
    assert scan["Index Name"] == "task_category_newest", json.dumps(rows, indent=1)
    assert "failed_at >=" in scan["Index Cond"]
    scans = [node for node in nodes(counts) if node.get("Index Name", "").startswith("task_")]
    assert len(scans) == 2, json.dumps(counts, indent=1)  # one per tab
    for scan in scans:
        assert scan["Node Type"] == "Index Only Scan", json.dumps(counts, indent=1)
        assert "failed_at >=" in scan["Index Cond"]


def test_the_export(operator_client, busy):
    url = reverse("failed-tasks-export", args=[busy.pk, "ecs"])
    for params in ({"tab": "creation"}, {"tab": "operation", "period": "24h"},
                   {"tab": "creation", "q": "load-00", "period": "7d"}):
        with CaptureQueriesContext(connection) as queries:
            response = operator_client.get(url, params)
            b"".join(response.streaming_content)
        statements = [q["sql"] for q in queries.captured_queries if TASKS in q["sql"]]
        # A server-side cursor: DECLARE ... CURSOR FOR <the select>
        selects = [sql[sql.index("SELECT"):] for sql in statements]
        assert selects
        for sql in selects:
            plan = explain(sql)
            assert not [node for node in nodes(plan) if node["Node Type"] == "Seq Scan"
                        and node.get("Relation Name") == TASKS], json.dumps(plan, indent=1)


# --- The Delete All confirmation ------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"tab": "creation"}, {"tab": "operation"}, {"tab": "creation", "q": "load-00"},
    {"tab": "creation", "q": "Ecs.0013"}, {"tab": "operation", "q": "nothing"},
])
def test_the_delete_all_confirmation(operator_client, busy, params):
    url = reverse("failed-tasks-delete-all", args=[busy.pk, "ecs"])
    assert_no_sequential_scan(lambda: operator_client.get(url, params))


@pytest.mark.parametrize("params", [
    {"tab": "creation", "period": "24h"}, {"tab": "operation", "period": "30d"},
    {"tab": "creation", "q": "load-00", "period": "7d"},
])
def test_the_delete_all_confirmation_in_a_period(operator_client, busy, params):
    url = reverse("failed-tasks-delete-all", args=[busy.pk, "ecs"])
    assert_no_sequential_scan(lambda: operator_client.get(url, params))


def test_the_delete_all_confirmation_of_an_id(operator_client, busy):
    task = a_busy_task(busy)
    url = reverse("failed-tasks-delete-all", args=[busy.pk, "ecs"])
    assert_no_sequential_scan(lambda: operator_client.get(url, {"q": task.job_id[:6]}))


# --- The APIs ----------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"limit": "1000"}, {"limit": "100", "service": "ecs"},
    {"limit": "100", "service": "sdrs", "status": "FAIL"},
    {"limit": "100", "q": "load-00"}, {"limit": "100", "error_code": "ecs.0013"},
    {"limit": "100", "q": "nothing-like-it", "service": "ecs"},
])
def test_the_console_api_list(api_client, busy, params):
    url = f"/api/v1/projects/{busy.pk}/failed-tasks"
    assert_no_sequential_scan(lambda: api_client.get(url, params))


@pytest.mark.parametrize("params", [
    {"limit": "100", "since": "2020-01-01T00:00:00Z"},
    {"limit": "100", "service": "ecs", "since": "2020-01-01T00:00:00Z",
     "until": "2099-01-01T00:00:00+08:00"},
])
def test_the_console_api_list_in_a_range(api_client, busy, params):
    url = f"/api/v1/projects/{busy.pk}/failed-tasks"
    assert_no_sequential_scan(lambda: api_client.get(url, params))


def test_the_console_api_next_page(api_client, busy):
    url = f"/api/v1/projects/{busy.pk}/failed-tasks"
    next_url = api_client.get(url, {"limit": "500"}).json()["next"]
    assert_no_sequential_scan(lambda: api_client.get(next_url))


@pytest.mark.parametrize("params", [{}, {"offset": "400", "limit": "100"}])
def test_the_kps_list(api_client, busy, params):
    assert_no_sequential_scan(lambda: api_client.get(f"/v3/{busy.pk}/failed-tasks", params))


@pytest.mark.parametrize("params", [
    {}, {"offset": "1000", "limit": "100"}, {"resource_name": "load-00"},
    {"failure_status": "failoverFail", "offset": "200", "limit": "100"},
    {"server_group_id": "a1b2c3d4-0000-4000-8000-000000000001"},
])
def test_the_sdrs_list(api_client, busy, params):
    url = f"/v1/{busy.pk}/task-center/failure-jobs"
    assert_no_sequential_scan(lambda: api_client.get(url, params))


def test_an_sdrs_offset_reads_no_skipped_job(api_client, busy):
    jobs = FailedTask.objects.for_project(busy).for_service("sdrs").failed().in_group("")
    offset = jobs.count() - 150
    assert offset > 1000
    url = f"/v1/{busy.pk}/task-center/failure-jobs"
    page_plan, count_plan = assert_no_sequential_scan(
        lambda: api_client.get(url, {"offset": str(offset), "limit": "100"}), analyze=True)
    scan = skipping_scan(page_plan)
    assert scan["Node Type"] == "Index Only Scan", json.dumps(page_plan, indent=1)
    assert scan["Heap Fetches"] == 0
    assert scan["Actual Rows"] >= offset
    # The count stops at COUNT_LIMIT, from the same index alone.
    counting = [node for node in nodes(count_plan) if node["Node Type"] == "Index Only Scan"]
    assert counting and counting[0]["Heap Fetches"] == 0, json.dumps(count_plan, indent=1)


# --- Grouped by cause ----------------------------------------------------------------

@pytest.mark.parametrize("service,params", [
    ("ecs", {"group": "1"}), ("ecs", {"group": "1", "tab": "operation"}),
    ("sdrs", {"group": "1"}), ("kps", {"group": "1"}),
    ("ecs", {"group": "1", "tab": "creation", "q": "load-00"}),
    ("ecs", {"tab": "operation", "code": "Ecs.0013"}),
    ("ecs", {"tab": "operation", "code": ""}),
])
def test_the_group_view(operator_client, busy, service, params):
    url = reverse("failed-tasks", args=[busy.pk, service])
    assert_no_sequential_scan(lambda: operator_client.get(url, params))


def test_each_groups_first_and_last_failure_is_an_index_look_up(operator_client, busy):
    url = reverse("failed-tasks", args=[busy.pk, "ecs"])
    statements = task_queries(lambda: operator_client.get(url, {"group": "1", "tab": "operation"}))
    (times,) = statements
    plan = explain(times, analyze=True)
    scans = [node for node in nodes(plan) if node.get("Relation Name") == TASKS]
    assert scans, json.dumps(plan, indent=1)
    for scan in scans:
        # A MIN or a MAX per group: one end of a range of the index, not the group's rows.
        assert scan["Index Name"] == "task_cause_times", json.dumps(plan, indent=1)
        assert scan["Actual Rows"] <= 1, json.dumps(plan, indent=1)


def test_the_delete_group_confirmation(operator_client, busy):
    url = reverse("failed-tasks-delete-all", args=[busy.pk, "ecs"])
    task = a_busy_task(busy)
    assert_no_sequential_scan(lambda: operator_client.get(
        url, {"group": "1", "tab": task.category, "code": task.error_code}))


@pytest.mark.parametrize("params", [
    {}, {"service": "ecs"}, {"service": "sdrs", "status": "FAIL"}, {"error_code": "ecs.0013"},
    {"q": "load-00"}, {"q": "nothing-like-it", "service": "ecs"},
])
def test_the_console_api_causes(api_client, busy, params):
    url = f"/api/v1/projects/{busy.pk}/failed-tasks/causes"
    assert_no_sequential_scan(lambda: api_client.get(url, params))


# --- The open list's poll for new failures ----------------------------------------------
# Every open dialog asks every few seconds: the tasks recorded since it was shown
# are found on the (project, revision) index, however many the list holds.

def new_failures_poll(client, project, since: int, **place):
    url = reverse("failed-tasks-new-count", args=[project.pk, "ecs"])
    return lambda: client.get(url, {"since": since, "shown": 0, **place})


@pytest.mark.parametrize("place", [
    {"tab": "creation"}, {"tab": "operation"}, {"tab": "creation", "q": "load-00"},
    {"tab": "operation", "q": "Ecs.0013"},
])
def test_the_poll_reads_only_what_was_recorded_since(operator_client, busy, place):
    since = ProjectRevision.objects.current(busy.pk)
    for n in range(3):
        record(busy, "ecs", job_type="createServer", failure_status="createFail",
               resource_name=f"ecs-load-00{n}x", error_code="Ecs.0013")
        record(busy, "ecs", resource_name=f"ecs-load-00{n}y", error_code="Ecs.0013")
    (plan,) = assert_no_sequential_scan(new_failures_poll(operator_client, busy, since, **place))
    used = {node.get("Index Name") for node in nodes(plan)}
    assert "task_project_revision" in used, used


def test_the_poll_of_a_list_older_than_every_task(operator_client, busy):
    """Shown before the whole load: everything is new, counted only up to the limit."""
    since = ProjectRevision.objects.current(busy.pk) - 1
    assert_no_sequential_scan(
        new_failures_poll(operator_client, busy, since, tab="creation"), analyze=True)
