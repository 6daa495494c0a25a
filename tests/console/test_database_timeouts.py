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
from django.db import connection
from django.urls import reverse

from console.identity.credentials import issue_token
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
