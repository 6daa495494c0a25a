"""Repeated failed sign-ins for one user or from one address: a clear "try again later"."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from console.models import LoginFailure
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_five_failures_lock_the_user_name_for_a_while(client, operator):
    for _ in range(5):
        assert log_in(client, "olivia", "wrong").status_code == 200
    response = log_in(client, "olivia", PASSWORD)  # even the right password now waits
    assert response.status_code == 200
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_window(client, operator):
    for _ in range(5):
        log_in(client, "olivia", "wrong")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "olivia", PASSWORD).status_code == 302


def test_one_address_trying_many_names_is_slowed(client, operator):
    for n in range(20):
        log_in(client, f"guess-{n}", "wrong", address="203.0.113.9")
    response = log_in(client, "olivia", PASSWORD, address="203.0.113.9")
    assert "Too many failed sign-ins" in response.content.decode()
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_clears_the_users_failures(client, operator):
    for _ in range(4):
        log_in(client, "olivia", "wrong")
    assert log_in(client, "olivia", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="olivia").exists()


def test_the_token_endpoint_shares_the_throttle(client, operator, project_a, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"}}
    for _ in range(5):
        log_in(client, "olivia", "wrong")
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "olivia", "password": PASSWORD}}}, "scope": {"project": {"id": project_a.pk}}}}
    response = client.post("/v3/auth/tokens", body, content_type="application/json",
                           REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert response.json()["error"]["message"].startswith("Too many failed sign-ins")
