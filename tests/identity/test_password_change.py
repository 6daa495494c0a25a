"""A changed password revokes the user's API tokens, from wherever it changes;
their access keys, and everyone else's tokens, stay valid."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from console.identity.credentials import active_token, create_access_key, issue_token
from console.identity.models import AccessKey, ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh and long passphrase 42"


@pytest.fixture
def tokens(operator, viewer, project_a):
    """Two live tokens of the operator, one of another user, and the operator's access key."""
    create_access_key(operator)
    return {"mine": [issue_token(operator, project_a)[0] for _ in range(2)],
            "theirs": issue_token(viewer, project_a)[0]}


def assert_only_the_operators_tokens_were_revoked(tokens):
    assert [active_token(token) for token in tokens["mine"]] == [None, None]
    assert active_token(tokens["theirs"]) is not None
    assert AccessKey.objects.count() == 1


def test_set_password_anywhere_revokes_the_users_tokens(operator, tokens):
    operator.set_password(NEW_PASSWORD)
    operator.save()
    assert_only_the_operators_tokens_were_revoked(tokens)


def test_the_admin_password_form_revokes_them(admin_client, operator, tokens):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[operator.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert_only_the_operators_tokens_were_revoked(tokens)


def test_the_admin_password_form_says_so(admin_client, operator):
    response = admin_client.get(reverse("admin:auth_user_password_change", args=[operator.pk]))
    assert "revokes the user&#x27;s API tokens; access keys stay valid" in response.content.decode()


def test_the_changepassword_command_revokes_them(operator, tokens, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "olivia", stdout=None)
    assert_only_the_operators_tokens_were_revoked(tokens)


def test_a_revoked_token_is_refused_by_the_api(client, operator, project_a, tokens):
    operator.set_password(NEW_PASSWORD)
    operator.save()
    response = client.get("/v3/projects", headers={"X-Auth-Token": tokens["mine"][0]})
    assert response.status_code == 401


def test_a_hash_upgraded_at_sign_in_revokes_nothing(client, operator, tokens, settings):
    # The stored hash is MD5 (the tests' hasher); a stronger preferred hasher makes
    # Django re-hash the password at the next sign-in. The password did not change.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert client.post(reverse("login"), {"username": "olivia", "password": PASSWORD}
                       ).status_code == 302
    assert get_user_model().objects.get(pk=operator.pk).password.startswith("pbkdf2_")
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 3
