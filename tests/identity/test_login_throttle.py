"""Repeated failed sign-ins for one user or from one address: a clear "try again later",
at every door that checks a password, and never a weapon against the real user."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from console.identity import login_throttle
from console.identity.models import LoginFailure
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def admin_log_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": "/admin/"}, REMOTE_ADDR=address)


def token_body(username, password, project):
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "password": password}}}, "scope": {"project": {"id": project.pk}}}}


def request_token(client, username, password, project, address="10.0.0.1", **headers):
    return client.post("/v3/auth/tokens", token_body(username, password, project),
                       content_type="application/json", REMOTE_ADDR=address, **headers)


def allow_token_requests(settings, rate: str):
    """Start with an empty cache and `rate` token requests per client address."""
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"auth": rate}}


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
    allow_token_requests(settings, "1000/min")
    for _ in range(5):
        log_in(client, "olivia", "wrong")
    response = request_token(client, "olivia", PASSWORD, project_a)
    assert response.status_code == 429
    assert response.json()["error"]["message"].startswith("Too many failed sign-ins")


# --- One mechanism at every door -----------------------------------------------------

def test_the_admin_login_is_throttled_like_the_console(client, superuser):
    for _ in range(5):
        assert admin_log_in(client, "root", "wrong").status_code == 200
    response = admin_log_in(client, "root", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_at_one_door_count_at_every_other(client, superuser, project_a, settings):
    allow_token_requests(settings, "1000/min")
    for _ in range(3):
        admin_log_in(client, "root", "wrong")
    request_token(client, "root", "wrong", project_a)
    log_in(client, "root", "wrong")
    assert "Too many failed sign-ins" in log_in(client, "root", PASSWORD).content.decode()
    assert "Too many failed sign-ins" in admin_log_in(client, "root", PASSWORD).content.decode()


def test_any_caller_of_authenticate_is_throttled(operator):
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        assert authenticate(request, username="olivia", password="wrong") is None
    assert authenticate(request, username="olivia", password=PASSWORD) is None
    assert login_throttle.retry_after(request) > 14 * 60


# --- Lockouts an attacker elsewhere cannot turn against the user ---------------------

@pytest.fixture
def frozen_now(monkeypatch):
    """Time stands still, so "within a second" holds however slow the machine is."""
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def age_failures(**delta):
    LoginFailure.objects.update(at=timezone.now() - timedelta(**delta))


def test_failures_elsewhere_do_not_lock_the_user_out_of_a_clean_address(client, operator):
    for _ in range(5):
        log_in(client, "olivia", "wrong", address="203.0.113.66")
    assert "Too many failed sign-ins" in log_in(
        client, "olivia", PASSWORD, address="203.0.113.66").content.decode()
    age_failures(seconds=5)  # past the first backoff step, long before the lock lifts
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.7").status_code == 302


def test_a_distributed_guesser_is_slowed(client, operator, frozen_now):
    checked = [log_in(client, "olivia", "wrong", address=f"203.0.113.{n}") for n in range(12)]
    refused = [r for r in checked if "Too many failed sign-ins" in r.content.decode()]
    assert len(refused) == 12 - 5  # five guesses, then every new address waits its turn
    assert LoginFailure.objects.count() == 5


def test_the_backoff_doubles_and_is_capped(operator, settings, frozen_now):
    settings.LOGIN_BACKOFF_MAX_SECONDS = 60
    now = frozen_now
    for extra, expected in ((0, 1), (1, 2), (3, 8), (6, 60), (40, 60)):
        LoginFailure.objects.all().delete()
        LoginFailure.objects.bulk_create([
            LoginFailure(username="olivia", remote_addr=f"203.0.113.{n}", at=now)
            for n in range(5 + extra)])
        with pytest.raises(login_throttle.Refused) as refusal:
            login_throttle.reserve("olivia", "198.51.100.7")
        assert expected <= refusal.value.retry_after <= expected + 1


def test_a_known_address_is_never_held_up_by_guessers_elsewhere(client, operator, frozen_now):
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.7").status_code == 302
    client.logout()
    for n in range(30):
        log_in(client, "olivia", "wrong", address=f"203.0.113.{n}")
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.8").status_code == 200
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_clears_only_its_own_addresss_failures(client, operator):
    for _ in range(3):
        log_in(client, "olivia", "wrong", address="203.0.113.66")
    log_in(client, "olivia", "wrong", address="198.51.100.7")
    assert log_in(client, "olivia", PASSWORD, address="198.51.100.7").status_code == 302
    assert set(LoginFailure.objects.values_list("remote_addr", flat=True)) == {"203.0.113.66"}


# --- The token endpoint's request rate, keyed like the audit -------------------------

@pytest.mark.parametrize("proxies", [0, 1])
def test_a_made_up_forwarded_for_does_not_reset_the_rate_limit(client, operator, project_a,
                                                                 settings, proxies):
    allow_token_requests(settings, "3/min")
    settings.TRUSTED_PROXY_COUNT = proxies
    statuses = []
    for n in range(4):
        # With one trusted proxy it appended the real client; the rest is made up.
        forwarded = f"192.0.2.{n}" + (", 198.51.100.7" if proxies else "")
        statuses.append(request_token(client, "olivia", PASSWORD, project_a, address="10.0.0.2",
                                      HTTP_X_FORWARDED_FOR=forwarded).status_code)
    assert statuses == [201, 201, 201, 429]


def test_a_throttled_token_request_says_when_to_retry(client, operator, project_a, settings):
    cache.clear()
    for _ in range(5):
        request_token(client, "olivia", "wrong", project_a)
    response = request_token(client, "olivia", PASSWORD, project_a)
    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60 + 1
