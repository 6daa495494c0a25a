"""A database that is slow to connect, locked, or never answers gives the same 503
within seconds instead of a request that hangs; management commands are not held
to the web's limits."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from console.identity.credentials import issue_token
from failedtasks.models import FailedTask, TaskTally
from failedtasks.signals import failure_recorded
from tests.conftest import record

ROOT = Path(__file__).resolve().parents[2]
# A regression must fail, not hang the suite: whatever holds the database lets go then.
SAFETY_SECONDS = 60


@pytest.fixture
def token(operator, project_a):
    record(project_a, "kps")
    value, _record = issue_token(operator, project_a)
    return {"X-Auth-Token": value}


def kps_list(project):
    return reverse("kps-failed-tasks", args=[project.pk])


class HeldLock:
    """Another session holds the failed-task tables (LOCK TABLE on PostgreSQL, an
    exclusive transaction on SQLite's file) until released, or SAFETY_SECONDS."""

    def __init__(self, original_settings):
        if connection.vendor == "postgresql":
            self.session = psycopg.connect(
                dbname=original_settings["NAME"], host=original_settings["HOST"] or "127.0.0.1",
                port=original_settings["PORT"] or 5432, user=connection.settings_dict["USER"],
                password=connection.settings_dict["PASSWORD"], autocommit=True)
            self.session.execute("BEGIN")
            self.session.execute("LOCK TABLE failedtasks_failedtask, failedtasks_tasktally "
                                 "IN ACCESS EXCLUSIVE MODE")
        else:
            self.session = sqlite3.connect(original_settings["NAME"], isolation_level=None)
            self.session.execute("BEGIN EXCLUSIVE")
        self.released = threading.Event()
        self.timer = threading.Timer(SAFETY_SECONDS, self.release)
        self.timer.start()

    def release(self):
        if not self.released.is_set():
            self.released.set()
            self.session.close()  # rolls the transaction back, and its lock goes
        self.timer.cancel()


def test_web_requests_run_with_the_default_timeouts(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("10s",)
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone() == ("5s",)
            assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
        else:
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone() == (5000,)


def test_management_commands_run_without_the_statement_and_lock_timeouts():
    script = ("import json; from django.conf import settings as s; "
              "print(json.dumps([s.DB_STATEMENT_TIMEOUT, s.DB_LOCK_TIMEOUT, "
              "s.DATABASES['default']['OPTIONS']]))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                            env=os.environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    statement, lock, options = json.loads(result.stdout.strip().splitlines()[-1])
    assert (statement, lock) == (0, 0)
    if connection.vendor == "postgresql":
        assert options["options"].endswith("-c statement_timeout=0 -c lock_timeout=0")
    else:
        assert options["timeout"] == 86400  # SQLite: wait for a locked file (a day)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deadlines are PostgreSQL's")
def test_a_pooled_connection_taken_again_and_again_keeps_one_deadline(transactional_db, project_a):
    """The pool hands each request a connection it opened before, and Django announces
    it again (connection_created) every time: commit and rollback are wrapped once."""
    from django.db.backends.signals import connection_created

    connection.ensure_connection()
    for _ in range(sys.getrecursionlimit() + 100):  # a busy worker's requests
        connection_created.send(sender=connection.__class__, connection=connection)
    driver = connection.connection
    for method in (driver.commit, driver.rollback):
        assert not hasattr(method.deadline_of, "deadline_of")  # one wrapper, not one per request
    record(project_a, "ecs")  # its transaction commits through the wrapper
    assert FailedTask.objects.filter(project=project_a).count() == 1


def test_a_malformed_timeout_is_refused():
    environment = {**os.environ, "DB_CONNECT_TIMEOUT": "soon"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DB_CONNECT_TIMEOUT must be a number of seconds (0 for no limit), not 'soon'" in result.stderr


@pytest.mark.parametrize("stuck_on", ["lock", "statement"])
def test_a_request_behind_a_held_lock_answers_503(database, served_client, project_a, token,
                                                  stuck_on):
    if stuck_on == "statement" and connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement timeout: a locked file is its only wait")
    database.limit(lock=1, statement=10) if stuck_on == "lock" else database.limit(statement=1)
    lock = HeldLock(database.original)
    try:
        response = served_client.get(kps_list(project_a), headers=token)
        assert not lock.released.is_set()  # the timeout answered, not the lock's release
    finally:
        lock.release()
    assert response.status_code == 503
    assert response.json()["error_code"] == "KPS.0503"
    assert served_client.get(kps_list(project_a), headers=token).status_code == 200


def test_a_database_that_never_answers_a_new_connection_answers_503(
        postgresql_proxy, served_client, project_a, token):
    postgresql_proxy.limit(statement=1)
    postgresql_proxy.freeze()
    thaw = threading.Timer(SAFETY_SECONDS, postgresql_proxy.thaw)
    thaw.start()
    try:
        response = served_client.get(kps_list(project_a), headers=token)
        assert thaw.is_alive()  # the connect timeout answered, not the thaw
    finally:
        thaw.cancel()
        postgresql_proxy.thaw()
    assert response.status_code == 503
    assert served_client.get(kps_list(project_a), headers=token).status_code == 200


def test_a_database_that_stops_answering_mid_connection_answers_503(
        postgresql_proxy, served_client, project_a, token):
    postgresql_proxy.limit(statement=1)
    assert served_client.get(kps_list(project_a), headers=token).status_code == 200
    postgresql_proxy.freeze()  # the connection stays open; nothing comes back
    thaw = threading.Timer(SAFETY_SECONDS, postgresql_proxy.thaw)
    thaw.start()
    try:
        response = served_client.get(kps_list(project_a), headers=token)
        assert thaw.is_alive()  # the deadline answered, not the thaw
    finally:
        thaw.cancel()
        postgresql_proxy.thaw()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert served_client.get(kps_list(project_a), headers=token).status_code == 200


def test_a_prepared_statement_keeps_the_deadline(postgresql_proxy):
    from console.lib.prepared import prepared_cursor

    postgresql_proxy.limit(statement=1)
    connection.ensure_connection()
    postgresql_proxy.freeze()
    thaw = threading.Timer(SAFETY_SECONDS, postgresql_proxy.thaw)
    thaw.start()
    try:
        with pytest.raises(OperationalError), prepared_cursor() as cursor:
            cursor.execute("SELECT %s", [1])
        assert thaw.is_alive()  # the deadline answered, not the thaw
    finally:
        thaw.cancel()
        postgresql_proxy.thaw()


# --- Recording: on PostgreSQL its last statements and COMMIT go out together
# (psycopg's pipeline mode), so their answers are waited for by the commit.

def record_over_api(client, project, token):
    return client.post(f"/api/v1/projects/{project.pk}/failed-tasks",
                       {"service": "ecs", "job_id": "job-held", "job_type": "resizeServer",
                        "failure_status": "resizeFail"},
                       content_type="application/json", headers=token)


def test_a_recording_held_at_its_projects_revision_answers_503_and_stores_nothing(
        postgresql_proxy, served_client, project_a, token):
    postgresql_proxy.limit(lock=1, statement=10)
    # Another session holds the project's revision row: the recording's INSERT goes
    # through, and the statement that counts and stamps it waits for the row.
    holder = psycopg.connect(
        dbname=postgresql_proxy.original["NAME"], host=postgresql_proxy.original["HOST"] or "127.0.0.1",
        port=postgresql_proxy.original["PORT"] or 5432, user=connection.settings_dict["USER"],
        password=connection.settings_dict["PASSWORD"])
    release = threading.Timer(SAFETY_SECONDS, holder.close)
    release.start()
    try:
        holder.execute("SELECT revision FROM failedtasks_projectrevision WHERE project_id = %s "
                       "FOR UPDATE", [project_a.pk])
        response = record_over_api(served_client, project_a, token)
        assert release.is_alive()  # the lock timeout answered, not the release
    finally:
        release.cancel()
        holder.close()
    assert response.status_code == 503
    assert not FailedTask.objects.filter(job_id="job-held").exists()
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 0
    assert record_over_api(served_client, project_a, token).status_code == 201
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1


def test_a_database_that_stops_answering_before_a_recording_commits_answers_503(
        postgresql_proxy, served_client, project_a, token):
    postgresql_proxy.limit(statement=1)
    assert served_client.get(kps_list(project_a), headers=token).status_code == 200

    def freeze_once(**_kwargs):  # once the task is stored and stamped, before COMMIT
        failure_recorded.disconnect(freeze_once)
        postgresql_proxy.freeze()

    failure_recorded.connect(freeze_once)
    thaw = threading.Timer(SAFETY_SECONDS, postgresql_proxy.thaw)
    thaw.start()
    try:
        response = record_over_api(served_client, project_a, token)
        assert thaw.is_alive()  # the deadline answered, not the thaw
    finally:
        failure_recorded.disconnect(freeze_once)
        thaw.cancel()
        postgresql_proxy.thaw()
    assert response.status_code == 503
    # The COMMIT the frozen server was sent may run once it thaws: as with any lost
    # answer to a COMMIT, whether it did is the server's to say. Either way the
    # client's retry of the same job leaves one task, counted once.
    assert record_over_api(served_client, project_a, token).status_code in (200, 201)
    assert FailedTask.objects.filter(job_id="job-held").count() == 1
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1
