"""Where things live: regions, projects, who may do what in them, and their resources."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from console.cloud_services import Service

project_id_validator = RegexValidator(
    r"^[0-9a-f]{32}$", _("A project ID is 32 lowercase hexadecimal characters.")
)


def new_project_id() -> str:
    return uuid.uuid4().hex


class Region(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=32,
        validators=[RegexValidator(r"^[a-z]+(-[a-z0-9]+)+$")],
        help_text="Like cn-north-4.",
    )
    name_en = models.CharField(max_length=64)
    name_zh = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the Project list.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProjectQuerySet":
        """Projects the user has any role in; superusers see every project."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user)

    def administered_by(self, user) -> "ProjectQuerySet":
        """Projects whose failures and audit the user may review: where they are admin."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Role.ADMIN)


class Project(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=32,
        default=new_project_id,
        validators=[project_id_validator],
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=255, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["region__position", "region_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_region_default(self) -> bool:
        return self.name == self.region_id


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OPERATOR = "operator", _("Operator")
    ADMIN = "admin", _("Admin")

    @classmethod
    def rank(cls, role: str) -> int:
        return [cls.VIEWER, cls.OPERATOR, cls.ADMIN].index(role)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="one_role_per_project"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} in {self.project}"


class Resource(models.Model):
    """A server, cluster, protection group or key pair shown on a service page."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    service = models.CharField(max_length=8, choices=Service.choices)
    resource_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=32)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "service", "-created_at"], name="resource_page"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "service", "resource_id"], name="resource_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(service__in=Service.values), name="resource_service_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def row_id_of(pk: int) -> str:
        """The id of a resource's row on its service page: the fragment that links to it."""
        return f"resource-{pk}"

    @property
    def row_id(self) -> str:
        return self.row_id_of(self.pk)


class AccessKey(models.Model):
    """An AK/SK pair for signed API calls (SDK-HMAC-SHA256).

    The secret key is never stored: it is derived from the installation's
    SECRET_KEY, the access key id and a random salt (console.credentials), so a
    copy of the database alone cannot sign requests. Deleting the row revokes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys"
    )
    access_key = models.CharField(max_length=32, unique=True)
    salt = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.access_key


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> "ApiTokenQuerySet":
        """Tokens that still authenticate: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A Keystone-style token scoped to one project; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="token_user_newest")]

    def __str__(self) -> str:
        return f"token of {self.user} for {self.project} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """A failed sign-in at any door, kept briefly for throttling; an attempt whose
    password is being checked right now counts as one until it succeeds
    (console.login_throttle reserves it first).

    In the database rather than a per-process cache, so every app server behind
    the load balancer counts the same failures.
    """

    username = models.CharField(max_length=150)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user"),
            models.Index(fields=["remote_addr", "at"], name="login_failure_addr"),
        ]


class KnownSignInAddress(models.Model):
    """An address a user name signed in from successfully, lately.

    The sign-in throttle's per-account backoff (console.login_throttle) spares
    these, so a guesser elsewhere cannot hold the real user up where they work.
    """

    username = models.CharField(max_length=150)
    remote_addr = models.GenericIPAddressField()
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "remote_addr"], name="known_address_once"),
        ]
