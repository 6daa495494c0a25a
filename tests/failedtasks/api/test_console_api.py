"""/api/v1/: record, list with keyset pages, read, delete one, delete all up to a watermark."""

import base64

import pytest
from django.db import connection

from console.tenancy.models import Role
from failedtasks.confirmations import verify_watermark
from failedtasks.models import Deletion, FailedTask, TaskStatus, TaskTally
from tests.conftest import record

pytestmark = pytest.mark.django_db


# The token with the caller's role, then the recording: PostgreSQL counts the task,
# takes the revision and stamps it in one statement; SQLite in three. The answer is
# the row the stamp returned, its times written in Python as the database writes
# them (test_the_answer_to_a_recording_is_the_task_as_read).
QUERIES_PER_RECORDING = 6 if connection.vendor == "postgresql" else 8


def url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/failed-tasks{suffix}"


def post(client, project, headers, **body):
    return client.post(url(project), body, content_type="application/json", headers=headers)


def test_record_a_failure(client, operator, project_a, token_for):
    response = post(client, project_a, token_for(operator, project_a), service="sdrs",
                    job_id="ff808082686f229a0168707beaab014e", job_type="createProtectedInstance",
                    failure_status="createFail", resource_type="protected_instances",
                    resource_name="Protected-Instance-ab14", parent_id="pg-1",
                    error_code="EVS.2024", fail_reason="volume is error!",
                    begin_time="2019-01-21T12:56:35.754Z", fail_time="2019-01-21T12:57:00Z",
                    extra={"server_id": "s-1"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["job_id"] == "ff808082686f229a0168707beaab014e"
    assert body["category"] == "creation" and body["status"] == "FAIL"
    assert body["begin_time"] == "2019-01-21T12:56:35.754Z"
    assert body["fail_time"] == "2019-01-21T12:57:00.000Z"
    assert body["extra"] == {"server_id": "s-1"}
    assert TaskTally.objects.for_service(project_a, "sdrs").failed == 1


def test_recording_the_same_job_again_updates_it(client, operator, project_a, token_for):
    headers = token_for(operator, project_a)
    first = post(client, project_a, headers, service="ecs", job_id="j-1", job_type="createServer",
                 status="RUNNING")
    again = post(client, project_a, headers, service="ecs", job_id="j-1", job_type="createServer",
                 status="FAIL", error_code="Ecs.0013")
    assert (first.status_code, again.status_code) == (201, 200)
    assert FailedTask.objects.get().status == TaskStatus.FAIL
    assert first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize("body,field", [
    ({"job_id": "j"}, "service"),
    ({"service": "ecs"}, "job_id"),
    ({"service": "rds", "job_id": "j"}, "service"),
    ({"service": "ecs", "job_id": "j" * 65}, "job_id"),
    ({"service": "ecs", "job_id": "has space"}, "job_id"),
    ({"service": "ecs", "job_id": "j", "status": "DONE"}, "status"),
    ({"service": "ecs", "job_id": "j", "fail_time": "yesterday"}, "fail_time"),
    ({"service": "ecs", "job_id": "j", "error_code": "<script>"}, "error_code"),
    ({"service": "ecs", "job_id": "j", "fail_reason": "x" * 4001}, "fail_reason"),
    ({"service": "ecs", "job_id": "j", "extra": "nope"}, "extra"),
    ({"service": "ecs", "job_id": "j", "extra": {"k": {"nested": 1}}}, "extra"),
    ({"service": "ecs", "job_id": "j", "extra": {"k": "v" * 5000}}, "extra"),
    ({"service": "sdrs", "job_id": "j", "failure_status": "brokenFail"}, "failure_status"),
    ({"service": "sdrs", "job_id": "j", "resource_type": "servers"}, "resource_type"),
    ({"service": "kps", "job_id": "j", "extra": {"operate_type": "FAILED_EXPLODE"}}, "extra"),
    ({"service": "ecs", "job_id": "j", "fail_time": "1969-12-31T23:59:59Z"}, "fail_time"),
    ({"service": "ecs", "job_id": "j", "begin_time": "9999-01-01T00:00:00Z"}, "begin_time"),
    ({"service": "ecs", "job_id": "j", "job_type": "resize\n"}, "job_type"),
    ({"service": "ecs", "job_id": "j", "resource_id": " " * 65}, "resource_id"),
    ({"service": "ecs", "job_id": "j", "extra": {"k" * 65: 1}}, "extra"),
    ({"service": "ecs", "job_id": "j", "extra": {f"k{n}": n for n in range(17)}}, "extra"),
    ({"service": "ecs", "job_id": "j", "surprise": 1}, "surprise"),
    ({"service": "ecs", "job_id": "j", "resource_name": "a\x00b"}, "resource_name"),
])
def test_bad_input_names_the_field_and_stores_nothing(client, operator, project_a, token_for,
                                                      body, field):
    response = client.post(url(project_a), body, content_type="application/json",
                           headers=token_for(operator, project_a))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not FailedTask.objects.exists()


@pytest.mark.parametrize("payload", ["[1, 2]", "null", "{bad json", '"text"'])
def test_malformed_bodies_are_400(client, operator, project_a, token_for, payload):
    response = client.post(url(project_a), payload, content_type="application/json",
                           headers=token_for(operator, project_a))
    assert response.status_code == 400


def test_markup_is_stored_as_text(client, operator, project_a, token_for):
    response = post(client, project_a, token_for(operator, project_a), service="css", job_id="x1",
                    resource_name="<img src=x onerror=alert(1)>")
    assert response.json()["resource_name"] == "<img src=x onerror=alert(1)>"


def test_keyset_pages_walk_every_task_once(client, operator, project_a, token_for):
    for n in range(25):
        record(project_a, "ecs" if n % 2 else "css", minutes_ago=n % 7)  # ties on failure time
    headers = token_for(operator, project_a)
    seen, next_url = [], url(project_a) + "?limit=10"
    while next_url:
        body = client.get(next_url, headers=headers).json()
        seen += [task["id"] for task in body["results"]]
        next_url = body["next"]
    assert len(seen) == 25 and len(set(seen)) == 25


def test_filters_and_counts(client, viewer, project_a, token_for):
    record(project_a, "ecs", error_code="Ecs.0013", resource_name="web-1")
    record(project_a, "ecs", status=TaskStatus.RUNNING, job_type="createServer")
    record(project_a, "css", error_code="CSS.6000")
    headers = token_for(viewer, project_a)

    def get(**params):
        return client.get(url(project_a), params, headers=headers).json()

    assert get(service="ecs")["count"] == 2
    assert get(service="ecs", status="FAIL")["count"] == 1
    assert [t["error_code"] for t in get(error_code="ecs.0013")["results"]] == ["Ecs.0013"]
    assert [t["resource_name"] for t in get(q="web")["results"]] == ["web-1"]
    # Without q or error_code the count is the tallies'; with them, the matches
    # counted (up to COUNT_LIMIT, tests/failedtasks/test_counting.py).
    assert get()["count"] == 3
    assert get(status="RUNNING")["count"] == 1
    assert get(q="web")["count"] == 1
    assert get(error_code="ECS.0013")["count"] == 1
    assert get(q="nothing")["count"] == 0
    assert not get(q="web")["count_is_lower_bound"]
    assert not get()["count_is_lower_bound"]


def test_a_search_counts_up_to_the_limit_and_says_so(client, viewer, project_a, token_for,
                                                     monkeypatch):
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 3)
    for n in range(5):
        record(project_a, "ecs", resource_name=f"web-{n}", error_code="Ecs.0013")
    headers = token_for(viewer, project_a)
    for params in ({"q": "web"}, {"error_code": "ecs.0013"}):
        body = client.get(url(project_a), params, headers=headers).json()
        assert (body["count"], body["count_is_lower_bound"]) == (3, True)
        assert len(body["results"]) == 5
    body = client.get(url(project_a), {"q": "web-1"}, headers=headers).json()
    assert (body["count"], body["count_is_lower_bound"]) == (1, False)
    # From the tallies, counts are exact at any size.
    body = client.get(url(project_a), headers=headers).json()
    assert (body["count"], body["count_is_lower_bound"]) == (5, False)


def test_q_is_the_consoles_search(client, viewer, project_a, token_for):
    record(project_a, "ecs", job_id="ab12-job", resource_id="id-one", resource_name="alpha")
    record(project_a, "ecs", job_id="cd34-job", resource_id="AB99-res", resource_name="beta")
    record(project_a, "ecs", job_id="ef56-job", resource_name="gamma", error_code="Ab.1")
    record(project_a, "ecs", job_id="gh78-job", resource_name="x-ab-y")
    record(project_a, "ecs", job_id="ij90-job", resource_name="delta", error_code="Ab.10")
    headers = token_for(viewer, project_a)

    def names(q):
        body = client.get(url(project_a), {"q": q}, headers=headers).json()
        return sorted(task["resource_name"] for task in body["results"])

    # A name fragment, a resource or job id prefix, or a whole error code, in any case.
    assert names("AB") == ["alpha", "beta", "x-ab-y"]
    assert names("ab.1") == ["gamma"]
    assert names("job") == []  # ids match from their start only


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"service": "rds"},
                                    {"status": "x"}, {"cursor": "not-a-cursor"}, {"cursor": "fA"}])
