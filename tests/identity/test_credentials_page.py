"""My Credentials: the signed-in user's access keys and API tokens, and nobody else's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.identity.credentials import (
    MAX_ACCESS_KEYS,
    create_access_key,
    issue_token,
    secret_for,
)
from console.identity.models import AccessKey, ApiToken
from tests.conftest import assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("credentials")
CREATE = reverse("access-key-create")


def delete_url(key):
    return reverse("access-key-delete", args=[key.pk])


def revoke_url(token):
    return reverse("api-token-revoke", args=[token.pk])


# --- The page -------------------------------------------------------------------

def test_it_works(login, operator):
    response = login(operator).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>My Credentials</h1>" in html
    assert f'action="{CREATE}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'maxlength="255"' in html
    assert ">Create access key</button>" in html
    assert "You have no access keys." in html
    assert "You have no active API tokens." in html
    assert "0 of 20 access keys in use." in html


def test_the_header_links_to_it(login, operator, project_a):
    html = login(operator).get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    assert f'<a class="credentials-link" href="{PAGE}">My Credentials</a>' in html
    html = login(operator).get(PAGE).content.decode()
    assert f'<a class="credentials-link" href="{PAGE}" aria-current="page">My Credentials</a>' in html


def test_the_header_keeps_the_project_in_use(login, operator, project_a):
    client = login(operator)
    client.get(reverse("service", args=[project_a.pk, "kps"]))
    html = client.get(PAGE).content.decode()
    assert f'value="{project_a.pk}" selected' in html
    assert reverse("service", args=[project_a.pk, "kps"]) in html  # the Service List


def test_it_lists_only_the_users_own_keys(login, operator, outsider):
    mine, _secret = create_access_key(operator, "deploy pipeline")
    theirs, _secret = create_access_key(outsider, "their laptop")
    AccessKey.objects.filter(pk=mine.pk).update(last_used_at=timezone.now())
    html = login(operator).get(PAGE).content.decode()
    assert mine.access_key in html
    assert "deploy pipeline" in html
    assert delete_url(mine) in html
    assert theirs.access_key not in html
    assert "their laptop" not in html
    assert delete_url(theirs) not in html
    assert "1 of 20 access keys in use." in html
    assert "Never" not in html  # it has been used


def test_a_key_never_used_says_so(login, operator):
    create_access_key(operator)
    html = login(operator).get(PAGE).content.decode()
    assert ">Never</span>" in html


def test_it_lists_only_the_users_live_tokens(login, operator, outsider, project_a, project_b):
    _value, live = issue_token(operator, project_a)
    _value, revoked = issue_token(operator, project_a)
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    _value, expired = issue_token(operator, project_a)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _value, theirs = issue_token(outsider, project_b)
    html = login(operator).get(PAGE).content.decode()
    assert revoke_url(live) in html
    assert project_a.pk in html
    for hidden in (revoked, expired, theirs):
        assert revoke_url(hidden) not in html
    assert project_b.pk not in html
    assert ">Revoke<" in html


def test_it_shows_the_newest_hundred_tokens(login, operator, project_a):
    tokens = [issue_token(operator, project_a)[1] for _ in range(101)]
    html = login(operator).get(PAGE).content.decode()
    assert revoke_url(tokens[-1]) in html
    assert revoke_url(tokens[0]) not in html  # the oldest
    assert "Only the 100 newest tokens are shown." in html


def test_it_escapes_the_description(login, operator):
    create_access_key(operator, "<script>alert(1)</script>")
    html = login(operator).get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_requires_login(client):
    assert_sends_to_sign_in(client.get(PAGE))


# --- Creating an access key -----------------------------------------------------------

def test_it_creates_a_key_and_shows_the_secret_once(login, operator):
    client = login(operator)
    response = client.post(CREATE, {"description": "  nightly export  "})
    assert response.status_code == 200
    key = AccessKey.objects.get()
    assert key.user == operator
    assert key.description == "nightly export"
    secret = secret_for(key)
    html = response.content.decode()
    assert "New access key created" in html
    assert f'<code class="secret-value" id="new-access-key">{key.access_key}</code>' in html
    assert f'<code class="secret-value" id="new-secret-key">{secret}</code>' in html
    assert "will not be shown again" in html
    assert delete_url(key) in html  # the list already includes it

    later = client.get(PAGE).content.decode()
    assert key.access_key in later
    assert secret not in later
    assert "New access key created" not in later
    assert secret not in client.get(delete_url(key)).content.decode()


def test_switching_language_after_creating_returns_to_the_page(login, operator):
    html = login(operator).post(CREATE).content.decode()
    assert f'<input type="hidden" name="next" value="{PAGE}">' in html


def test_the_secret_is_not_cached(login, operator):
    response = login(operator).post(CREATE, {"description": ""})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_the_description_is_optional(login, operator):
    response = login(operator).post(CREATE)
    assert response.status_code == 200
    assert AccessKey.objects.get().description == ""


def test_a_description_over_255_characters_is_refused(login, operator):
    response = login(operator).post(CREATE, {"description": "x" * 256})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 255 characters" in html
    assert 'aria-invalid="true"' in html
    assert "New access key created" not in html
    assert not AccessKey.objects.exists()


def test_it_refuses_a_key_beyond_the_limit(login, operator, outsider):
    for _ in range(MAX_ACCESS_KEYS):
        create_access_key(operator)
    create_access_key(outsider)  # someone else's keys do not count
    client = login(operator)
    html = client.get(PAGE).content.decode()
    assert "20 of 20 access keys in use." in html
    assert 'class="button primary" disabled>Create access key</button>' in html

    response = client.post(CREATE, {"description": "one too many"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "You already have 20 access keys, the most allowed." in html
    assert 'role="alert"' in html
    assert "New access key created" not in html
    assert AccessKey.objects.filter(user=operator).count() == MAX_ACCESS_KEYS

    login(outsider).post(CREATE)
    assert AccessKey.objects.filter(user=outsider).count() == 2


def test_creating_enforces_csrf(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(CREATE).status_code == 403
    assert not AccessKey.objects.exists()

    client.get(PAGE)
    response = client.post(CREATE, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert AccessKey.objects.count() == 1


def test_creating_requires_login(client, operator):
    assert_sends_to_sign_in(client.post(CREATE))
    assert not AccessKey.objects.exists()


# --- Deleting an access key --------------------------------------------------------------

def test_delete_confirms_first(login, operator):
    key, _secret = create_access_key(operator, "old laptop")
    response = login(operator).get(delete_url(key))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alertdialog"' in html
    assert 'aria-labelledby="confirm-title"' in html
    assert 'aria-describedby="confirm-description"' in html
    assert '<h1 id="confirm-title">Delete Access Key</h1>' in html
    assert f"Are you sure you want to delete the access key {key.access_key}?" in html
    assert "old laptop" in html
    assert f'action="{delete_url(key)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert ">Yes</button>" in html
    assert f'<a class="button" href="{PAGE}" autofocus>No</a>' in html  # the safe default
    assert AccessKey.objects.filter(pk=key.pk).exists()  # a GET changes nothing


def test_delete_deletes_on_post(login, operator):
    key, _secret = create_access_key(operator)
    keep, _secret = create_access_key(operator)
    client = login(operator)
    response = client.post(delete_url(key))
    assert response.status_code == 302
    assert response.url == PAGE
    assert not AccessKey.objects.filter(pk=key.pk).exists()
    assert AccessKey.objects.filter(pk=keep.pk).exists()

    html = client.get(PAGE).content.decode()
    assert f"Deleted the access key {key.access_key}." in html
    assert "Deleted the access key" not in client.get(PAGE).content.decode()  # said once


def test_a_second_delete_is_a_404(login, operator):
    key, _secret = create_access_key(operator)
    client = login(operator)
    assert client.post(delete_url(key)).status_code == 302
    response = client.post(delete_url(key))
    assert response.status_code == 404
    assert b"does not exist or was deleted already" in response.content
    assert client.get(delete_url(key)).status_code == 404


def test_an_unknown_key_is_a_404(login, operator):
    client = login(operator)
    assert client.get(reverse("access-key-delete", args=[987654])).status_code == 404
    assert client.post(reverse("access-key-delete", args=[987654])).status_code == 404
    assert client.post(reverse("access-key-delete", args=[10**23])).status_code == 404


def test_deleting_checks_scope(login, operator, outsider):
    theirs, _secret = create_access_key(outsider)
    client = login(operator)
    response = client.get(delete_url(theirs))
    assert response.status_code == 404
    assert theirs.access_key.encode() not in response.content
    assert client.post(delete_url(theirs)).status_code == 404
    assert AccessKey.objects.filter(pk=theirs.pk).exists()


def test_deleting_enforces_csrf(operator):
    key, _secret = create_access_key(operator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(delete_url(key)).status_code == 403
    assert AccessKey.objects.filter(pk=key.pk).exists()

    client.get(delete_url(key))  # the confirmation carries the token
    response = client.post(delete_url(key), {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 302
    assert not AccessKey.objects.exists()


def test_deleting_requires_login(client, operator):
    key, _secret = create_access_key(operator)
    assert client.get(delete_url(key)).status_code == 302
    assert_sends_to_sign_in(client.post(delete_url(key)))
    assert AccessKey.objects.filter(pk=key.pk).exists()


# --- Revoking a token ----------------------------------------------------------------

def test_revoke_revokes_the_token(login, operator, project_a):
    _value, token = issue_token(operator, project_a)
    _value, keep = issue_token(operator, project_a)
    client = login(operator)
    response = client.post(revoke_url(token))
    assert response.status_code == 302
    assert response.url == PAGE
    token.refresh_from_db()
    keep.refresh_from_db()
    assert token.revoked_at is not None
    assert keep.revoked_at is None

    html = client.get(PAGE).content.decode()
    assert f"Revoked the API token for project {project_a.name}." in html
    assert revoke_url(token) not in html
    assert revoke_url(keep) in html


def test_the_revoked_token_no_longer_authenticates(login, operator, project_a):
    value, token = issue_token(operator, project_a)
    api = Client()
    headers = {"X-Auth-Token": value}
    assert api.get("/v3/projects", headers=headers).status_code == 200
    login(operator).post(revoke_url(token))
    assert api.get("/v3/projects", headers=headers).status_code == 401


def test_revoking_checks_scope(login, operator, outsider, project_b):
    _value, theirs = issue_token(outsider, project_b)
    response = login(operator).post(revoke_url(theirs))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_twice_or_an_unknown_token_is_a_404(login, operator, project_a):
    _value, token = issue_token(operator, project_a)
    client = login(operator)
    assert client.post(revoke_url(token)).status_code == 302
    response = client.post(revoke_url(token))
    assert response.status_code == 404
    assert b"expired or was revoked already" in response.content
    assert client.post(reverse("api-token-revoke", args=[987654])).status_code == 404


def test_revoking_enforces_csrf(operator, project_a):
    _value, token = issue_token(operator, project_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_requires_login(client, operator, project_a):
    _value, token = issue_token(operator, project_a)
    assert_sends_to_sign_in(client.post(revoke_url(token)))
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Methods ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_the_page_rejects_other_methods(login, operator, method_not_allowed, method):
    method_not_allowed(login(operator), method, PAGE)


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_create_rejects_other_methods(login, operator, method_not_allowed, method):
    method_not_allowed(login(operator), method, CREATE)
    assert not AccessKey.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_delete_rejects_other_methods(login, operator, method_not_allowed, method):
    key, _secret = create_access_key(operator)
    method_not_allowed(login(operator), method, delete_url(key))
    assert AccessKey.objects.filter(pk=key.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_revoke_rejects_other_methods(login, operator, project_a, method_not_allowed, method):
    _value, token = issue_token(operator, project_a)
    method_not_allowed(login(operator), method, revoke_url(token))
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Cost ------------------------------------------------------------------------------

def test_the_page_query_count(login, operator, project_a, django_assert_num_queries):
    for _ in range(5):
        create_access_key(operator)
    for _ in range(5):
        issue_token(operator, project_a)
    client = login(operator)
    client.get(reverse("service", args=[project_a.pk, "ecs"]))  # remembers the project
    # 1 session, 2 user, 3 access keys, 4 live tokens with their projects, 5 the
    # project in use (for the header and the Service List), 6 the header's projects
    with django_assert_num_queries(6):
        response = client.get(PAGE)
    assert response.status_code == 200


def test_the_create_query_count(login, operator, django_assert_num_queries):
    client = login(operator)
    # 1 session, 2 user, 3 SAVEPOINT, 4 lock the user row, 5 count their keys,
    # 6 INSERT the key, 7 RELEASE SAVEPOINT, then the page: 8 access keys,
    # 9 live tokens (no project in use yet), 10 the header's projects
    with django_assert_num_queries(10):
        response = client.post(CREATE)
    assert response.status_code == 200


def test_the_delete_query_count(login, operator, django_assert_num_queries):
    key, _secret = create_access_key(operator)
    client = login(operator)
    # 1 session, 2 user, 3 the key in scope, 4 DELETE it (nothing refers to keys)
    with django_assert_num_queries(4):
        response = client.post(delete_url(key))
    assert response.status_code == 302


def test_the_revoke_query_count(login, operator, project_a, django_assert_num_queries):
    _value, token = issue_token(operator, project_a)
    client = login(operator)
    # 1 session, 2 user, 3 the live token in scope with its project, 4 UPDATE revoked_at
    with django_assert_num_queries(4):
        response = client.post(revoke_url(token))
    assert response.status_code == 302
