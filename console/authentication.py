"""How API callers prove who they are: a Keystone token, an AK/SK signature, or
the browser session (with CSRF). request.auth tells which, for the audit."""

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from console.credentials import active_token
from console.models import ApiToken, Project
from failedtasks.models import Channel


@dataclass(frozen=True)
class Credential:
    channel: str  # failedtasks.models.Channel
    project: Project | None = None  # a token's scope; None when any of the user's projects


class KeystoneTokenAuthentication(authentication.BaseAuthentication):
    """X-Auth-Token: a token from POST /v3/auth/tokens, scoped to one project."""

    def authenticate(self, request):
        token = request.META.get("HTTP_X_AUTH_TOKEN")
        if token is None:
            return None
        record: ApiToken | None = active_token(token)
        if record is None:
            raise exceptions.AuthenticationFailed("The token is invalid, expired or revoked.")
        return record.user, Credential(Channel.TOKEN, record.project)

    def authenticate_header(self, request):
        return 'Keystone uri="/v3"'


class BrowserSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        return result[0], Credential(Channel.SESSION_API)


def scoped_project_allows(request, project: Project) -> bool:
    """A token reaches only the project it was scoped to."""
    credential = request.auth
    return not (isinstance(credential, Credential) and credential.project
                and credential.project.pk != project.pk)

