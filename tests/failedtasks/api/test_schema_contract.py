"""The OpenAPI schema is the contract: schemathesis, with all of its checks, finds
nothing the server does that the schema does not say (0 failures).

It runs the same command a reviewer would (`schemathesis run <schema> --checks all`
with a token), against a live server, bounded and repeatable: deterministic data
generation, a few examples per operation, one worker.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from console.identity.credentials import issue_token
from tests.conftest import record

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def token(project_a, operator):
    cache.clear()  # the token endpoint's request rate starts afresh
    record(project_a, "sdrs", job_id="sdrs-1", parent_id="g-1", failure_status="createFail")
    record(project_a, "kps", job_id="kps-1", extra={"operate_type": "FAILED_RESET"})
    record(project_a, "ecs", job_id="ecs-1")
    return issue_token(operator, project_a)[0]


def test_schemathesis_finds_no_failure(live_server, token, tmp_path):
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server.url}/api/schema/", "--checks", "all",
         "--header", f"X-Auth-Token: {token}", "--max-examples", "3",
         "--generation-deterministic", "--workers", "1", "--no-color",
         "--request-timeout", "30"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed, " in result.stdout and " failed" not in result.stdout
