"""The console API's query parameters: a malformed one is a 400 naming it alone, the
first in the order the list checks them (limit, the filters, the cursor), before any
task is read."""

import pytest

pytestmark = pytest.mark.django_db


def url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/failed-tasks{suffix}"


@pytest.mark.parametrize("params,named", [
    ({"limit": "0", "status": "x", "cursor": "1"}, "limit"),
    ({"service": "rds", "status": "x"}, "service"),
    ({"status": "x", "since": "yesterday"}, "status"),
    ({"q": "x" * 101, "since": "yesterday", "cursor": "1"}, "q"),
    ({"until": "2026-01-01", "cursor": "1"}, "until"),
    ({"cursor": "1_"}, "cursor"),
])
def test_the_first_malformed_parameter_is_named_alone(client, viewer, project_a, token_for,
                                                      django_assert_num_queries, params, named):
    headers = token_for(viewer, project_a)
    # The token with its user, project and the caller's role: no task is read.
    with django_assert_num_queries(1):
        response = client.get(url(project_a), params, headers=headers)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [named]


def test_the_causes_check_the_filters_alike(client, viewer, project_a, token_for):
    response = client.get(url(project_a, "/causes"), {"status": "x", "since": "yesterday"},
                          headers=token_for(viewer, project_a))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "status": 400, "code": "invalid", "message": "status: One of FAIL, RUNNING.",
        "fields": {"status": ["One of FAIL, RUNNING."]}}
