"""Failure insights: how many tasks failed, by error code, service and project, over
a period, for the projects someone reviews.

Pure queries, no HTTP. Every figure is a GROUP BY in the database, so a page
costs the same handful of queries at ten failed tasks or a million; Python only
reshapes the few grouped rows (at most projects x services x categories).
Only failed tasks count (status FAIL): creations still running have not failed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.tenancy.cloud_services import SERVICES, Service
from failedtasks.models import ErrorCode, FailedTask

TOP_CODES = 10  # bars in the error code chart; the rest add up to "Other codes"
TOP_PROJECTS = 10  # bars in the project chart; the rest add up to "Other projects"
TOP_CAUSES = 5  # codes explained with the catalog's cause and solution
NO_CODE = ""  # tasks recorded without an error code group under this


@dataclass(frozen=True)
class Period:
    key: str  # the ?period= value
    label: str
    length: timedelta
    hourly: bool  # the time series counts per hour (else per day)


PERIODS: dict[str, Period] = {
    period.key: period
    for period in (
        Period("24h", _("Last 24 hours"), timedelta(hours=24), hourly=True),
        Period("7d", _("Last 7 days"), timedelta(days=7), hourly=False),
        Period("30d", _("Last 30 days"), timedelta(days=30), hourly=False),
    )
}
DEFAULT_PERIOD = "7d"


@dataclass(frozen=True)
class Place:
    """One Failed Tasks list: a project's service (and ECS tab), optionally searched."""

    project_id: str
    project_name: str
    service: str
    category: str
    search: str = ""

    @property
    def url(self) -> str:
        params = {}
        if SERVICES[self.service].tabbed_failures:
            params["tab"] = self.category  # ECS lists one tab at a time
        if self.search:
            params["q"] = self.search
        base = reverse("failed-tasks", args=[self.project_id, self.service])
        return f"{base}?{urlencode(params)}" if params else base

    @property
    def service_short_name(self) -> str:
        return SERVICES[self.service].short_name

    @property
    def description(self) -> str:
        return f"{self.project_name} · {self.service_short_name}"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart (and one row of its table): what, how many, and where to look."""

    key: str  # the error code, service code or project id
    label: str
    count: int
    share: float  # of the chart's largest bar, 0..1, for the bar's length
    place: Place | None  # the list with the most of these failures

    @property
    def percent(self) -> float:
        return round(self.share * 100, 2)


@dataclass(frozen=True)
class Bucket:
    start: datetime  # in the active time zone
    count: int
    share: float


@dataclass(frozen=True)
class Cause:
    code: str
    count: int
    entry: ErrorCode | None  # None: not in the catalog
    place: Place | None


@dataclass
class Insights:
    period: Period
    since: datetime
    until: datetime
    total: int = 0
    by_code: list[Bar] = field(default_factory=list)
    other_codes: int = 0  # failures whose code is outside the top TOP_CODES
    by_service: list[Bar] = field(default_factory=list)
    by_project: list[Bar] = field(default_factory=list)
    other_projects: int = 0
    series: list[Bucket] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)

    @property
    def series_max(self) -> int:
        return max((bucket.count for bucket in self.series), default=0)


def code_label(code: str) -> str:
    return code or str(pgettext_lazy("error code", "no code"))


def _bars(totals: dict, labels: dict, places: dict, limit: int | None = None):
    """Bars, largest first (ties by label), and what the bars cut off add up to."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], str(labels[item[0]])))
    shown = ordered[:limit] if limit else ordered
    top = shown[0][1] if shown else 0
    bars = [
        Bar(key, str(labels[key]), count, count / top if top else 0, places.get(key))
        for key, count in shown
    ]
    return bars, sum(count for _key, count in ordered[len(shown):])


def _busiest(counts: dict[Place, int]) -> Place:
    """The list with the most failures; ties go to the first by name, so links are stable."""
    return min(
        counts.items(),
        key=lambda item: (-item[1], item[0].project_name, item[0].project_id,
                          item[0].service, item[0].category),
    )[0]


def failed_in(projects, since: datetime, until: datetime) -> QuerySet:
    """The failed tasks the insights count: in those projects, failed in [since, until]."""
    return FailedTask.objects.failed().filter(
        project__in=projects, failed_at__gte=since, failed_at__lte=until
    )


