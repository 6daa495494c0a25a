"""The Failed Tasks list: a page, the counter's dialog, or the list region alone."""

import re

import pytest
from django.urls import reverse

from failedtasks.models import ErrorCode, TaskStatus
from tests.conftest import assert_sends_to_sign_in, fragment_html, page_html, record

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}
REGION = {"HX-Request": "true", "HX-Target": "task-list"}


def url(project, service="ecs"):
    return reverse("failed-tasks", args=[project.pk, service])


def delete_url(project, task, service="ecs"):
    return reverse("failed-task-delete", args=[project.pk, service, task.pk])


def names_in_order(html, names):
    """The given names, in the order the page shows them."""
    return sorted((n for n in names if n in html), key=html.index)


# --- Render paths -------------------------------------------------------------

def test_it_works(login, operator, project_a):
    record(project_a, "ecs", resource_name="ecs-web-01")  # an operation failure
    response = login(operator).get(url(project_a) + "?tab=operation")
    html = page_html(response)
    assert "<h1>Failed Tasks</h1>" in html
    assert "ecs-web-01" in html
    assert '<div id="task-list"' in html


def test_it_returns_the_dialog_for_the_counter(login, operator, project_a):
    record(project_a, "ecs", resource_name="ecs-web-01", job_type="createServer")
    response = login(operator).get(url(project_a), headers=DIALOG)
    html = fragment_html(response)
    assert html.strip().startswith("<dialog")
    assert 'aria-labelledby="failed-tasks-title"' in html
    assert 'id="failed-tasks-title"' in html
    assert '<div id="task-list"' in html
    assert 'id="confirm-root"' in html
    assert "ecs-web-01" in html


def test_it_returns_only_the_list_region_for_other_targets(login, operator, project_a):
    record(project_a, "css", resource_name="css-web-01")
    response = login(operator).get(url(project_a, "css"), headers=REGION)
    html = fragment_html(response)
    assert "<dialog" not in html
    assert html.strip().startswith('<div id="task-list"')
    assert "css-web-01" in html


def test_it_returns_the_region_without_a_target_too(login, operator, project_a):
    response = login(operator).get(url(project_a), headers=HTMX)
    assert response.status_code == 200
    assert response.content.decode().strip().startswith('<div id="task-list"')


# --- What the list shows --------------------------------------------------------

def test_it_lists_the_newest_failure_first(login, operator, project_a):
    record(project_a, "css", resource_name="middle-one", minutes_ago=30)
    record(project_a, "css", resource_name="newest-one", minutes_ago=1)
    record(project_a, "css", resource_name="oldest-one", minutes_ago=90)
    html = login(operator).get(url(project_a, "css")).content.decode()
    names = ["oldest-one", "middle-one", "newest-one"]
    assert names_in_order(html, names) == ["newest-one", "middle-one", "oldest-one"]


def test_it_has_the_columns(login, operator, project_a):
    record(project_a, "css")
    html = login(operator).get(url(project_a, "css")).content.decode()
    for column in ("Name/ID", "Task Status", "Failure Time", "Operation"):
        assert f'<th scope="col">{column}</th>' in html


def test_it_lists_only_this_project_and_service(login, operator, project_a, project_b):
    record(project_a, "css", resource_name="css-here")
    record(project_a, "kps", resource_name="kps-elsewhere")
    record(project_b, "css", resource_name="css-other-project")
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert "css-here" in html
    assert "kps-elsewhere" not in html
    assert "css-other-project" not in html


def test_it_says_when_there_is_nothing(login, operator, project_a):
    html = login(operator).get(url(project_a, "kps")).content.decode()
    assert "No failed tasks" in html
    assert "<table" not in html


# --- ECS tabs ------------------------------------------------------------------

def ecs_tasks(project):
    """Two creation failures, one running creation, three operation failures."""
    record(project, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="create-failed-1")
    record(project, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="create-failed-2")
    running = record(project, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
                     failure_status="", resource_name="still-creating")
    record(project, "ecs", job_type="resizeServer", failure_status="resizeFail",
           resource_name="resize-failed")
    record(project, "ecs", job_type="stopServer", failure_status="", resource_name="stop-failed")
    record(project, "ecs", job_type="deleteServer", failure_status="deleteFail",
           resource_name="delete-failed")
    return running


def tab_tag(html, tab):
    match = re.search(rf'<a role="tab" id="tab-{tab}"[^>]*>(.*?)</a>', html, re.S)
    assert match, f"no {tab} tab"
    return match.group(0)


