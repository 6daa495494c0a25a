"""The cloud services the console shows, and what each one's page looks like.

A service is not a database row: the set is fixed by the product, and every
page, URL converter and API validates against this one registry.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Service(models.TextChoices):
    ECS = "ecs", _("Elastic Cloud Server")
    CSS = "css", _("Cloud Search Service")
    SDRS = "sdrs", _("Storage Disaster Recovery Service")
    KPS = "kps", _("Key Pair Service")


@dataclass(frozen=True)
class Column:
    key: str  # a key of Resource.attributes, or "name" / "status"
    label: str


@dataclass(frozen=True)
class CloudService:
    code: str
    short_name: str
    category: str  # the Service List group the cloud console files it under
    resource_plural: str  # the heading of the resource table
    actions: tuple[str, ...]  # the standard action buttons, left to right
    columns: tuple[Column, ...]
    failed_tasks_label: str = _("Failed Tasks")  # the counter's words (ECS says 失败信息)
    tabbed_failures: bool = False  # ECS splits creation and operation failures

    @property
    def name(self) -> str:
        return Service(self.code).label


SERVICES: dict[str, CloudService] = {
    service.code: service
    for service in (
        CloudService(
            code=Service.ECS,
            short_name="ECS",
            category=_("Compute"),
            resource_plural=_("Servers"),
            actions=(_("Start"), _("Stop"), _("Restart"), _("More")),
            columns=(
                Column("name", _("Name/ID")),
                Column("status", _("Status")),
                Column("availability_zone", _("AZ")),
                Column("flavor", _("Specifications")),
                Column("image", _("Image")),
                Column("private_ip", _("IP Address")),
            ),
            failed_tasks_label=pgettext_lazy("ECS counter", "Failed Tasks"),
            tabbed_failures=True,
        ),
        CloudService(
            code=Service.CSS,
            short_name="CSS",
            category=_("Analytics"),
            resource_plural=_("Clusters"),
            actions=(_("Create Cluster"), _("Restart"), _("More")),
            columns=(
                Column("name", _("Name/ID")),
                Column("status", _("Cluster Status")),
                Column("version", _("Version")),
                Column("nodes", _("Nodes")),
                Column("endpoint", _("Private Network Address")),
            ),
        ),
        CloudService(
            code=Service.SDRS,
            short_name="SDRS",
            category=_("Storage"),
            resource_plural=_("Protection Groups"),
            actions=(
                _("Create Protection Group"),
                _("Enable Protection"),
                _("Disable Protection"),
                _("More"),
            ),
            columns=(
                Column("name", _("Name/ID")),
                Column("status", _("Status")),
                Column("replication_mode", _("Replication Mode")),
                Column("protected_instances", _("Protected Instances")),
                Column("direction", _("Protection Direction")),
            ),
        ),
        CloudService(
            code=Service.KPS,
            short_name="KPS",
            category=_("Security"),
            resource_plural=_("Key Pairs"),
            actions=(_("Create Key Pair"), _("Import Key Pair"), _("More")),
            columns=(
                Column("name", _("Name")),
                Column("status", pgettext_lazy("key pair", "Status")),
                Column("key_type", _("Type")),
                Column("fingerprint", _("Fingerprint")),
                Column("bound_server", _("Bound Server")),
            ),
        ),
    )
}


# Resource statuses as the cloud reports them, and how a person reads them.
RESOURCE_STATUS_LABELS = {
    "ACTIVE": _("Running"),
    "SHUTOFF": _("Stopped"),
    "BUILD": _("Creating"),
    "ERROR": _("Faulty"),
    "AVAILABLE": _("Available"),
    "UNAVAILABLE": _("Unavailable"),
    "PROTECTED": _("Protected"),
    "CREATING": _("Creating"),
    "BOUND": _("Bound"),
    "UNBOUND": _("Not bound"),
}
