"""GET /api/v1/projects/{project_id}/failed-tasks/causes: the listed tasks grouped by
error code, with the list's filters."""

import pytest
from django.utils import translation

from failedtasks.models import ErrorCode, TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in Chinese leaves Chinese active in this thread: later tests read English."""
    yield
    translation.activate("en")


def url(project):
    return f"/api/v1/projects/{project.pk}/failed-tasks/causes"


@pytest.fixture
def tasks(project_a):
    record(project_a, "css", error_code="CSS.6004", resource_name="web-1", minutes_ago=30)
    record(project_a, "css", error_code="CSS.6004", resource_name="web-2", minutes_ago=10)
    record(project_a, "ecs", error_code="CSS.6004", resource_name="db-1", minutes_ago=20)
    record(project_a, "ecs", error_code="Ecs.0013", resource_name="web-3", minutes_ago=5)
    record(project_a, "kps", error_code="", resource_name="key-1")
    record(project_a, "ecs", status=TaskStatus.RUNNING, job_type="createServer",
           failure_status="", error_code="", resource_name="web-creating")
    ErrorCode.objects.update_or_create(code="CSS.6004", defaults={
        "cause_en": "The cluster is busy.", "cause_zh": "集群繁忙。",
        "solution_en": "Try again later.", "solution_zh": "请稍后重试。"})


def summary(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(entry["error_code"], entry["count"]) for entry in response.json()["results"]]


def test_it_groups_every_listed_task(client, viewer, project_a, token_for, tasks):
    response = client.get(url(project_a), headers=token_for(viewer, project_a))
    assert summary(response) == [("CSS.6004", 3), ("", 2), ("Ecs.0013", 1)]
    first = response.json()["results"][0]
    assert set(first) == {"error_code", "count", "first_fail_time", "last_fail_time",
                          "cause", "solution"}
    assert first["cause"] == "The cluster is busy."
    assert first["solution"] == "Try again later."
    assert first["first_fail_time"] < first["last_fail_time"]
    assert first["first_fail_time"].endswith("Z")
    assert response.json()["count_is_lower_bound"] is False
    unknown = response.json()["results"][1]  # no code, so no catalog entry
    assert (unknown["cause"], unknown["solution"]) == (None, None)


def test_the_catalog_in_the_request_language(client, viewer, project_a, token_for, tasks):
    headers = {**token_for(viewer, project_a), "Accept-Language": "zh-hans"}
    first = client.get(url(project_a), headers=headers).json()["results"][0]
    assert (first["cause"], first["solution"]) == ("集群繁忙。", "请稍后重试。")


@pytest.mark.parametrize("params,expected", [
    ({"service": "css"}, [("CSS.6004", 2)]),
    ({"service": "ecs", "status": "FAIL"}, [("CSS.6004", 1), ("Ecs.0013", 1)]),
    ({"status": "RUNNING"}, [("", 1)]),
    ({"error_code": "css.6004"}, [("CSS.6004", 3)]),
    ({"q": "web"}, [("CSS.6004", 2), ("", 1), ("Ecs.0013", 1)]),
    ({"q": "web", "service": "ecs"}, [("", 1), ("Ecs.0013", 1)]),
    ({"q": "nothing-like-it"}, []),
])
def test_it_takes_the_list_filters(client, viewer, project_a, token_for, tasks, params, expected):
    response = client.get(url(project_a), params, headers=token_for(viewer, project_a))
    assert summary(response) == expected


@pytest.mark.parametrize("params", [
    {"service": "nope"}, {"status": "DONE"}, {"q": "x" * 101}, {"error_code": "a\x00b"},
])
def test_bad_filters_are_refused(client, viewer, project_a, token_for, params):
    response = client.get(url(project_a), params, headers=token_for(viewer, project_a))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_it_checks_scope(client, outsider, project_a, project_b, token_for):
    headers = token_for(outsider, project_b)
    assert client.get(url(project_a), headers=headers).status_code == 404
    response = client.get("/api/v1/projects/0123456789abcdef0123456789abcdef/failed-tasks/causes",
                          headers=headers)
    assert response.status_code == 404


def test_it_needs_credentials(client, project_a):
    assert client.get(url(project_a)).status_code == 401


def test_it_rejects_other_methods(client, operator, project_a, token_for,
                                  django_assert_num_queries):
    headers = token_for(operator, project_a)
    for method in (client.post, client.delete, client.put):
        # none: the method is checked before the caller is
        with django_assert_num_queries(0):
            response = method(url(project_a), headers=headers)
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_costs_the_same_at_any_size(client, viewer, project_a, token_for,
                                       django_assert_num_queries):
    from failedtasks.demo import generate_tasks

    headers = token_for(viewer, project_a)
    generate_tasks(600, projects=[project_a], seed=4)
    # 1 token with user, project and role, 2 the tally rows per code, 3 the first and
    # last failure of each, 4 the catalog entries
    with django_assert_num_queries(4):
        response = client.get(url(project_a), headers=headers)
    assert sum(count for _code, count in summary(response)) == 600
    # A search: 2 its matches grouped (bounded) with their times, 3 the catalog
    with django_assert_num_queries(3):
        response = client.get(url(project_a), {"q": "load"}, headers=headers)
    assert response.status_code == 200


def test_the_schema_documents_it(client, viewer, project_a, token_for):
    schema = client.get("/api/schema/", {"format": "json"},
                        headers=token_for(viewer, project_a)).json()
    operation = schema["paths"]["/api/v1/projects/{project_id}/failed-tasks/causes"]["get"]
    assert operation["operationId"] == "list_failure_causes"
    assert {p["name"] for p in operation["parameters"]} >= {"service", "status", "error_code", "q"}
    cause = schema["components"]["schemas"]["CauseOut"]
    assert set(cause["properties"]) == {"error_code", "count", "first_fail_time",
                                        "last_fail_time", "cause", "solution"}


def test_a_time_range_groups_the_tasks_within_it(client, viewer, project_a, token_for, tasks):
    from datetime import timedelta

    from django.utils import timezone

    since = (timezone.now() - timedelta(minutes=15)).isoformat()
    response = client.get(url(project_a), {"since": since}, headers=token_for(viewer, project_a))
    assert summary(response) == [("", 2), ("CSS.6004", 1), ("Ecs.0013", 1)]
