"""While the database cannot be reached every door answers 503 with Retry-After, in
its own shape, logs one line instead of a traceback, and the console recovers by
itself when the database is back."""

import json
import logging

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.urls import reverse

from console.identity.credentials import issue_token
from console.lib import errors
from console.lib.outage import is_outage
from tests.conftest import record


@pytest.fixture
def signed_in(served_client, operator, project_a):
    record(project_a, "ecs")
    served_client.force_login(operator)
    return served_client


@pytest.fixture
def token(operator, project_a):
    value, _record = issue_token(operator, project_a)
    return {"X-Auth-Token": value}


def outage_log(caplog):
    """What the requests logged, as (logger, level, has a traceback, message)."""
    return [(r.name, r.levelname, bool(r.exc_info), r.getMessage()) for r in caplog.records
            if r.name in ("console.lib.outage", "django.request", "django.server")]


def test_a_page_answers_503_temporarily_unavailable(database, signed_in, project_a, caplog,
                                                     django_assert_num_queries):
    # No query reaches the database: the connection fails, the 503 page needs none.
    with caplog.at_level(logging.INFO), django_assert_num_queries(0):
        database.down()
        response = signed_in.get(reverse("service", args=[project_a.pk, "ecs"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "<html" in body and "Temporarily unavailable" in body
    assert "Traceback" not in body
    [(name, level, traceback, message)] = outage_log(caplog)
    assert (name, level, traceback) == ("console.lib.outage", "ERROR", False)
    assert message.startswith(f"Database unavailable: GET /console/{project_a.pk}/ecs/ answered 503")
    assert "\n" not in message


def test_the_page_is_translated(database, signed_in, project_a):
    database.down()
    response = signed_in.get(reverse("service", args=[project_a.pk, "ecs"]),
                             headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 503
    assert "暂时不可用" in response.content.decode()


def test_an_htmx_request_gets_the_error_fragment(database, signed_in, project_a):
    database.down()
    response = signed_in.get(reverse("failed-task-counter", args=[project_a.pk, "ecs"]),
                             headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "<html" not in body
    assert 'role="alert"' in body and "Temporarily unavailable" in body


def test_a_page_without_a_session_answers_503_too(database, served_client):
    database.down()
    response = served_client.post(reverse("login"), {"username": "olivia", "password": "x"})
    assert response.status_code == 503
    assert "sessionid" not in response.cookies  # nothing saved: the database is down


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("api-failed-tasks", [], {"error": {"status": 503, "code": "unavailable", "fields": None}}),
    ("kps-failed-tasks", [], {"error_code": "KPS.0503"}),
    ("sdrs-failure-jobs", [], {"error": {"code": "SDRS.0503"}}),
])
def test_each_api_answers_503_in_its_own_error_body(database, served_client, project_a, token,
                                                    caplog, name, args, expected):
    database.down()
    with caplog.at_level(logging.INFO):
        response = served_client.get(reverse(name, args=[project_a.pk, *args]), headers=token)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    message = body.get("error_msg") or body["error"]["message"]
    assert "temporarily unavailable" in message
    for key, value in expected.items():
        if isinstance(value, dict):
            assert value.items() <= body[key].items()
        else:
            assert body[key] == value
    assert [(n, level, tb) for n, level, tb, _m in outage_log(caplog)] == [
        ("console.lib.outage", "ERROR", False)]


def test_keystone_answers_503_in_its_error_body(database, served_client, project_a):
    database.down()
    body = {"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"name": "olivia", "password": "secret",
                                           "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project_a.name}}}}
    response = served_client.post(reverse("keystone-tokens"), json.dumps(body),
                                  content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert (error["code"], error["title"]) == (503, "Service Unavailable")


def test_the_console_recovers_by_itself_when_the_database_is_back(
        database, signed_in, project_a, token):
    page = reverse("service", args=[project_a.pk, "ecs"])
    api = reverse("kps-failed-tasks", args=[project_a.pk])
    assert signed_in.get(page).status_code == 200  # a connection is open (and kept)
    database.down()
    assert signed_in.get(page).status_code == 503
    assert signed_in.get(api, headers=token).status_code == 503
    database.up()
    assert signed_in.get(page).status_code == 200
    assert signed_in.get(api, headers=token).status_code == 200


def test_other_database_errors_are_not_an_outage():
    assert is_outage(OperationalError("connection refused"))
    assert is_outage(InterfaceError("connection already closed"))
    assert not is_outage(IntegrityError("duplicate key"))
    assert not is_outage(ValueError("bad"))


def test_an_outage_outside_a_view_is_a_503_too(rf, caplog):
    # Django's last resort (handler500) for an error raised by a middleware.
    request = rf.get("/console/")
    try:
        raise OperationalError("server closed the connection unexpectedly\n\tThis probably...")
    except OperationalError:
        with caplog.at_level(logging.INFO):
            response = errors.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("console.lib.outage", "Database unavailable: GET /console/ answered 503 "
                           "(OperationalError: server closed the connection unexpectedly)")]


def test_the_connection_pool_logs_each_failed_attempt_in_one_line(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("psycopg.pool").warning(
            "error connecting in %r: %s", "pool-1",
            "connection failed: Connection refused\n\tIs the server running on that host?")
    assert [r.getMessage() for r in caplog.records] == [
        "error connecting in 'pool-1': connection failed: Connection refused"]
