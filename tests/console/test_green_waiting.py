"""In a gevent worker, psycopg's waits let other requests run only when there is
something to wait for (console/green_waiting.py)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.console.test_serving import ROOT, database_url

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="psycopg's waits: PostgreSQL (DATABASE_URL)")

# As a gunicorn gevent worker runs: the standard library patched, then Django, then
# the wait installed (console/gunicorn.conf.py, post_worker_init).
WORKER = r"""
from gevent import monkey
monkey.patch_all()
import json, sys
import django
django.setup()
import gevent
from django.db import connection
from psycopg import waiting
from console.green_waiting import install

patient = waiting.wait
install()
seen = {"installed": waiting.wait is not patient}
ran = []

def other_request():
    ran.append("other")

connection.ensure_connection()
# An answer the server takes a while to give: the others run meanwhile.
gevent.spawn(other_request)
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_sleep(0.2)")
seen["ran_while_the_server_worked"] = ran == ["other"]

# A statement queued in pipeline mode goes out at once, nothing else in between,
# and its answer comes with the next one read.
ran.clear()
with connection.connection.pipeline():
    gevent.spawn(other_request)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        seen["ran_while_sending"] = list(ran)
        cursor.execute("SELECT 2")
        seen["answer"] = cursor.fetchone()[0]
gevent.sleep(0)
seen["ran_after"] = list(ran)

# A long answer streaming in: the others still get their turns now and then.
ran.clear()
gevent.spawn(other_request)
with connection.cursor() as cursor:
    cursor.execute("SELECT repeat('x', 1000) FROM generate_series(1, 20000)")
    seen["rows"] = len(cursor.fetchall())
seen["ran_during_a_long_answer"] = list(ran)
print(json.dumps(seen))
"""


def run_worker(script: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "console.settings",
           "DB_POOL_SIZE": "0", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_wait_yields_only_when_the_socket_is_not_ready(db):
    seen = run_worker(WORKER)
    assert seen == {"installed": True, "ran_while_the_server_worked": True,
                    "ran_while_sending": [], "answer": 2, "ran_after": ["other"],
                    "rows": 20000, "ran_during_a_long_answer": ["other"]}


def test_outside_gevent_psycopg_keeps_its_own_wait():
    from psycopg import waiting

    from console.green_waiting import install

    own = waiting.wait
    install()
    assert waiting.wait is own