def test_ecs_opens_on_the_creation_tab(login, operator, project_a):
    running = ecs_tasks(project_a)
    html = login(operator).get(url(project_a)).content.decode()
    assert 'role="tablist"' in html
    creation, operation = tab_tag(html, "creation"), tab_tag(html, "operation")
    assert 'aria-selected="true"' in creation
    assert "Creation Failures" in creation
    assert '<span class="tab-count">3</span>' in creation  # the running creation too
    assert 'aria-selected="false"' in operation
    assert "Operation Failures" in operation
    assert '<span class="tab-count">3</span>' in operation
    assert 'role="tabpanel" aria-labelledby="tab-creation"' in html

    assert "create-failed-1" in html and "create-failed-2" in html
    assert "still-creating" in html
    assert "resize-failed" not in html and "stop-failed" not in html
    # The running creation reads "Creating" and cannot be deleted.
    assert '<span class="task-status running">Creating</span>' in html
    assert delete_url(project_a, running) not in html
    assert html.count(">Delete</button>") == 2


def test_the_operation_tab_lists_other_operations(login, operator, project_a):
    ecs_tasks(project_a)
    html = login(operator).get(url(project_a) + "?tab=operation").content.decode()
    assert 'aria-selected="true"' in tab_tag(html, "operation")
    assert 'aria-selected="false"' in tab_tag(html, "creation")
    assert "resize-failed" in html and "stop-failed" in html and "delete-failed" in html
    assert "Specification change failed" in html  # resizeFail, as a person reads it
    assert "create-failed-1" not in html and "still-creating" not in html
    assert html.count(">Delete</button>") == 3


def test_an_unknown_tab_falls_back_to_creation(login, operator, project_a):
    ecs_tasks(project_a)
    response = login(operator).get(url(project_a) + "?tab=<script>")
    assert response.status_code == 200
    assert 'aria-selected="true"' in tab_tag(response.content.decode(), "creation")


@pytest.mark.parametrize("service", ["css", "sdrs", "kps"])
def test_other_services_have_no_tabs(login, operator, project_a, service):
    record(project_a, service, job_type="createCluster", failure_status="createFail",
           resource_name="made-it-fail")
    record(project_a, service, job_type="restartCluster", failure_status="",
           resource_name="restart-fail")
    html = login(operator).get(url(project_a, service) + "?tab=operation").content.decode()
    assert 'role="tablist"' not in html
    assert 'role="tab"' not in html
    assert "made-it-fail" in html and "restart-fail" in html


# --- Failure causes --------------------------------------------------------------

def test_a_known_code_shows_the_catalog_cause_and_solution(login, operator, project_a):
    entry = ErrorCode.objects.get(code="CSS.6000")
    task = record(project_a, "css", error_code="CSS.6000", fail_reason="raw reason 42")
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert 'aria-label="Failure cause"' in html
    assert f'aria-controls="cause-{task.pk}"' in html
    assert f'id="cause-{task.pk}"' in html
    assert "Failed to create the cluster because of an internal error." in html
    assert entry.cause_en in html
    assert entry.solution_en in html
    assert reverse("error-codes") + "#CSS.6000" in html
    assert "raw reason 42" in html  # kept as the details


def test_an_unknown_code_shows_the_reported_reason(login, operator, project_a):
    record(project_a, "css", error_code="XYZ.1", fail_reason="The disk melted.")
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert 'aria-label="Failure cause"' in html
    assert "XYZ.1" in html
    assert "The disk melted." in html
    assert "Solution" not in html.split('<div class="cause"', 1)[1].split("</div>", 1)[0]


def test_a_running_task_has_no_cause_button(login, operator, project_a):
    record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
           failure_status="")
    html = login(operator).get(url(project_a)).content.decode()
    assert 'aria-label="Failure cause"' not in html


# --- Paging -----------------------------------------------------------------------

def paged_tasks(project, n=23):
    """n CSS tasks named task-00 (newest) to task-NN (oldest)."""
    for i in range(n):
        record(project, "css", resource_name=f"task-{i:02d}", minutes_ago=i)


def test_it_shows_ten_per_page(login, operator, project_a):
    paged_tasks(project_a)
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert html.count('<span class="cell-name">') == 10
    assert "task-00" in html and "task-09" in html and "task-10" not in html
    assert ">Next</a>" in html
    assert ">Previous</a>" not in html
    assert "Page 1 of 3" in html
    assert url(project_a, "css") + "?page=2" in html