def failure_insights(projects, period: Period, until: datetime | None = None) -> Insights:
    """Failed tasks of `projects` over `period` ending at `until` (default now).

    Five queries whatever the data (one when nothing failed):
    1. per project, service and ECS tab: the totals, the service and project
       charts, and where their bars link;
    2. the top error codes;
    3. per top code, project, service and tab: where each code's bar links;
    4. per hour or day: the time series;
    5. the catalog entries of the top causes.
    """
    until = until or timezone.now()
    since = until - period.length
    insights = Insights(period=period, since=since, until=until)
    tasks = failed_in(projects, since, until)

    # 1. One row per (project, service, category): few, however many tasks there are.
    per_place: dict[Place, int] = {
        Place(row["project_id"], row["project__name"], row["service"], row["category"]): row["n"]
        for row in tasks.values("project_id", "project__name", "service", "category")
        .annotate(n=Count("id"))
        .order_by()
    }
    insights.total = sum(per_place.values())
    starts = _bucket_starts(period, since, until)
    if not insights.total:
        insights.series = _series(starts, {})
        return insights

    by_service: dict[str, dict[Place, int]] = defaultdict(dict)
    by_project: dict[str, dict[Place, int]] = defaultdict(dict)
    for place, count in per_place.items():
        by_service[place.service][place] = count
        by_project[place.project_id][place] = count
    insights.by_service, _none = _bars(
        {service: sum(counts.values()) for service, counts in by_service.items()},
        {service: Service(service).label for service in by_service},
        {service: _busiest(counts) for service, counts in by_service.items()},
    )
    insights.by_project, insights.other_projects = _bars(
        {project_id: sum(counts.values()) for project_id, counts in by_project.items()},
        {place.project_id: place.project_name for place in per_place},
        {project_id: _busiest(counts) for project_id, counts in by_project.items()},
        limit=TOP_PROJECTS,
    )

    # 2. The top codes; tasks recorded without one are a group of their own ("no code").
    top_codes = {
        row["error_code"]: row["n"]
        for row in tasks.values("error_code")
        .annotate(n=Count("id"))
        .order_by("-n", "error_code")[:TOP_CODES]
    }

    # 3. Where each top code failed most: that list, searched for the code.
    per_code_place: dict[str, dict[Place, int]] = defaultdict(dict)
    for row in (
        tasks.filter(error_code__in=list(top_codes))
        .values("error_code", "project_id", "project__name", "service", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        place = Place(row["project_id"], row["project__name"], row["service"], row["category"],
                      search=row["error_code"])
        per_code_place[row["error_code"]][place] = row["n"]
    insights.by_code, _none = _bars(
        top_codes,
        {code: code_label(code) for code in top_codes},
        {code: _busiest(counts) for code, counts in per_code_place.items()},
    )
    insights.other_codes = insights.total - sum(top_codes.values())

    # 4. The time series, in the viewer's time zone.
    insights.series = _series(starts, _bucket_counts(tasks, starts))

    # 5. The catalog's cause and solution for the top causes.
    cause_bars = [bar for bar in insights.by_code if bar.key != NO_CODE][:TOP_CAUSES]
    catalog = {
        entry.code: entry
        for entry in ErrorCode.objects.filter(code__in=[bar.key for bar in cause_bars])
    }
    insights.causes = [
        Cause(bar.key, bar.count, catalog.get(bar.key), bar.place) for bar in cause_bars
    ]
    return insights


def _bucket_starts(period: Period, since: datetime, until: datetime) -> list[datetime]:
    """Every hour or day from since to until in the viewer's time zone, oldest first."""
    zone = timezone.get_current_timezone()
    local_since = timezone.localtime(since, zone)
    starts = []
    if period.hourly:
        # Hours are an hour apart in absolute time, so step in UTC and show locally.
        start = local_since.replace(minute=0, second=0, microsecond=0)
        while start <= until:
            starts.append(timezone.localtime(start, zone))
            start += timedelta(hours=1)
    else:
        # Days are calendar days: a DST day is 23 or 25 hours long.
        day = local_since.date()
        while (start := datetime.combine(day, datetime.min.time(), tzinfo=zone)) <= until:
            starts.append(start)
            day += timedelta(days=1)
    return starts


def _bucket_counts(tasks: QuerySet, starts: list[datetime]) -> dict[int, int]:
    """Failures per bucket, keyed by the bucket's position, in one GROUP BY.

    The boundaries come from Python (in the viewer's zone, DST included) and the
    database only compares timestamps: no per-row date function, which SQLite
    would run in Python for every row and which no index can serve.
    """
    if len(starts) == 1:
        return {0: tasks.count()}
    bucket = Case(
        *[When(failed_at__lt=start, then=Value(index)) for index, start in enumerate(starts[1:])],
        default=Value(len(starts) - 1),
        output_field=IntegerField(),
    )
    rows = tasks.annotate(bucket=bucket).values("bucket").annotate(n=Count("id")).order_by()
    return {row["bucket"]: row["n"] for row in rows}


def _series(starts: list[datetime], counts: dict[int, int]) -> list[Bucket]:
    top = max(counts.values(), default=0)
    return [
        Bucket(start, counts.get(index, 0), counts.get(index, 0) / top if top else 0)
        for index, start in enumerate(starts)
    ]
