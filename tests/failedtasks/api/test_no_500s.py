"""Whatever a client sends to any API path, the answer is never a 500.

Hypothesis throws arbitrary query strings, bodies, ids and headers at every
endpoint, authenticated as an operator, a viewer and nobody.
"""

import json
import os
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.identity.credentials import issue_token
from tests.conftest import record

pytestmark = pytest.mark.django_db

text = st.text(max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(text, inner, max_size=3), max_leaves=8)
ids = st.one_of(text.filter(lambda s: "/" not in s and s not in (".", "..")),
                st.integers(min_value=-1, max_value=2**70).map(str))
PARAMS = ["limit", "offset", "failure_status", "resource_type", "resource_name", "server_group_id",
          "service", "status", "error_code", "q", "cursor", "name"]
RECORD_FIELDS = ["service", "job_id", "job_type", "resource_id", "resource_name", "resource_type",
                 "parent_id", "status", "failure_status", "error_code", "fail_reason",
                 "begin_time", "fail_time", "extra", "watermark"]


@pytest.fixture
def api(project_a, operator, viewer):
    record(project_a, "sdrs", job_id="job-1", parent_id="g1")
    record(project_a, "kps", job_id="job-2")
    return {
        "project": project_a.pk,
        "headers": [
            {"X-Auth-Token": issue_token(operator, project_a)[0]},
            {"X-Auth-Token": issue_token(viewer, project_a)[0]},
            {},
            {"Authorization": "SDK-HMAC-SHA256 Access=AKX, SignedHeaders=host, Signature=" + "0" * 64,
             "X-Sdk-Date": "20260101T000000Z"},
        ],
    }


def paths(project: str, some_id: str) -> list[tuple[str, str]]:
    return [
        ("get", f"/v1/{project}/task-center/failure-jobs"),
        ("delete", f"/v1/{project}/task-center/failure-jobs/{some_id}"),
        ("delete", f"/v1/{project}/task-center/failure-jobs/batch"),
        ("delete", f"/v1/{project}/task-center/{some_id}/failure-jobs/batch"),
        ("get", f"/v3/{project}/failed-tasks"),
        ("delete", f"/v3/{project}/failed-tasks"),
        ("delete", f"/v3/{project}/failed-tasks/{some_id}"),
        ("get", f"/api/v1/projects/{project}/failed-tasks"),
        ("post", f"/api/v1/projects/{project}/failed-tasks"),
        ("post", f"/api/v1/projects/{project}/failed-tasks/delete-all"),
        ("get", f"/api/v1/projects/{project}/failed-tasks/{some_id}"),
        ("delete", f"/api/v1/projects/{project}/failed-tasks/{some_id}"),
        ("post", "/v3/auth/tokens"),
        ("get", "/v3/projects"),
        ("get", f"/v1/{some_id}/task-center/failure-jobs"),
        ("get", f"/v3/{some_id}/failed-tasks"),
    ]


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    which=st.integers(min_value=0, max_value=15),
    who=st.integers(min_value=0, max_value=3),
    some_id=ids,
    params=st.dictionaries(st.sampled_from(PARAMS), text, max_size=4),
    body=st.one_of(json_values, st.dictionaries(st.sampled_from(RECORD_FIELDS), json_values, max_size=8)),
    raw_body=st.one_of(st.none(), st.binary(max_size=60)),
)
def test_no_request_yields_a_500(api, which, who, some_id, params, body, raw_body):
    client = Client(raise_request_exception=False)
    method, path = paths(api["project"], some_id)[which]
    payload = raw_body if raw_body is not None else json.dumps(body)
    query = urlencode(params)
    if method == "get":
        response = client.get(f"{path}?{query}", headers=api["headers"][who])
    else:
        response = getattr(client, method)(
            f"{path}?{query}", data=payload, content_type="application/json",
            headers=api["headers"][who],
        )
    assert response.status_code < 500, (method, path, response.content[:300])


@pytest.mark.parametrize("some_id", ["\x00", "job-1\x00", "\x00job-2"])
def test_an_id_with_a_nul_names_nothing(api, some_id):
    """PostgreSQL refuses a NUL in a query: an id that holds one is answered as an
    id that names nothing (a 404 in the face's body), never with a 500."""
    client = Client()
    for method, path in paths(api["project"], some_id):
        for headers in api["headers"]:
            response = getattr(client, method)(path, headers=headers)
            assert response.status_code < 500, (method, path, headers, response.content[:200])
    deleted = Client().delete(f"/v3/{api['project']}/failed-tasks/{some_id}",
                              headers=api["headers"][0])
    assert deleted.status_code == 404 and deleted.json()["error_code"] == "KPS.0404"
