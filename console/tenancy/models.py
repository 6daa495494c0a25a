"""Where things live: regions, projects, who may do what in them, and their resources."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from console.lib.ids import PROJECT_ID_PATTERN
from console.tenancy.cloud_services import Service

project_id_validator = RegexValidator(
    f"^{PROJECT_ID_PATTERN}$", _("A project ID is 32 lowercase hexadecimal characters.")
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
        db_table = "console_region"  # created before the model moved here from console
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
        db_table = "console_project"  # created before the model moved here from console
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

    def allows(self, required: str) -> bool:
        """Whether this role may do what `required` may: each role can do all that the
        ones before it can (viewer, then operator, then admin)."""
        ranks = list(Role)
        return ranks.index(self) >= ranks.index(Role(required))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        db_table = "console_membership"  # created before the model moved here from console
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
        db_table = "console_resource"  # created before the model moved here from console
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
