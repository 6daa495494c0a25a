"""Deeply nested JSON is malformed input: a 400 in the face's own error body on
every endpoint that reads a JSON body, and nothing logged as a server error."""

import logging

import pytest
from django.test import Client

from failedtasks.models import FailedTask

pytestmark = pytest.mark.django_db

TOO_DEEP = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit
DEEP = '{"a": ' * 200 + "1" + "}" * 200  # parses, yet deeper than any request needs


@pytest.fixture
def endpoints(project_a, operator, token_for):
    headers = token_for(operator, project_a)
    return {
        "token": ("/v3/auth/tokens", {}, lambda body: body["error"]["code"] == 400),
        "record": (f"/api/v1/projects/{project_a.pk}/failed-tasks", headers,
                   lambda body: body["error"]["code"] == "invalid"),
        "delete-all": (f"/api/v1/projects/{project_a.pk}/failed-tasks/delete-all", headers,
                       lambda body: body["error"]["code"] == "invalid"),
    }


@pytest.mark.parametrize("endpoint", ["token", "record", "delete-all"])
@pytest.mark.parametrize("payload", [TOO_DEEP, DEEP, f'{{"service": "ecs", "job_id": "j", '
                                                    f'"extra": {{"k": {DEEP}}}}}'])
def test_deeply_nested_json_is_a_400(endpoints, endpoint, payload, caplog):
    path, headers, in_face_shape = endpoints[endpoint]
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(path, payload, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert in_face_shape(response.json())
    assert "nested deeper than 32 levels" in str(response.json())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not FailedTask.objects.exists()


def test_a_request_as_deep_as_any_real_one_still_parses(client, project_a, operator, token_for):
    response = client.post(f"/api/v1/projects/{project_a.pk}/failed-tasks",
                           {"service": "ecs", "job_id": "j-1", "extra": {"server_id": "s-1"}},
                           content_type="application/json", headers=token_for(operator, project_a))
    assert response.status_code == 201


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_a_number_json_cannot_hold_is_a_400(endpoints, number):
    path, headers, in_face_shape = endpoints["record"]
    payload = f'{{"service": "ecs", "job_id": "j", "extra": {{"k": {number}}}}}'
    response = Client(raise_request_exception=False).post(
        path, payload, content_type="application/json", headers=headers)
    assert response.status_code == 400 and in_face_shape(response.json())
    assert not FailedTask.objects.exists()
