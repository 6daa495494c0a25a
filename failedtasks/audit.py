"""Reading the deletion audit: who deleted what, when and from where.

Only reads: nothing in the product edits or deletes an audit record.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from console.identity.models import Channel
from console.lib.csv_export import csv_lines
from console.lib.errors import Invalid
from console.lib.ids import PROJECT_ID
from console.tenancy.cloud_services import Service
from failedtasks.models import DeletedTask, Deletion

PAGE_SIZE = 50
SNAPSHOT_PAGE_SIZE = 100
# The days a filter may name. Wider than any audit can span, and narrow enough that
# the day after `until`, in any time zone, converted to UTC, is still a datetime.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)
USERNAME_LENGTH = 150  # as Django's user model


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    project: str = ""
    service: str = ""
    channel: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_params(cls, params) -> "AuditFilters":
        """Read the filters; anything that does not parse is a 400 saying which and why."""

        def day(name):
            raw = params.get(name, "").strip()
            if not raw:
                return None
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise Invalid(_("%(name)s must be a date like 2026-11-23, not %(value)s.")
                              % {"name": name, "value": repr(raw[:20])})
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise Invalid(_("%(name)s must be a date from %(earliest)s to %(latest)s.")
                              % {"name": name, "earliest": EARLIEST_DAY, "latest": LATEST_DAY})
            return day

        service = params.get("service", "")
        if service and service not in Service.values:
            raise Invalid(_("service must be one of %(choices)s.")
                          % {"choices": ", ".join(Service.values)})
        channel = params.get("channel", "")
        if channel and channel not in Channel.values:
            raise Invalid(_("channel must be one of %(choices)s.")
                          % {"choices": ", ".join(Channel.values)})
        project = params.get("project", "")
        if project and not PROJECT_ID.fullmatch(project):
            raise Invalid(_("project must be a project id (32 hexadecimal characters)."))
        user = params.get("user", "").strip()
        if len(user) > USERNAME_LENGTH:
            # Never cut it short: a longer name would match a different user.
            raise Invalid(_("user must be at most %(count)d characters.")
                          % {"count": USERNAME_LENGTH})
        filters = cls(
            user=user, project=project, service=service,
            channel=channel, since=day("since"), until=day("until"),
        )
        if filters.since and filters.until and filters.since > filters.until:
            raise Invalid(_("since must not be after until."))
        return filters

    def apply(self, deletions):
        if self.user:
            deletions = deletions.filter(actor_name__iexact=self.user)
        if self.project:
            deletions = deletions.filter(project_id=self.project)
        if self.service:
            deletions = deletions.filter(service=self.service)
        if self.channel:
            deletions = deletions.filter(channel=self.channel)
        zone = timezone.get_current_timezone()
        if self.since:
            deletions = deletions.filter(created_at__gte=datetime.combine(self.since, time.min, zone))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time.min, zone)
            deletions = deletions.filter(created_at__lt=end)
        return deletions

    def query(self) -> dict:
        return {k: v for k, v in {
            "user": self.user, "project": self.project, "service": self.service,
            "channel": self.channel, "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }.items() if v}


def deletions_for(projects, filters: AuditFilters):
    """The audit records of these projects, newest first, narrowed by the filters."""
    deletions = Deletion.objects.filter(project__in=projects).select_related("project")
    return filters.apply(deletions).order_by("-created_at", "-id")


CSV_COLUMNS = [
    "deletion_id", "deleted_at", "deleted_by", "channel", "remote_addr", "project", "scope",
    "restored_at", "task_id", "service", "job_id", "job_type", "status", "resource_id",
    "resource_name", "resource_type", "parent_id", "error_code", "fail_reason", "begin_time",
    "failed_at",
]


def csv_rows(deletions) -> Iterator[str]:
    """One line per deleted task, streamed in chunks: fine for millions of rows."""
    snapshots = DeletedTask.objects.filter(deletion__in=deletions.values("id")).order_by(
        "-deletion__created_at", "deletion_id", "-failed_at", "task_pk"
    ).values_list(
        "deletion_id", "deletion__created_at", "deletion__actor_name", "deletion__channel",
        "deletion__remote_addr", "deletion__project__name", "deletion__scope",
        "deletion__restored_at", "task_pk", "service", "job_id", "job_type", "status",
        "resource_id", "resource_name", "resource_type", "parent_id", "error_code",
        "fail_reason", "begin_time", "failed_at",
    )
    rows = ([v.isoformat() if isinstance(v, datetime) else v for v in row]
            for row in snapshots.iterator(chunk_size=2000))
    return csv_lines(chain([CSV_COLUMNS], rows))