def test_bad_list_parameters_are_400(client, viewer, project_a, token_for, params):
    response = client.get(url(project_a), params, headers=token_for(viewer, project_a))
    assert response.status_code == 400


def test_times_are_kept_as_reported_even_when_begin_is_later(client, operator, project_a,
                                                               token_for):
    # Hosts' clocks may disagree; a failure report is never refused for that.
    response = post(client, project_a, token_for(operator, project_a), service="ecs", job_id="j",
                    begin_time="2026-01-02T00:00:00Z", fail_time="2026-01-01T00:00:00Z")
    assert response.status_code == 201
    assert response.json()["begin_time"] == "2026-01-02T00:00:00.000Z"
    assert response.json()["fail_time"] == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize("cursor", ["253399999999999999_5", "-59999999999999999_1", "0_0",
                                    "1737462955754000_12"])
def test_any_cursor_of_the_documented_form_is_a_page(client, viewer, project_a, token_for, cursor):
    response = client.get(url(project_a), {"cursor": cursor}, headers=token_for(viewer, project_a))
    assert response.status_code == 200


@pytest.mark.parametrize("cursor", ["", "999999999999999999_1", "1_", "_1", "1_2\n", "１_2"])
def test_any_other_cursor_is_a_400(client, viewer, project_a, token_for, cursor):
    response = client.get(url(project_a), {"cursor": cursor}, headers=token_for(viewer, project_a))
    assert response.status_code == 400


