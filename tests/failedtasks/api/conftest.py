import pytest

from console.identity.credentials import issue_token


@pytest.fixture
def token_for():
    """X-Auth-Token headers for a user, scoped to a project (as POST /v3/auth/tokens issues)."""

    def headers(user, project):
        token, _record = issue_token(user, project)
        return {"X-Auth-Token": token}

    return headers
