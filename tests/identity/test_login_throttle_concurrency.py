"""Parallel guesses never get more passwords checked than the throttle allows.

Every request starts at once (a barrier); the count of password checks comes
from the hasher itself, so it holds however the threads interleave.
"""

import threading

import pytest
from django.contrib.auth import base_user
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 12


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was hashed and compared."""
    checks = []
    lock = threading.Lock()
    real_check = base_user.check_password

    def counting_check(*args, **kwargs):
        with lock:
            checks.append(1)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(base_user, "check_password", counting_check)
    return checks


def in_parallel(request_for, count=PARALLEL) -> list:
    barrier = threading.Barrier(count)
    responses, errors = [None] * count, []

    def run(n):
        try:
            barrier.wait(timeout=60)
            responses[n] = request_for(n)
        except Exception as error:  # surfaced below, with the thread's own error
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return responses


def token_request(project, password="wrong", address="10.0.0.1"):
    def send(_n):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "olivia", "password": password}}}, "scope": {"project": {"id": project.pk}}}}
        return Client().post("/v3/auth/tokens", body, content_type="application/json",
                             REMOTE_ADDR=address)
    return send


def test_parallel_token_guesses_check_at_most_the_limit(operator, project_a, password_checks,
                                                       settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"}}
    responses = in_parallel(token_request(project_a))
    assert len(password_checks) == settings.LOGIN_FAILURES_PER_USER
    assert sorted(r.status_code for r in responses) == [401] * 5 + [429] * (PARALLEL - 5)


def test_parallel_console_logins_check_at_most_the_limit(operator, password_checks):
    def log_in(_n):
        return Client().post(reverse("login"), {"username": "olivia", "password": "wrong"},
                             REMOTE_ADDR="10.0.0.1")

    responses = in_parallel(log_in)
    assert len(password_checks) == 5
    throttled = [r for r in responses if "Too many failed sign-ins" in r.content.decode()]
    assert len(throttled) == PARALLEL - 5


def test_parallel_guesses_from_many_addresses_are_slowed_too(operator, project_a,
                                                             password_checks, monkeypatch):
    moment = timezone.now()  # time stands still: the whole burst is within one backoff step
    monkeypatch.setattr(timezone, "now", lambda: moment)

    def log_in(n):
        return Client().post(reverse("login"), {"username": "olivia", "password": "wrong"},
                             REMOTE_ADDR=f"203.0.113.{n}")

    in_parallel(log_in)
    assert len(password_checks) == 5


def test_the_right_password_in_a_burst_is_not_counted_as_a_failure(operator, project_a,
                                                                    password_checks):
    responses = in_parallel(token_request(project_a, password=PASSWORD), count=4)
    assert [r.status_code for r in responses] == [201] * 4
    assert len(password_checks) == 4