def test_pages_follow_one_another(client, viewer, project_a, token_for):
    for n in range(5):
        record(project_a, job_id=f"page-{n}", minutes_ago=n)
    headers, seen, page = token_for(viewer, project_a), [], url(project_a) + "?limit=2"
    while page:
        body = client.get(page, headers=headers).json()
        seen += [task["job_id"] for task in body["results"]]
        page = body["next"]
    assert seen == [f"page-{n}" for n in range(5)]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_cursor_naming_a_moment_outside_utcs_range_is_a_400(client, viewer, project_a,
                                                               token_for, moment):
    cursor = base64.urlsafe_b64encode(f"{moment}|5".encode()).decode().rstrip("=")
    response = client.get(url(project_a), {"cursor": cursor}, headers=token_for(viewer, project_a))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cursor": ["Not a cursor this API gave out."]}


def test_read_and_delete_one(client, operator, project_a, project_b, token_for):
    task = record(project_a, "kps")
    foreign = record(project_b, "kps")
    headers = token_for(operator, project_a)
    assert client.get(url(project_a, f"/{task.pk}"), headers=headers).json()["id"] == task.pk
    assert client.get(url(project_a, f"/{foreign.pk}"), headers=headers).status_code == 404
    assert client.delete(url(project_a, f"/{foreign.pk}"), headers=headers).status_code == 404
    assert client.delete(url(project_a, f"/{task.pk}"), headers=headers).status_code == 204
    assert client.delete(url(project_a, f"/{task.pk}"), headers=headers).status_code == 404
    assert FailedTask.objects.filter(pk=foreign.pk).exists()