def test_page_two_continues_where_page_one_stopped(login, operator, project_a):
    paged_tasks(project_a)
    client = login(operator)
    html = client.get(url(project_a, "css") + "?page=2").content.decode()
    assert html.count('<span class="cell-name">') == 10
    assert "task-09" not in html
    assert "task-10" in html and "task-19" in html
    assert "task-20" not in html
    assert ">Previous</a>" in html and ">Next</a>" in html
    assert "Page 2 of 3" in html

    last = client.get(url(project_a, "css") + "?page=3").content.decode()
    assert last.count('<span class="cell-name">') == 3
    assert ">Previous</a>" in last and ">Next</a>" not in last


@pytest.mark.parametrize("place", [
    {"tab": "creation"}, {"tab": "creation", "period": "7d"}, {"tab": "creation", "code": "Ecs.0013"},
])
def test_every_page_holds_the_lists_own_rows_from_either_end(project_a, place):
    """A page past the middle is picked from the end of the list (its total is
    known): the same rows in the same order as counting from the start, running
    creations and tasks that failed at the same moment included."""
    from django.utils import timezone

    from failedtasks.listing import PAGE_SIZE, TaskListing

    same_time = timezone.now()
    for i in range(47):
        record(project_a, "ecs", job_type="createServer", failure_status="createFail",
               error_code="Ecs.0013" if i % 3 else "EVS.2024",
               status=TaskStatus.RUNNING if i % 7 == 0 else TaskStatus.FAIL,
               failed_at=same_time - timezone.timedelta(minutes=i // 5))
    record(project_a, "ecs")  # another tab
    for page in range(1, 8):
        listing = TaskListing.from_params(project_a, "ecs", {**place, "page": page})
        start = (page - 1) * PAGE_SIZE
        expected = list(listing.tasks().values_list("pk", flat=True)[start:start + PAGE_SIZE + 1])
        assert [task.pk for task in listing.rows] == expected, page


@pytest.mark.parametrize("page", ["abc", "-3", "0", "", "1.5", "99999999999999999999999"])
def test_a_bad_page_falls_back(login, operator, project_a, page):
    paged_tasks(project_a, 12)
    response = login(operator).get(url(project_a, "css"), {"page": page})
    assert response.status_code == 200
    html = response.content.decode()
    if page == "99999999999999999999999":
        assert "No failed tasks" in html  # a page past the end, not an error
    else:
        assert "task-00" in html and "Page 1 of 2" in html


# --- Search --------------------------------------------------------------------

def search_tasks(project):
    record(project, "css", job_id="aa11-first", resource_name="orders-cluster",
           resource_id="id-orders", error_code="CSS.6001")
    record(project, "css", job_id="bb22-second", resource_name="billing-cluster",
           resource_id="id-billing", error_code="CSS.6002")
    record(project, "css", job_id="cc33-third", resource_name="search-logs",
           resource_id="id-logs", error_code="XYZ.1")


def search(client, project, q):
    response = client.get(url(project, "css"), {"q": q}, headers=REGION)
    assert response.status_code == 200
    html = response.content.decode()
    return [name for name in ("orders-cluster", "billing-cluster", "search-logs") if name in html]


def test_it_searches_by_a_part_of_the_name(login, operator, project_a):
    search_tasks(project_a)
    client = login(operator)
    assert search(client, project_a, "cluster") == ["orders-cluster", "billing-cluster"]
    assert search(client, project_a, "LLING") == ["billing-cluster"]


def test_it_searches_by_the_start_of_the_job_id(login, operator, project_a):
    search_tasks(project_a)
    client = login(operator)
    assert search(client, project_a, "bb22") == ["billing-cluster"]
    assert search(client, project_a, "second") == []  # a prefix, not any part


def test_it_searches_by_error_code_ignoring_case(login, operator, project_a):
    search_tasks(project_a)
    client = login(operator)
    assert search(client, project_a, "css.6002") == ["billing-cluster"]
    assert search(client, project_a, "xyz.1") == ["search-logs"]


def test_search_wildcards_are_literal(login, operator, project_a):
    search_tasks(project_a)
    client = login(operator)
    assert search(client, project_a, "%") == []
    assert search(client, project_a, "_") == []
    assert search(client, project_a, "orders%cluster") == []


def test_a_search_says_what_it_shows(login, operator, project_a):
    search_tasks(project_a)
    client = login(operator)
    html = client.get(url(project_a, "css"), {"q": "  orders  "}).content.decode()
    assert "Showing tasks matching “orders”." in html
    assert ">Clear search</a>" in html
    html = client.get(url(project_a, "css"), {"q": "nothing-like-it"}).content.decode()
    assert "No failed tasks match your search." in html


def test_a_long_search_is_cut_not_an_error(login, operator, project_a):
    record(project_a, "css", resource_name="x" * 120)
    response = login(operator).get(url(project_a, "css"), {"q": "x" * 5000})
    assert response.status_code == 200
    html = response.content.decode()
    search_box = re.search(r'<input id="task-search"[^>]*>', html).group(0)
    assert f'value="{"x" * 100}"' in search_box
    assert "Showing tasks matching “" + "x" * 100 + "”." in html
    assert '<span class="cell-name">' + "x" * 120 in html  # matched on the first 100


def test_it_escapes_markup(login, operator, project_a):
    record(project_a, "css", resource_name="<script>alert(1)</script>",
           error_code="XYZ.1", fail_reason='<img src=x onerror="alert(2)">')
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_it_escapes_every_value_a_row_shows(login, operator, project_a):
    """Each value the task's reporter chose, in each place a row shows it."""
    markup = '"><i>{}</i>'
    record(project_a, "css", job_id=markup.format("job"), job_type=markup.format("type"),
           resource_name="", resource_id=markup.format("id"), error_code=markup.format("code"),
           fail_reason=markup.format("reason"))
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert "<i>" not in html
    for value in ("job", "type", "id", "code", "reason"):
        assert f"&quot;&gt;&lt;i&gt;{value}&lt;/i&gt;" in html, value


def test_it_escapes_the_search(login, operator, project_a):
    html = login(operator).get(url(project_a, "css"), {"q": '"><b>bold</b>'}).content.decode()
    assert "<b>bold</b>" not in html
    assert "&quot;&gt;&lt;b&gt;bold&lt;/b&gt;" in html


# --- Roles and scope ------------------------------------------------------------

def test_a_viewer_sees_no_delete_buttons(login, viewer, project_a):
    record(project_a, "css", resource_name="css-one")
    html = login(viewer).get(url(project_a, "css")).content.decode()
    assert "css-one" in html
    assert ">Delete</button>" not in html
    assert "Delete All" not in html
    assert reverse("failed-tasks-delete-all", args=[project_a.pk, "css"]) not in html


def test_an_operator_sees_the_delete_buttons(login, operator, project_a):
    task = record(project_a, "css")
    html = login(operator).get(url(project_a, "css")).content.decode()
    assert ">Delete</button>" in html
    assert ">Delete All</button>" in html
    assert delete_url(project_a, task, "css") in html


# The list signs the person in from the row its own query read (the user, their role,
# the project and its revision): Django's session check must still refuse what it
# refuses when it reads the row itself, and every user sees what project_for lets them.

@pytest.mark.parametrize("headers", [{}, DIALOG, REGION], ids=["page", "dialog", "region"])
def test_signed_out_whatever_asks(client, viewer, project_a, headers):
    record(project_a)
    assert_sends_to_sign_in(client.get(url(project_a), headers=headers))
    client.force_login(viewer)
    assert client.get(url(project_a), headers=headers).status_code == 200
    viewer.set_password("a-new-password-1")  # a session from before a password change
    viewer.save()
    assert_sends_to_sign_in(client.get(url(project_a), headers=headers))


def test_a_deactivated_or_deleted_user_is_signed_out(login, viewer, operator, project_a):
    record(project_a)
    for user in (viewer, operator):
        client = login(user)
        assert client.get(url(project_a), headers=DIALOG).status_code == 200
    viewer.is_active = False
    viewer.save()
    assert_sends_to_sign_in(login(viewer).get(url(project_a), headers=DIALOG))
    client = login(operator)
    operator.delete()
    assert_sends_to_sign_in(client.get(url(project_a), headers=DIALOG))


@pytest.mark.parametrize("who", ["viewer", "operator", "project_admin", "superuser"])
def test_every_role_sees_the_list_and_only_operators_delete(request, login, project_a, who):
    record(project_a, error_code="Ecs.0013")
    html = fragment_html(login(request.getfixturevalue(who)).get(url(project_a) + "?tab=operation",
                                                               headers=DIALOG))
    assert "Ecs.0013" in html
    assert ("Delete All" in html) == (who != "viewer")


def test_a_project_that_does_not_exist_is_a_404(login, viewer, superuser):
    for user in (viewer, superuser):
        response = login(user).get(reverse("failed-tasks", args=["0" * 32, "ecs"]))
        assert response.status_code == 404


def test_it_checks_scope(login, outsider, project_a):
    record(project_a, "css", resource_name="secret-name")
    response = login(outsider).get(url(project_a, "css"))
    assert response.status_code == 404
    assert b"secret-name" not in response.content
    assert b"Traceback" not in response.content


def test_an_unknown_service_is_a_404(login, operator, project_a):
    response = login(operator).get(f"/console/{project_a.pk}/rds/failed-tasks/")
    assert response.status_code == 404


def test_it_requires_login(client, project_a):
    response = client.get(url(project_a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_rejects_post(login, operator, project_a, django_assert_num_queries):
    client = login(operator)
    with django_assert_num_queries(0):
        response = client.post(url(project_a))
    assert response.status_code == 405


# --- Cost -----------------------------------------------------------------------

@pytest.mark.parametrize("n", [3, 25])
def test_query_count_does_not_grow_with_data(
    login, operator, project_a, django_assert_num_queries, n
):
    for i in range(n):
        record(project_a, "ecs", error_code=f"CSS.60{i % 3:02d}")
    client = login(operator)
    # 1 the session's row, the user with their role, the project, its revision (for
    # the new-failures notice) and the tally rows (tab counts) in one statement, 2 the
    # page's rows (one more than a page, no COUNT) with their catalog entries and
    # resource rows, 3 the header's projects
    with django_assert_num_queries(3):
        response = client.get(url(project_a) + "?tab=operation")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 25])
def test_the_region_costs_the_same_at_any_size(
    login, operator, project_a, django_assert_num_queries, n
):
    for i in range(n):
        record(project_a, "ecs", error_code=f"CSS.60{i % 3:02d}")
    client = login(operator)
    # 1 the session's row, the user with their role, the project, its revision and
    # the tally rows, 2 the page's rows with their catalog entries and resource rows
    # (no header: a fragment)
    with django_assert_num_queries(2):
        response = client.get(url(project_a) + "?tab=operation", headers=REGION)
    assert response.status_code == 200


@pytest.mark.parametrize("params,rows", [
    ({"page": "3"}, 5), ({"q": "res-"}, 10), ({"q": "res-", "page": "3"}, 5),
])
def test_later_pages_and_searches_cost_the_same(
    login, operator, project_a, django_assert_num_queries, params, rows
):
    for i in range(25):
        record(project_a, "css", error_code=f"CSS.60{i % 3:02d}")
    client = login(operator)
    # 1 the session's row, the user with their role, the project, its revision and
    # the tally rows (for "Page 3 of 3"; a search is not counted), 2 the page's rows
    # with their catalog entries and resource rows (a later page picks its ids in a
    # subquery of the same statement)
    with django_assert_num_queries(2):
        response = client.get(url(project_a, "css"), params, headers=REGION)
    assert response.status_code == 200
    assert response.content.decode().count('<span class="cell-name">') == rows


def test_a_nul_character_in_the_search_is_harmless(login, operator, project_a):
    # PostgreSQL refuses NUL in text; the search folds it like a space.
    record(project_a, "css", resource_name="css logs")
    response = login(operator).get(
        reverse("failed-tasks", args=[project_a.pk, "css"]), {"q": "css\x00logs"})
    assert response.status_code == 200
    assert "css logs" in response.content.decode()


def test_it_states_the_retention_when_one_is_set(login, viewer, project_a, settings):
    record(project_a, "css")
    client = login(viewer)
    settings.FAILED_TASK_RETENTION_DAYS = None
    assert "are kept for" not in client.get(url(project_a, "css")).content.decode()
    settings.FAILED_TASK_RETENTION_DAYS = 90
    html = client.get(url(project_a, "css"), headers=DIALOG).content.decode()
    assert "Failed tasks are kept for 90 days after they fail." in html
    settings.FAILED_TASK_RETENTION_DAYS = 1
    html = client.get(url(project_a, "css")).content.decode()
    assert "Failed tasks are kept for 1 day after they fail." in html


def test_each_language_gets_its_own_row_labels(login, operator, project_a):
    """The rows' labels are translated once per language and kept: asking in Chinese,
    then in English, then in Chinese again gives each its own."""
    record(project_a, "ecs", error_code="Ecs.0013")
    client = login(operator)
    for language, cause in (("zh-hans", "失败原因"), ("en", "Failure cause"), ("zh-hans", "失败原因")):
        html = fragment_html(client.get(url(project_a) + "?tab=operation", headers={
            **DIALOG, "Accept-Language": language}))
        assert cause in html
        other = "Failure cause" if language != "en" else "失败原因"
        assert other not in html
