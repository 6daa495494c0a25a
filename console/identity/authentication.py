"""How API callers prove who they are: a Keystone token, an AK/SK signature, or
the browser session (with CSRF). request.auth tells which, for the audit."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from console.identity.credentials import active_token, secret_for
from console.identity.models import AccessKey, ApiToken, Channel
from console.identity.signing import (
    SignatureError,
    canonical_request,
    parse_authorization,
    verify,
)
from console.tenancy.models import Project

LAST_USED_PRECISION = timedelta(minutes=10)  # a signed call writes at most this often


@dataclass(frozen=True)
class Credential:
    channel: str  # failedtasks.models.Channel
    project: Project | None = None  # a token's scope; None when any of the user's projects
    role: str | None = None  # the user's role in a token's scope, read with the token
    project_id: str | None = None  # the X-Project-Id a signed call names, if any


class KeystoneTokenAuthentication(authentication.BaseAuthentication):
    """X-Auth-Token: a token from POST /v3/auth/tokens, scoped to one project."""

    def authenticate(self, request):
        token = request.META.get("HTTP_X_AUTH_TOKEN")
        if token is None:
            return None
        record: ApiToken | None = active_token(token)
        if record is None:
            raise exceptions.AuthenticationFailed("The token is invalid, expired or revoked.")
        return record.user, Credential(Channel.TOKEN, record.project, role=record.role)

    def authenticate_header(self, request):
        return 'Keystone uri="/v3"'


class SignatureAuthentication(authentication.BaseAuthentication):
    """Authorization: SDK-HMAC-SHA256 ..., verified as huaweicloudsdkcore signs (console.identity.signing).

    The access key picks the secret; the signature covers method, path, query,
    the signed headers (host always) and the body; X-Sdk-Date must be within
    15 minutes. An unknown or deleted access key is a 401 like a bad signature.
    """

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("SDK-"):
            return None
        django_request = request._request
        try:
            signed = parse_authorization(header, request.META.get("HTTP_X_SDK_DATE"))
            key = AccessKey.objects.select_related("user").filter(access_key=signed.access_key).first()
            if key is None or not key.user.is_active:
                raise SignatureError("The access key is unknown or was deleted.")
            canonical = canonical_request(
                django_request.method, django_request.path,
                django_request.META.get("QUERY_STRING", ""), django_request.headers,
                signed.signed_headers, django_request.body,
            )
            verify(secret_for(key), signed, canonical)
        except SignatureError as error:
            raise exceptions.AuthenticationFailed(str(error))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            AccessKey.objects.filter(pk=key.pk).update(last_used_at=now)
        project_id = request.META.get("HTTP_X_PROJECT_ID") or None
        return key.user, Credential(Channel.ACCESS_KEY, project_id=project_id)

    def authenticate_header(self, request):
        return "SDK-HMAC-SHA256"


class BrowserSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        return result[0], Credential(Channel.SESSION_API)


def scoped_project_allows(request, project: Project) -> bool:
    """A token reaches only the project it was scoped to; a signed call that names
    a project (X-Project-Id) only that one."""
    credential = request.auth
    if not isinstance(credential, Credential):
        return True
    scope = credential.project.pk if credential.project else credential.project_id
    return scope is None or scope == project.pk

