"""The hottest pages sign the user in on one statement, with the session's data this
process remembers; the session's row stays the truth (console/identity/sessions.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.identity import sessions
from console.identity.sessions import SessionStore
from tests.conftest import record

pytestmark = pytest.mark.django_db

DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}


def dialog(client, project):
    return client.get(f"/console/{project.pk}/ecs/failed-tasks/", headers=DIALOG)


def counter(client, project):
    return client.get(f"/console/{project.pk}/ecs/failed-tasks/counter/")


@pytest.fixture
def signed_in(login, viewer, project_a):
    record(project_a, "ecs")
    return login(viewer)


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def test_a_remembered_session_signs_in_on_the_pages_one_statement(signed_in, project_a):
    assert sessions.remembered(session_key(signed_in)) is not None  # written at sign-in
    with CaptureQueriesContext(connection) as remembered:
        assert counter(signed_in, project_a).status_code == 200
    sessions.forget(session_key(signed_in))
    with CaptureQueriesContext(connection) as read_first:
        assert counter(signed_in, project_a).status_code == 200
    assert len(remembered) == 1 and "django_session" in remembered[0]["sql"]
    assert len(read_first) == 2 and read_first[0]["sql"].startswith('SELECT "django_session"')
    assert sessions.remembered(session_key(signed_in)) is not None  # read again, remembered


@pytest.mark.parametrize("page", [dialog, counter])
def test_a_session_signed_out_elsewhere_is_signed_out_here(signed_in, project_a, page):
    assert page(signed_in, project_a).status_code == 200
    Session.objects.filter(session_key=session_key(signed_in)).delete()  # another server's sign-out
    response = page(signed_in, project_a)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expired_session_is_signed_out(signed_in, project_a):
    assert dialog(signed_in, project_a).status_code == 200
    Session.objects.filter(session_key=session_key(signed_in)).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    assert dialog(signed_in, project_a).status_code == 302


def test_a_session_changed_elsewhere_is_read_as_its_row_holds_it(signed_in, project_a, operator):
    """Another server wrote the session (here: another user signed in on it): this
    process's memory of it is not used."""
    assert dialog(signed_in, project_a).status_code == 200
    store = SessionStore(session_key(signed_in))
    data = store.load()
    data[SESSION_KEY] = str(operator.pk)
    data["_auth_user_hash"] = operator.get_session_auth_hash()
    Session.objects.filter(session_key=session_key(signed_in)).update(
        session_data=store.encode(data))
    sessions.remember(session_key(signed_in), "the data as this process last saw it")
    html = dialog(signed_in, project_a).content.decode()
    assert 'data-modal' in html and "Delete All" in html  # the operator's view, not the viewer's


def test_a_changed_password_signs_the_session_out(signed_in, project_a, viewer):
    assert dialog(signed_in, project_a).status_code == 200
    viewer.set_password("a new one")
    viewer.save()
    assert dialog(signed_in, project_a).status_code == 302


def test_a_session_for_a_user_who_is_gone_is_signed_out(signed_in, project_a, viewer):
    assert counter(signed_in, project_a).status_code == 200
    viewer.delete()
    assert counter(signed_in, project_a).status_code == 302


def test_the_memory_keeps_the_most_recent_sessions(monkeypatch):
    monkeypatch.setattr(sessions, "REMEMBERED", 3)
    monkeypatch.setattr(sessions, "_remembered", type(sessions._remembered)())
    for key in "abcd":
        sessions.remember(key, key.upper())
    assert sessions.remembered("a") is None and sessions.remembered("b") == "B"
    sessions.remember("e", "E")  # "b" was used last, "c" goes
    assert [sessions.remembered(key) for key in "bcde"] == ["B", None, "D", "E"]


def test_a_session_read_and_not_found_is_forgotten(signed_in):
    key = session_key(signed_in)
    assert sessions.remembered(key) is not None
    Session.objects.filter(session_key=key).delete()
    assert SessionStore(key).load() == {}
    assert sessions.remembered(key) is None