def test_delete_all_spares_what_arrived_after_the_listing(client, operator, project_a, token_for):
    headers = token_for(operator, project_a)
    for _ in range(3):
        record(project_a, "ecs")
    record(project_a, "css")
    watermark = client.get(url(project_a), {"service": "ecs"}, headers=headers).json()["watermark"]
    late = record(project_a, "ecs")
    response = client.post(url(project_a, "/delete-all") + "?service=ecs", {"watermark": watermark},
                           content_type="application/json", headers=headers)
    assert response.status_code == 200
    assert response.json()["deleted"] == 3 and response.json()["kept"] == 1
    assert set(FailedTask.objects.values_list("service", flat=True)) == {"css", "ecs"}
    assert FailedTask.objects.filter(pk=late.pk).exists()
    assert Deletion.objects.get().criteria == {"service": "ecs"}


@pytest.mark.parametrize("body", [{}, {"watermark": "12"}, {"watermark": -1}, {"watermark": True},
                                  {"watermark": 2**64}])
def test_delete_all_needs_a_watermark(client, operator, project_a, token_for, body):
    record(project_a)
    response = client.post(url(project_a, "/delete-all"), body, content_type="application/json",
                           headers=token_for(operator, project_a))
    assert response.status_code == 400
    assert FailedTask.objects.count() == 1


def test_roles(client, viewer, outsider, project_a, project_b, token_for):
    task = record(project_a)
    headers = token_for(viewer, project_a)
    assert post(client, project_a, headers, service="ecs", job_id="v").status_code == 403
    assert client.delete(url(project_a, f"/{task.pk}"), headers=headers).status_code == 403
    assert client.get(url(project_a), headers=token_for(outsider, project_b)).status_code == 404
    assert client.get(url(project_a)).status_code == 401


def test_a_tokens_role_is_read_at_every_call(client, operator, superuser, project_a, token_for):
    """The token brings its project; the caller's role in it is still read per call."""
    headers = token_for(operator, project_a)
    assert post(client, project_a, headers, service="ecs", job_id="first").status_code == 201
    membership = operator.memberships.get(project=project_a)
    membership.role = Role.VIEWER
    membership.save()
    assert post(client, project_a, headers, service="ecs", job_id="second").status_code == 403
    membership.delete()
    assert post(client, project_a, headers, service="ecs", job_id="third").status_code == 404
    membership.role = Role.OPERATOR
    membership.pk = None
    membership.save()  # a role given back is seen at once too
    assert post(client, project_a, headers, service="ecs", job_id="fifth").status_code == 201
    admin_headers = token_for(superuser, project_a)
    assert post(client, project_a, admin_headers, service="ecs", job_id="fourth").status_code == 201
    superuser.is_superuser = False  # no membership of their own: no role left
    superuser.save()
    assert post(client, project_a, admin_headers, service="ecs", job_id="sixth").status_code == 404
    assert set(FailedTask.objects.values_list("job_id", flat=True)) == {"first", "fourth", "fifth"}


@pytest.mark.parametrize("times", [
    {"begin_time": "2019-01-21T12:56:35.999999Z", "fail_time": "2019-01-21T12:57:00.000999+08:00"},
    {"begin_time": None, "fail_time": "1999-12-31T23:59:59.5Z"},
    {"fail_time": "2030-06-01T00:00:00Z"},
])
def test_the_answer_to_a_recording_is_the_task_as_read(client, operator, project_a, token_for, times):
    """The answer is written from the row the recording returned, not read again: it
    is what reading the task answers, its times cut to the millisecond as the
    database cuts them, whether the task is new or recorded again."""
    headers = token_for(operator, project_a)
    for expected_status in (201, 200):
        answer = post(client, project_a, headers, service="kps", job_id="k-1", extra={"a": "b"},
                      **times)
        assert answer.status_code == expected_status, answer.json()
        read = client.get(url(project_a, f"/{answer.json()['id']}"), headers=headers)
        assert answer.json() == read.json()


def test_recording_costs_a_fixed_number_of_queries(client, operator, project_a, token_for,
                                                   django_assert_num_queries,
                                                   django_assert_max_num_queries):
    """The token, the role, then in one transaction the task, its tally with the
    revision and the stamp, and the alert rules' count; the answer is the row the
    stamp returned, not read again."""
    headers = token_for(operator, project_a)
    post(client, project_a, headers, service="ecs", job_id="warm")
    with django_assert_num_queries(QUERIES_PER_RECORDING):
        assert post(client, project_a, headers, service="ecs", job_id="new").status_code == 201
    # Again: the task is found and updated, and nothing new is counted.
    with django_assert_max_num_queries(QUERIES_PER_RECORDING + 1):
        assert post(client, project_a, headers, service="ecs", job_id="new").status_code == 200


