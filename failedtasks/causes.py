"""Failed tasks grouped by cause: one group per error code, with how many tasks
it holds and when the first and the last of them failed.

The counts come from the tallies (TaskTally keeps them per error code), so a
group view costs the same at ten tasks or a million. The first and last
failure of a group are read per tally row, each a MIN or MAX that the
task_cause_times index answers with one look-up, and only for the groups shown.
A list narrowed by something the tallies do not keep (a search) is grouped
from its tasks instead, counted up to COUNT_LIMIT as counting.py counts.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum

from console.tenancy.models import Project
from failedtasks.counting import COUNT_LIMIT
from failedtasks.models import FailedTask, FailedTaskQuerySet, TaskTally


@dataclass(frozen=True)
class Cause:
    """One group: the tasks that failed with one error code ("" for none)."""

    error_code: str
    count: int
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None


def most_tasks_first(causes) -> list[Cause]:
    return sorted(causes, key=lambda cause: (-cause.count, cause.error_code))


@dataclass(frozen=True)
class TallyScope:
    """Which tally rows a group view reads: a filter left None does not narrow."""

    project: Project
    service: str | None = None
    category: str | None = None
    status: str | None = None
    error_code: str | None = None  # exact; "" for tasks without an error code
    error_code_any_case: str | None = None  # the console API's error_code filter

    def rows(self):
        rows = TaskTally.objects.filter(project=self.project, count__gt=0)
        for name in ("service", "category", "status", "error_code"):
            if getattr(self, name) is not None:
                rows = rows.filter(**{name: getattr(self, name)})
        if self.error_code_any_case is not None:
            rows = rows.filter(error_code__iexact=self.error_code_any_case)
        return rows

    def causes(self) -> list[Cause]:
        """Every group, most tasks first (one query over the tally rows)."""
        counted = (self.rows().values("error_code").annotate(tasks=Sum("count"))
                   .order_by("-tasks", "error_code"))
        return [Cause(row["error_code"], row["tasks"]) for row in counted]

    def with_failure_times(self, causes: list[Cause]) -> list[Cause]:
        """`causes` with their first and last failure, in one query (none for no causes).

        Each tally row of a cause names one (service, category, status, code):
        its tasks' earliest and latest failure are the ends of one range of
        the task_cause_times index. A cause spanning several rows (both
        categories, say) takes the earliest and latest of them.
        """
        if not causes:
            return []
        same_row = FailedTask.objects.filter(
            project=OuterRef("project"), service=OuterRef("service"), status=OuterRef("status"),
            category=OuterRef("category"), error_code=OuterRef("error_code"),
        )
        times = (
            self.rows().filter(error_code__in=[cause.error_code for cause in causes])
            .annotate(
                first=Subquery(same_row.order_by("failed_at").values("failed_at")[:1]),
                last=Subquery(same_row.order_by("-failed_at").values("failed_at")[:1]),
            )
            .values_list("error_code", "first", "last")
        )
        first: dict[str, datetime] = {}
        last: dict[str, datetime] = {}
        for code, earliest, latest in times:
            if earliest is not None and (code not in first or earliest < first[code]):
                first[code] = earliest
            if latest is not None and (code not in last or latest > last[code]):
                last[code] = latest
        return [replace(cause, first_failed_at=first.get(cause.error_code),
                        last_failed_at=last.get(cause.error_code)) for cause in causes]


def counted_causes(tasks: FailedTaskQuerySet) -> tuple[list[Cause], bool]:
    """The groups of a narrowed list (a search), from at most COUNT_LIMIT of its tasks,
    in one query. Returns (causes, is_lower_bound): True when more tasks matched
    than were grouped, so each count is a lower bound."""
    bounded = tasks.order_by().values("pk")[: COUNT_LIMIT + 1]
    grouped = (
        FailedTask.objects.filter(pk__in=Subquery(bounded))
        .values("error_code")
        .annotate(tasks=Count("pk"), first=Min("failed_at"), last=Max("failed_at"))
        .order_by("-tasks", "error_code")
    )
    causes = [Cause(row["error_code"], row["tasks"], row["first"], row["last"]) for row in grouped]
    return causes, sum(cause.count for cause in causes) > COUNT_LIMIT
