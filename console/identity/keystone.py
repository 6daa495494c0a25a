"""The Keystone v3 face: password tokens and project look-up, as the cloud's SDKs call them.

Errors use Keystone's body: {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}.
"""

from datetime import timezone as dt_timezone

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotFound,
    Throttled,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from console.identity import login_throttle
from console.identity.authentication import Credential
from console.identity.credentials import active_token, issue_token, revoke_token
from console.identity.rate_limits import ClientAddressRateThrottle
from console.lib.api_faces import FaceView
from console.lib.query_params import QueryParameters, TextField
from console.tenancy.models import Membership, Project, Role

DOMAIN = {"id": "default", "name": "Default"}
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 406: "Not Acceptable", 415: "Unsupported Media Type",
           429: "Too Many Requests", 503: "Service Unavailable"}


class _KeystoneErrorDetail(serializers.Serializer):
    code = serializers.IntegerField(source="status")
    title = serializers.SerializerMethodField()
    message = serializers.CharField()

    def get_title(self, error) -> str:
        return _TITLES.get(error.status, "Error")


class KeystoneError(serializers.Serializer):
    error = _KeystoneErrorDetail(source="*")


class KeystoneView(FaceView):
    error_serializer = KeystoneError


# --- POST /v3/auth/tokens --------------------------------------------------

# Names and secrets are taken as sent (no trimming): a name that exists nowhere
# fails authentication like any wrong one, so the schema can promise that every
# string of the right length is accepted as a well-formed request.

class _Domain(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=64, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=64, trim_whitespace=False)

    def validate(self, attrs):
        if attrs.get("id", DOMAIN["id"]) != DOMAIN["id"] or attrs.get("name", DOMAIN["name"]) != DOMAIN["name"]:
            raise AuthenticationFailed("The request you have made requires authentication.")
        return attrs


class _User(serializers.Serializer):
    name = serializers.CharField(max_length=150, allow_blank=True, trim_whitespace=False)
    password = serializers.CharField(max_length=256, allow_blank=True, trim_whitespace=False)
    domain = _Domain(required=False)


class _Password(serializers.Serializer):
    user = _User()


class _Identity(serializers.Serializer):
    methods = serializers.ListField(child=serializers.ChoiceField(["password"]),
                                    min_length=1, max_length=1,
                                    help_text="Only the password method is supported.")
    password = _Password()


class _ProjectScope(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=64, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=64, trim_whitespace=False)
    domain = _Domain(required=False)

    openapi_constraints = {"anyOf": [{"required": ["id"]}, {"required": ["name"]}]}

    def validate(self, attrs):
        if not attrs.get("id") and not attrs.get("name"):
            raise serializers.ValidationError("A project scope needs an id or a name.")
        return attrs


class _Scope(serializers.Serializer):
    project = _ProjectScope()


class _Auth(serializers.Serializer):
    identity = _Identity()
    scope = _Scope()


class TokenRequest(serializers.Serializer):
    auth = _Auth()


def token_body(record, role: str, methods=("password",)) -> dict:
    user, project = record.user, record.project
    return {"token": {
        "methods": list(methods),
        "issued_at": _keystone_time(record.created_at),
        "expires_at": _keystone_time(record.expires_at),
        "user": {"id": str(user.pk), "name": user.get_username(), "domain": DOMAIN},
        "project": {"id": project.pk, "name": project.name, "domain": DOMAIN},
        "roles": [{"id": role, "name": role}],
        "catalog": [],
    }}


def _keystone_time(value) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _role_of(user, project) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    membership = Membership.objects.filter(user=user, project=project).first()
    return membership.role if membership else None


class Tokens(KeystoneView):
    """POST issues a project-scoped token; GET validates one; DELETE revokes one.

    Both GET and DELETE name the token in X-Subject-Token and authenticate with
    X-Auth-Token, as Keystone does.
    """

    throttle_scope = "auth"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return [ClientAddressRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(operation_id="keystone_create_token", tags=["Identity"], request=TokenRequest,
                   responses={201: dict})
    def post(self, request):
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        auth = data.validated_data["auth"]
        credentials = auth["identity"]["password"]["user"]
        # authenticate() applies the sign-in throttle (console.identity.auth_backends).
        user = authenticate(request, username=credentials["name"], password=credentials["password"])
        if user is None:
            wait = login_throttle.retry_after(request)
            if wait:
                raise Throttled(wait=wait, detail="Too many failed sign-ins. Try again later.")
            raise AuthenticationFailed("The request you have made requires authentication.")
        scope = auth["scope"]["project"]
        projects = Project.objects.all()
        project = (projects.filter(pk=scope["id"]) if scope.get("id")
                   else projects.filter(name=scope["name"])).first()
        role = _role_of(user, project) if project else None
        if role is None:
            raise AuthenticationFailed("User has no access to the project.")
        token, record = issue_token(user, project)
        response = Response(token_body(record, role), status=status.HTTP_201_CREATED)
        response["X-Subject-Token"] = token
        return response

    def _subject(self, request):
        record = active_token(request.META.get("HTTP_X_SUBJECT_TOKEN", ""))
        if record is None or record.user_id != request.user.pk:
            # Another user's token is as unknown as a wrong one.
            raise NotFound("The token is invalid, expired or revoked.")
        return record

    @extend_schema(operation_id="keystone_validate_token", tags=["Identity"], responses={200: dict},
                   parameters=[OpenApiParameter("X-Subject-Token", str, OpenApiParameter.HEADER)])
    def get(self, request):
        record = self._subject(request)
        return Response(token_body(record, _role_of(record.user, record.project) or Role.VIEWER))

    @extend_schema(operation_id="keystone_revoke_token", tags=["Identity"], responses={204: None},
                   parameters=[OpenApiParameter("X-Subject-Token", str, OpenApiParameter.HEADER)])
    def delete(self, request):
        revoke_token(self._subject(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- GET /v3/projects --------------------------------------------------------

class ProjectsQuery(QueryParameters):
    name = TextField(max_length=64, min_length=1, help_text="A project's exact name.")


class Projects(KeystoneView):
    """The projects the caller may see, optionally by name (how SDKs find a region's project)."""

    @extend_schema(operation_id="keystone_list_projects", tags=["Identity"], responses={200: dict},
                   parameters=[ProjectsQuery])
    def get(self, request):
        name = ProjectsQuery.read(request)["name"]
        projects = Project.objects.visible_to(request.user).select_related("region")
        credential = request.auth
        if isinstance(credential, Credential) and credential.project is not None:
            projects = projects.filter(pk=credential.project.pk)
        if name is not None:
            projects = projects.filter(name=name)
        return Response({
            "projects": [
                {"id": p.pk, "name": p.name, "description": p.description, "domain_id": DOMAIN["id"],
                 "enabled": True, "is_domain": False, "parent_id": DOMAIN["id"],
                 "links": {"self": request.build_absolute_uri(f"/v3/projects/{p.pk}")}}
                for p in projects.distinct()
            ],
            "links": {"self": request.build_absolute_uri(), "previous": None, "next": None},
        })