def test_the_session_needs_csrf_for_writes(operator, project_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.get(url(project_a)).status_code == 200
    response = client.post(url(project_a), {"service": "ecs", "job_id": "j"},
                           content_type="application/json")
    assert response.status_code == 403
    assert not FailedTask.objects.exists()


def test_a_page_of_a_thousand_costs_the_same_queries(client, viewer, project_a, token_for,
                                                     django_assert_num_queries):
    from failedtasks.demo import generate_tasks

    generate_tasks(1200, projects=[project_a], seed=3)
    headers = token_for(viewer, project_a)
    for limit in ("10", "1000"):
        # 1 token with user, project and role, 2 the watermark's revision and the
        # count (tallied) in one statement, 3 the page of values (no model instances)
        with django_assert_num_queries(3):
            response = client.get(url(project_a), {"limit": limit}, headers=headers)
        assert len(response.json()["results"]) == int(limit)
    for search in ({"q": "load"}, {"error_code": "ecs.0013"}, {"q": "load", "service": "ecs"}):
        # The same three: a search's count (up to COUNT_LIMIT) comes with the revision.
        with django_assert_num_queries(3):
            response = client.get(url(project_a), {"limit": "1000", **search}, headers=headers)
        assert response.json()["count"] > 0


def test_the_schema_and_docs_are_served_locally(client, viewer):
    client.force_login(viewer)
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "https://" not in html


def test_the_watermark_is_the_projects_own(client, operator, project_a, project_b, token_for):
    """Activity in a project the caller has no role in never shows in its watermark."""
    headers = token_for(operator, project_a)

    def revision_listed() -> int:
        # The revision the watermark signs (its text also carries when it was signed).
        watermark = client.get(url(project_a), headers=headers).json()["watermark"]
        return verify_watermark(watermark, project_a.pk, {})

    record(project_a, "ecs")
    before = revision_listed()
    record(project_b, "ecs")
    record(project_b, "css")
    assert revision_listed() == before
    record(project_a, "ecs")
    assert revision_listed() > before


def test_delete_all_may_narrow_a_listing_but_not_widen_it(client, operator, project_a,
                                                         token_for):
    headers = token_for(operator, project_a)
    record(project_a, "ecs")
    record(project_a, "css")
    ecs_only = client.get(url(project_a), {"service": "ecs"}, headers=headers).json()["watermark"]
    # Dropping the listing's service filter would reach tasks it did not show.
    response = client.post(url(project_a, "/delete-all"), {"watermark": ecs_only},
                           content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]["watermark"][0]
    assert FailedTask.objects.count() == 2
    # A listing of everything may be narrowed to one service.
    everything = client.get(url(project_a), headers=headers).json()["watermark"]
    response = client.post(url(project_a, "/delete-all") + "?service=css",
                           {"watermark": everything}, content_type="application/json",
                           headers=headers)
    assert response.status_code == 200 and response.json()["deleted"] == 1
    assert list(FailedTask.objects.values_list("service", flat=True)) == ["ecs"]


def test_another_projects_or_an_altered_watermark_is_refused(client, operator, project_a,
                                                            project_b, token_for):
    from console.tenancy.models import Membership, Role

    Membership.objects.create(user=operator, project=project_b, role=Role.OPERATOR)
    record(project_a, "ecs")
    theirs = client.get(url(project_b), headers=token_for(operator, project_b)).json()["watermark"]
    headers = token_for(operator, project_a)
    mine = client.get(url(project_a), headers=headers).json()["watermark"]
    for watermark in (theirs, mine[:-1] + ("A" if mine[-1] != "A" else "B"),
                      "9223372036854775807"):
        response = client.post(url(project_a, "/delete-all"), {"watermark": watermark},
                               content_type="application/json", headers=headers)
        assert response.status_code == 400, watermark
    assert FailedTask.objects.count() == 1
