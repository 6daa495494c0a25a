"""POST /v3/auth/tokens and GET /v3/projects, as the cloud's SDKs and scripts call them."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from console.identity.credentials import active_token
from console.identity.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


def body(username="olivia", password=PASSWORD, scope=None, domain=None):
    user = {"name": username, "password": password}
    if domain is not None:
        user["domain"] = domain
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": scope},
    }}


def post(client, payload):
    return client.post("/v3/auth/tokens", payload, content_type="application/json")


def test_it_issues_a_project_scoped_token(client, operator, project_a):
    response = post(client, body(scope={"id": project_a.pk}, domain={"name": "Default"}))
    assert response.status_code == 201
    token = response["X-Subject-Token"]
    data = response.json()["token"]
    assert data["project"] == {"id": project_a.pk, "name": project_a.name,
                               "domain": {"id": "default", "name": "Default"}}
    assert data["user"]["name"] == "olivia"
    assert data["roles"] == [{"id": "operator", "name": "operator"}]
    assert data["methods"] == ["password"]
    assert data["expires_at"].endswith("Z")
    record = active_token(token)
    assert record.project == project_a
    assert timedelta(hours=23) < record.expires_at - timezone.now() <= timedelta(hours=24)
    assert token not in {t.token_hash for t in ApiToken.objects.all()}  # only the hash is kept


def test_the_scope_may_name_the_project_and_the_domain_by_id(client, operator, project_a):
    response = post(client, body(scope={"name": project_a.name}, domain={"id": "default"}))
    assert response.status_code == 201


@pytest.mark.parametrize("payload,status", [
    ({}, 400),
    ({"auth": "x"}, 400),
    (body(scope={}), 400),
    (body(scope={"id": "0" * 32}), 401),
    (body(password="wrong", scope={"name": "cn-north-4"}), 401),
    (body(username="nobody", scope={"name": "cn-north-4"}), 401),
    (body(scope={"name": "cn-north-4"}, domain={"name": "Other"}), 401),
    (body(scope={"name": "eu-west-101"}), 401),  # no role there
])
def test_bad_requests_get_keystone_errors(client, operator, project_a, project_b, payload, status):
    response = post(client, payload)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status and error["title"] and error["message"]
    assert not ApiToken.objects.exists()


def test_malformed_json_is_a_400(client, operator):
    response = client.post("/v3/auth/tokens", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


def test_the_token_endpoint_is_throttled(client, operator, project_a, settings):
    statuses = {post(client, body(password="wrong", scope={"id": project_a.pk})).status_code
                for _ in range(35)}
    assert 429 in statuses


def test_a_token_can_be_validated_and_revoked(client, operator, project_a):
    token = post(client, body(scope={"id": project_a.pk}))["X-Subject-Token"]
    headers = {"X-Auth-Token": token, "X-Subject-Token": token}
    assert client.get("/v3/auth/tokens", headers=headers).status_code == 200
    assert client.delete("/v3/auth/tokens", headers=headers).status_code == 204
    assert client.get("/v3/projects", headers={"X-Auth-Token": token}).status_code == 401


def test_an_expired_token_is_refused(client, operator, project_a):
    token = post(client, body(scope={"id": project_a.pk}))["X-Subject-Token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/v3/projects", headers={"X-Auth-Token": token})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401


def test_projects_by_name(client, superuser, project_a, project_b):
    client.force_login(superuser)
    response = client.get("/v3/projects", {"name": project_b.name})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["projects"]] == [project_b.pk]


def test_a_token_sees_only_its_project(client, operator, project_a):
    token = post(client, body(scope={"id": project_a.pk}))["X-Subject-Token"]
    response = client.get("/v3/projects", headers={"X-Auth-Token": token})
    assert [p["name"] for p in response.json()["projects"]] == [project_a.name]


def test_projects_needs_credentials(client):
    response = client.get("/v3/projects")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_a_nul_in_the_project_name_is_a_400(client, superuser):
    client.force_login(superuser)
    response = client.get("/v3/projects", {"name": "cn\x00north"})
    assert response.status_code == 400


def test_a_nul_in_the_credentials_is_a_400(client, operator):
    response = post(client, body(username="oli\x00via", scope={"name": "cn-north-4"}))
    assert response.status_code == 400


def test_the_token_flow_over_plain_http(client, operator, project_a):
    """Get a token by password, then list and clear failed tasks with it, as a script would."""
    from tests.conftest import record

    record(project_a, "kps", job_id="k-1")
    token = post(client, body(scope={"name": project_a.name}))["X-Subject-Token"]
    headers = {"X-Auth-Token": token}
    listed = client.get(f"/v3/{project_a.pk}/failed-tasks", headers=headers).json()
    assert [t["task_id"] for t in listed["tasks"]] == ["k-1"]
    assert client.delete(f"/v3/{project_a.pk}/failed-tasks", headers=headers).status_code == 200
    assert client.get(f"/v3/{project_a.pk}/failed-tasks", headers=headers).json()["total"] == 0
