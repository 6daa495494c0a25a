"""GET /healthz (the process serves) and GET /readyz (the database answers and is
fully migrated), as load balancers probe them: no session, no cookie, any Host,
plain HTTP."""

import logging

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder


def assert_no_session_or_cookie(response):
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any database access in this test raises.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_no_session_or_cookie(response)


@pytest.mark.django_db
def test_healthz_reads_no_session_a_probe_sends(client, operator, django_assert_num_queries):
    client.force_login(operator)
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert_no_session_or_cookie(response)


def test_healthz_answers_any_host_over_plain_http(client, settings):
    # A balancer probes the instance's own address, before TLS and host names.
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", headers={"Host": "10.0.0.7:8000"})
    assert response.status_code == 200


def test_healthz_answers_while_the_database_is_down(database, served_client):
    database.down()
    assert served_client.get("/healthz").status_code == 200


def test_healthz_rejects_post(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_readyz_answers_200_when_the_database_is_migrated(client, django_assert_num_queries):
    # 1. is the migrations table there  2. the applied migrations
    with django_assert_num_queries(2):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert_no_session_or_cookie(response)


@pytest.mark.django_db
def test_readyz_answers_503_while_a_migration_is_pending(client):
    latest = MigrationRecorder.Migration.objects.filter(app="failedtasks").latest("id")
    MigrationRecorder(connection).record_unapplied(latest.app, latest.name)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "migrations pending",
                               "pending_migrations": 1}


def test_readyz_answers_503_while_the_database_is_down(database, served_client, caplog):
    database.down()
    with caplog.at_level(logging.INFO):
        response = served_client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert [(r.name, r.levelname, bool(r.exc_info)) for r in caplog.records
            if r.name.startswith(("console", "django"))] == [("console.lib.outage", "WARNING", False)]
    database.up()
    assert served_client.get("/readyz").status_code == 200
