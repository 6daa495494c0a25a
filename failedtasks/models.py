"""Failed tasks, the error-code catalog, the per-project tallies and the deletion audit.

Queries live on the querysets (FailedTaskQuerySet, TaskTally's for the counts);
every mutation goes through failedtasks.services so that it is audited and the
tallies stay exact.
"""

import dataclasses
import functools
import json

from django.conf import settings
from django.db import connection, connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from console.identity.models import Channel
from console.lib.prepared import prepared_cursor
from console.lib.sql_names import column, table
from console.tenancy.cloud_services import Service
from console.tenancy.models import Project, Resource
from failedtasks.search_index import NAME_SEARCH_TABLE


class TaskStatus(models.TextChoices):
    FAIL = "FAIL", _("Failed")
    RUNNING = "RUNNING", _("Running")


class Category(models.TextChoices):
    """Which ECS tab a task lists under; other services show both together."""

    CREATION = "creation", _("Creation Failures")
    OPERATION = "operation", _("Operation Failures")


class FailureStatus(models.TextChoices):
    """The SDRS failure_status enum, verbatim from the API reference."""

    CREATE_FAIL = "createFail", _("Creation failed")
    DELETE_FAIL = "deleteFail", _("Deletion failed")
    ATTACH_FAIL = "attachFail", _("Attachment failed")
    DETACH_FAIL = "detachFail", _("Detachment failed")
    EXPAND_FAIL = "expandFail", _("Expansion failed")
    RESIZE_FAIL = "resizeFail", _("Specification change failed")
    START_FAIL = "startFail", _("Enabling protection failed")
    STOP_FAIL = "stopFail", _("Disabling protection failed")
    REVERSE_FAIL = "reverseFail", _("Planned failover failed")
    FAILOVER_FAIL = "failoverFail", _("Failover failed")
    REPROTECT_FAIL = "reprotectFail", _("Re-enabling protection failed")


class SdrsResourceType(models.TextChoices):
    """The SDRS resource_type enum, verbatim from the API reference."""

    SERVER_GROUPS = "server_groups", _("Protection group")
    PROTECTED_INSTANCES = "protected_instances", _("Protected instance")
    REPLICATIONS = "replications", _("Replication pair")
    DISASTER_RECOVERY_DRILLS = "disaster_recovery_drills", _("DR drill")


class KpsOperateType(models.TextChoices):
    """The KPS operate_type values: FAILED_* once failed, RUNNING_* while running."""

    FAILED_RESET = "FAILED_RESET", _("Reset failed")
    FAILED_REPLACE = "FAILED_REPLACE", _("Replace failed")
    FAILED_UNBIND = "FAILED_UNBIND", _("Unbind failed")
    FAILED_BIND = "FAILED_BIND", _("Bind failed")
    RUNNING_RESET = "RUNNING_RESET", _("Resetting")
    RUNNING_REPLACE = "RUNNING_REPLACE", _("Replacing")
    RUNNING_UNBIND = "RUNNING_UNBIND", _("Unbinding")
    RUNNING_BIND = "RUNNING_BIND", _("Binding")


def category_for(failure_status: str, job_type: str, status: str) -> str:
    """Creations (failed, or still running) list apart from other operations."""
    is_creation = (
        failure_status == FailureStatus.CREATE_FAIL
        or job_type.lower().startswith("create")
        or status == TaskStatus.RUNNING
    )
    return Category.CREATION if is_creation else Category.OPERATION


def _found_by_name_or_id(text: str) -> Q:
    return (
        Q(resource_name__icontains=text)
        | Q(resource_id__istartswith=text)
        | Q(job_id__istartswith=text)
    )


# The search on SQLite reads the indexes of failedtasks/search_index.py.
TRIGRAM = 3  # the shortest fragment the trigram table finds
# Past this many candidates a search is too common for a list of ids to pay: its
# matches are many, and the list's own index, read in order, meets them soon.
SEARCH_CANDIDATES = 5_000


def _fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: quoted, so that no character is query syntax
    (AND, NEAR, *, -, ^, :, parentheses); a quote inside is doubled."""
    return '"' + text.replace('"', '""') + '"'


def _names_holding(text: str) -> tuple[str, list]:
    """SQL of the ids of the tasks whose resource name holds `text` in the trigram
    table: every name that holds it in any case, and some more (the table folds
    case beyond ASCII, which LIKE does not)."""
    return (f"SELECT rowid FROM {NAME_SEARCH_TABLE} WHERE {NAME_SEARCH_TABLE} MATCH %s",
            [_fts_phrase(text)])


def _counted(sql: str, params: list) -> tuple[str, list]:
    """How many rows `sql` gives, reading no more than SEARCH_CANDIDATES + 1."""
    return f"(SELECT COUNT(*) FROM ({sql} LIMIT {SEARCH_CANDIDATES + 1}))", params


def _union(*queries: tuple[str, list]) -> tuple[str, list]:
    return (" UNION ALL ".join(sql for sql, _ in queries),
            [param for _, params in queries for param in params])


def _indexed_search(tasks: "FailedTaskQuerySet", text: str, *, by_code: bool) -> "FailedTaskQuerySet":
    """`tasks` narrowed to the candidates of a search, on SQLite: the ids its
    indexes give, more than it finds and never fewer. The caller still applies
    the search's own filter, which decides.

    The list's index is read in order, as without a search; each of its entries
    is checked against the candidates from the index alone, so a task is read
    only when it is one. When there may be more than SEARCH_CANDIDATES, every
    entry passes and the filter alone decides, as before: common text matches
    often, and the first page is soon full. Whether there may be is told
    without looking for the whole fragment twice: no more names hold it than
    hold any three of its characters (its first, middle and last), each a
    single term of the trigram table, cheap to count."""
    if connections[tasks.db].vendor != "sqlite" or len(text) < TRIGRAM:
        return tasks  # too short for a trigram: the filter alone
    lookups = [Q(resource_id__istartswith=text), Q(job_id__istartswith=text)]
    if by_code:
        lookups.append(Q(error_code__iexact=text))
    by_id_or_code = _union(*(
        tasks.model._base_manager.using(tasks.db).filter(lookup).values("pk")
        .query.get_compiler(tasks.db).as_sql()
        for lookup in lookups
    ))
    middle = (len(text) - TRIGRAM) // 2
    probes = dict.fromkeys(text[at:at + TRIGRAM] for at in (0, middle, len(text) - TRIGRAM))
    by_name_at_most = [_counted(*_names_holding(trigram)) for trigram in probes]
    names_sql = ", ".join(sql for sql, _ in by_name_at_most)
    names_params = [param for _, params in by_name_at_most for param in params]
    if len(by_name_at_most) > 1:  # min() of one argument would be the aggregate
        names_sql = f"MIN({names_sql})"
    ids_sql, ids_params = _counted(*by_id_or_code)
    # The ids and codes first: an error code's many tasks answer before any name is counted.
    too_many = RawSQL(
        f"{ids_sql} > {SEARCH_CANDIDATES} OR {names_sql} + {ids_sql} > {SEARCH_CANDIDATES}",
        [*ids_params, *names_params, *ids_params], output_field=models.BooleanField())
    candidates = RawSQL(*_union(_names_holding(text), by_id_or_code))
    return tasks.filter(Q(too_many) | Q(pk__in=candidates))


@functools.cache
def _row_extras() -> dict:
    """with_row_extras' two subqueries: the same for every list, so built once (the
    annotation copies them), which halves what building the list's query costs."""
    entry = ErrorCode.objects.filter(code=models.OuterRef("error_code")).values(
        fields=JSONObject(**{name: name for name in ErrorCode.ENTRY_FIELDS})
    )
    resource_row = Resource.objects.filter(
        project=models.OuterRef("project"), service=models.OuterRef("service"),
        resource_id=models.OuterRef("resource_id"),
    ).values(row=Coalesce("parent_id", "pk"))
    return {
        "catalog_entry": models.Subquery(entry[:1], output_field=models.JSONField()),
        "resource_row": models.Subquery(resource_row[:1]),
    }


class FailedTaskQuerySet(models.QuerySet):
    def for_project(self, project) -> "FailedTaskQuerySet":
        return self.filter(project=project)

    def for_service(self, service: str) -> "FailedTaskQuerySet":
        return self.filter(service=service)

    def in_category(self, category: str | None) -> "FailedTaskQuerySet":
        return self.filter(category=category) if category else self

    def in_group(self, parent_id: str) -> "FailedTaskQuerySet":
        """One protection group's tasks; "" for the protection-group-level ones."""
        return self.filter(parent_id=parent_id)

    def with_status(self, status: str) -> "FailedTaskQuerySet":
        return self.filter(status=status)

    def failed(self) -> "FailedTaskQuerySet":
        return self.with_status(TaskStatus.FAIL)

    def with_error_code(self, code: str, *, any_case: bool = False) -> "FailedTaskQuerySet":
        """Tasks that failed with exactly this code ("" for those reported without one).

        any_case, as the API's filter compares: on PostgreSQL an index is made for
        the SQL it generates (UPPER(error_code), migration 0005)."""
        return self.filter(error_code__iexact=code) if any_case else self.filter(error_code=code)

    def failed_between(self, since=None, until=None) -> "FailedTaskQuerySet":
        """Tasks that failed at or after `since` and before `until`; None leaves a side open.

        Half-open, so adjacent ranges never share a task. After the equalities on
        project, service (and tab) the bound is a range on failed_at, the next
        column of the list's indexes: a range is an index look-up, not a scan."""
        tasks = self
        if since is not None:
            tasks = tasks.filter(failed_at__gte=since)
        if until is not None:
            tasks = tasks.filter(failed_at__lt=until)
        return tasks

    def newest_first(self) -> "FailedTaskQuerySet":
        # id breaks ties between equal failure times, so paging never repeats a row.
        return self.order_by("-failed_at", "-id")

    def named_like(self, text: str) -> "FailedTaskQuerySet":
        """Tasks whose resource name contains `text`, in any case."""
        return self.filter(resource_name__icontains=text)

    def matching(self, text: str) -> "FailedTaskQuerySet":
        """The search of the console and its API: part of the resource name, the
        start of a resource or job id, or an error code, all in any case.

        Each of the four has an index: on PostgreSQL made for the SQL these
        lookups generate (UPPER(column) ..., migration 0005), so a search stays
        an index look-up at a million tasks; on SQLite a trigram table and NOCASE
        B-trees (failedtasks/search_index.py) give the candidates (_indexed_search).
        """
        tasks = _indexed_search(self, text, by_code=True)
        return tasks.filter(_found_by_name_or_id(text) | Q(error_code__iexact=text))

    def matching_except_by_code(self, text: str) -> "FailedTaskQuerySet":
        """The tasks the search finds by name or id but not by their error code:
        what a search's count adds to the tallies of the code it names."""
        tasks = _indexed_search(self, text, by_code=False)
        return tasks.filter(_found_by_name_or_id(text)).exclude(error_code__iexact=text)

    def page(self, start: int, stop: int, total: int | None = None) -> "FailedTaskQuerySet":
        """Rows [start:stop) of this ordered queryset, skipping `start` without reading them.

        A plain OFFSET fetches every skipped row from the table. Here the ids of
        the page are picked first, by a subquery that the list's covering index
        answers alone (an index-only scan: project, service[, tab], failed_at,
        id), and only the page's own rows are then read by primary key: a
        deferred join. The order is applied again outside, so the rows come back
        as the plain slice would give them.

        `total`, when the caller knows exactly how many rows the queryset holds
        (the tallies do), lets a page nearer the end be picked from the end:
        the index is read backwards and skips only the rows after the page, so
        the last page costs what the second does.
        """
        if start == 0:  # nothing to skip: the plain slice reads only the page
            return self[:stop]
        ordering = self.query.order_by
        assert ordering, "a page needs an order"
        ids = self.order_by(*ordering).values("pk")
        if total is not None and start < total and total - stop < start:
            # The same rows, counted from the other end: [total - stop, total - start).
            ids = ids.reverse()[max(0, total - stop) : total - start]
        else:
            ids = ids[start:stop]
        return self.model._default_manager.filter(pk__in=ids).order_by(*ordering)

    def with_row_extras(self) -> "FailedTaskQuerySet":
        """Each task with what its row in the list shows beside it, read in the
        same query rather than one query each: its error code's catalog entry
        (`catalog_entry`, the entry's fields or None) and the service-page row
        of its resource (`resource_row`, the row's resource pk or None; a
        resource listed under another, such as an SDRS protected instance, has
        the row of the one it belongs to)."""
        return self.annotate(**_row_extras())

    def seen_at(self, revision: int) -> "FailedTaskQuerySet":
        """The tasks as a listing that read `revision` saw them: unchanged since.

        Compared as an expression (revision + 0), which no index answers: a
        plain `revision <= W` steers SQLite's planner to the (project,
        revision) index, which holds every task of the project, and a sort of
        them all; this way the list's own index is read in order and the
        first page stops it."""
        return self.alias(revision_seen=models.F("revision") + 0).filter(
            revision_seen__lte=revision)

    def changed_since(self, revision: int) -> "FailedTaskQuerySet":
        """Tasks recorded, or recorded again, after a listing that read `revision`."""
        return self.filter(revision__gt=revision)


class TaskFields(models.Model):
    """The columns of a failed task, shared by the live table and the audit snapshot.

    Keeping them in one place lets a deletion copy rows into the audit, and an
    undo copy them back, with one set-based INSERT ... SELECT.
    """

    service = models.CharField(max_length=8, choices=Service.choices)
    job_id = models.CharField(max_length=64)
    job_type = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.FAIL)
    category = models.CharField(max_length=10, choices=Category.choices)
    failure_status = models.CharField(max_length=32, blank=True)
    resource_id = models.CharField(max_length=64, blank=True)
    resource_name = models.CharField(max_length=255, blank=True)
    resource_type = models.CharField(max_length=64, blank=True)
    parent_id = models.CharField(
        max_length=64, blank=True, help_text="The parent resource, e.g. the protection group."
    )
    error_code = models.CharField(max_length=64, blank=True)
    fail_reason = models.TextField(blank=True)
    begin_time = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(default=timezone.now)
    extra = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.resource_name or self.resource_id or self.job_id} ({self.job_type})"

    @property
    def is_running(self) -> bool:
        return self.status == TaskStatus.RUNNING


class FailedTask(TaskFields):
    # No index of its own: every composite index below starts with the project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="failed_tasks", db_index=False
    )
    revision = models.BigIntegerField(
        default=0, editable=False,
        help_text="The project revision at which this task was last recorded (see ProjectRevision).",
    )

    objects = FailedTaskQuerySet.as_manager()

    class Meta:
        indexes = [
            # The dialog's list and the APIs' pages: newest failure first.
            models.Index(fields=["project", "service", "-failed_at", "-id"], name="task_newest"),
            # The console API's keyset pages across every service of a project.
            models.Index(fields=["project", "-failed_at", "-id"], name="task_project_newest"),
            # The ECS tabs list one category at a time.
            models.Index(
                fields=["project", "service", "category", "-failed_at", "-id"],
                name="task_category_newest",
            ),
            # SDRS lists one protection group's failed jobs (server_group_id): with
            # the status in the key, its offsets skip through the index alone.
            models.Index(
                fields=["project", "service", "parent_id", "status", "-failed_at", "-id"],
                name="task_group_failed_newest",
            ),
            # Counting failed tasks of one project and service (recounts, checks).
            models.Index(fields=["project", "service", "status"], name="task_counter"),
            models.Index(fields=["project", "error_code"], name="task_error_code"),
            # The group view's first and last failure of each error code: a MIN or
            # MAX per tallied (category, status, code) is one index look-up each.
            models.Index(
                fields=["project", "service", "status", "category", "error_code", "failed_at"],
                name="task_cause_times",
            ),
            # Tasks recorded since a watermark: what a Delete All kept.
            models.Index(fields=["project", "revision"], name="task_project_revision"),
            # Failure insights: counts by service, tab and code over a period, read
            # from the index alone.
            models.Index(
                fields=["project", "status", "failed_at", "service", "category", "error_code"],
                name="task_insights",
            ),
            # The search's own indexes differ per database and are made by
            # migrations: on PostgreSQL trigram indexes for name fragments (one
            # over every task and one per list) and B-trees for id prefixes and
            # error codes in any case (0005, 0008); on SQLite a trigram table and
            # NOCASE B-trees (0010, failedtasks/search_index.py).
        ]
        constraints = [
            # Recording is idempotent on the job id within a project.
            models.UniqueConstraint(fields=["project", "job_id"], name="task_job_unique"),
            models.CheckConstraint(
                condition=models.Q(service__in=Service.values), name="task_service_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=TaskStatus.values), name="task_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="task_category_known"
            ),
        ]


@functools.cache
def _revision_of_outer_project() -> Coalesce:
    revision = ProjectRevision.objects.filter(project=models.OuterRef("pk")).values("revision")[:1]
    return Coalesce(models.Subquery(revision), 0, output_field=models.BigIntegerField())


class ProjectRevisionManager(models.Manager):
    def current(self, project_id: str) -> int:
        """The project's revision now: the watermark of a listing that starts now."""
        row = self.filter(project_id=project_id).values_list("revision", flat=True).first()
        return row or 0

    def current_in_sql(self, project_id: str) -> tuple[str, list]:
        """current() as an SQL scalar expression and its parameters, for a page's
        one statement (console.identity.signed_in.signed_in_member)."""
        revisions = self.model
        return (f"SELECT COALESCE(MAX({column(revisions, 'revision')}), 0) "
                f"FROM {table(revisions)} WHERE {column(revisions, 'project')} = %s", [project_id])

    def of(self) -> Coalesce:
        """The same as a subquery (0 when none), to read on the project's own look-up
        (the outer query's pk). The same for every look-up: built once, and copied
        by each query that uses it."""
        return _revision_of_outer_project()


class ProjectRevision(models.Model):
    """The newest revision handed out to a change of one project's failed tasks.

    Recording a task (new, or the same job again) takes the next revision and
    stamps it on the task; the row stays locked until that transaction commits,
    so revisions of one project commit in the order they were handed out. A
    listing that reads revision W therefore sees every task stamped W or lower,
    and any task stamped later was recorded, or changed, after the listing: what
    Delete All "up to W" relies on (docs/deletion-guarantee.md).
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    revision = models.BigIntegerField(default=0)

    objects = ProjectRevisionManager()

    def __str__(self) -> str:
        return f"{self.project_id} at revision {self.revision}"


@dataclasses.dataclass(frozen=True)
class Tallies:
    """The counts of one project's tasks in one service, as TaskTally keeps them."""

    # (category, status) -> how many
    counts: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    # (category, status, error code) -> how many: the groups of "Group by cause"
    by_code: dict[tuple[str, str, str], int] = dataclasses.field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(n for (_, status), n in self.counts.items() if status == TaskStatus.FAIL)

    def in_category(self, category: str) -> int:
        return sum(n for (cat, _), n in self.counts.items() if cat == category)

    @property
    def listed(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def of_rows(cls, rows) -> "Tallies":
        """From (category, status, error code, count) rows, as _service_tallies_sql reads them."""
        counts: dict[tuple[str, str], int] = {}
        by_code: dict[tuple[str, str, str], int] = {}
        for category, status, error_code, count in rows:
            counts[category, status] = counts.get((category, status), 0) + count
            by_code[category, status, error_code] = count
        return cls(counts, by_code)

    @classmethod
    def of_json(cls, text: str | None) -> "Tallies":
        """From the JSON array TaskTally.objects.for_service_in_sql reads (None: no rows)."""
        return cls.of_rows(json.loads(text) if text else [])


@functools.cache
def _service_tallies_json_sql(vendor: str) -> str:
    """_service_tallies_sql's rows as one JSON array, in text."""
    row = ", ".join(column(TaskTally, name) for name in ("category", "status", "error_code", "count"))
    if vendor == "postgresql":
        aggregate = f"json_agg(json_build_array({row}))::text"
    else:
        aggregate = f"json_group_array(json_array({row}))"
    return f"SELECT {aggregate} FROM ({_service_tallies_sql()}) AS tallies"


@functools.cache
def _service_tallies_sql() -> str:
    tally = TaskTally
    return (f"SELECT {column(tally, 'category')}, {column(tally, 'status')}, "
            f"{column(tally, 'error_code')}, {column(tally, 'count')} FROM {table(tally)} "
            f"WHERE {column(tally, 'project')} = %s AND {column(tally, 'service')} = %s "
            f"AND {column(tally, 'count')} > 0")


class TaskTallyQuerySet(models.QuerySet):
    def for_service(self, project, service: str) -> Tallies:
        """A project's tallies in one service, in one query: what the counter, the
        dialog's tabs and groups, and the KPS total read."""
        # Written once as SQL and prepared (console.lib.prepared) rather than built
        # by the ORM each time.
        with prepared_cursor() as cursor:
            cursor.execute(_service_tallies_sql(), [getattr(project, "pk", project), service])
            return Tallies.of_rows(cursor.fetchall())

    def for_service_in_sql(self, project_id: str, service: str) -> tuple[str, list]:
        """for_service() as an SQL scalar expression (a JSON array of its rows, NULL or
        [] for none) and its parameters: every open dialog reads it with each tab,
        search and page, on the statement that signs the user in
        (console.identity.signed_in.signed_in_member). Tallies.of_json reads it."""
        return _service_tallies_json_sql(connection.vendor), [project_id, service]

    def tallied(self, project=models.OuterRef("pk"), error_code: str | None = None,
                **filters) -> Coalesce:
        """How many of a project's tasks the tallies hold, narrowed by service,
        category or status (a filter left empty does not narrow) and by an exact
        error code ("" for tasks without one; None does not narrow): a subquery
        to annotate onto the project look-up, 0 when none."""
        filters = {name: value for name, value in filters.items() if value}
        if error_code is not None:
            filters["error_code"] = error_code
        total = (
            self.filter(project=project, **filters)
            .values("project")
            .annotate(total=models.Sum("count"))
            .values("total")
        )
        return Coalesce(models.Subquery(total), 0, output_field=models.BigIntegerField())

    def failed_in_sql(self, project_id: str, service: str) -> tuple[str, list]:
        """How many of a project's tasks in `service` failed, the counter's number: an
        SQL scalar expression and its parameters, for the poll's one statement."""
        return self.in_service_sql(project_id, service, TaskStatus.FAIL)

    def in_service_sql(self, project_id: str, service: str,
                       status: str | None = None) -> tuple[str, list]:
        """tallied(service=..., status=...) of one project as an SQL scalar expression
        and its parameters, for a look-up written as SQL (console.tenancy.scoping)."""
        tally = self.model
        sql = (f"SELECT COALESCE(SUM({column(tally, 'count')}), 0) FROM {table(tally)} "
               f"WHERE {column(tally, 'project')} = %s AND {column(tally, 'service')} = %s")
        if status is None:
            return sql, [project_id, service]
        return f"{sql} AND {column(tally, 'status')} = %s", [project_id, service, str(status)]


class TaskTally(models.Model):
    """How many tasks a project has per service, category, status and error code.

    The counter on every page and its poll sum a service's few rows instead of
    counting the tasks, so they cost the same at ten rows or a million; the
    group view ("Group by cause") reads its counts per error code from the same
    rows. Only failedtasks.services writes them, in the same transaction as the
    tasks.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tallies")
    service = models.CharField(max_length=8, choices=Service.choices)
    category = models.CharField(max_length=10, choices=Category.choices)
    status = models.CharField(max_length=8, choices=TaskStatus.choices)
    error_code = models.CharField(max_length=64, blank=True, default="")
    count = models.BigIntegerField(default=0)

    objects = TaskTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "service", "category", "status", "error_code"],
                name="tally_unique",
            ),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="tally_not_negative"),
        ]

    def __str__(self) -> str:
        return (f"{self.project_id} {self.service} {self.category} {self.status} "
                f"{self.error_code or '-'}: {self.count}")


class ErrorCode(models.Model):
    """One entry of the error-code catalog: what went wrong and what to do, in two languages."""

    code = models.CharField(max_length=64, unique=True)
    service = models.CharField(
        max_length=8, choices=Service.choices, blank=True,
        help_text="The service that reports it; blank for codes several services pass on.",
    )
    cause_en = models.TextField()
    cause_zh = models.TextField()
    solution_en = models.TextField()
    solution_zh = models.TextField()

    ENTRY_FIELDS = ("code", "cause_en", "cause_zh", "solution_en", "solution_zh")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def _localised(self, english: str, chinese: str) -> str:
        return chinese if (get_language() or "").startswith("zh") else english

    @property
    def cause(self) -> str:
        return self._localised(self.cause_en, self.cause_zh)

    @property
    def solution(self) -> str:
        return self._localised(self.solution_en, self.solution_zh)


class Scope(models.TextChoices):
    ONE = "one", _("One task")
    ALL = "all", _("All listed tasks")
    PURGE = "purge", _("Retention purge")


class Deletion(models.Model):
    """One audited deletion: who, when, from where, and which tasks (see DeletedTask)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    # PROTECT: a project cannot vanish while its deletion evidence exists.
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="deletions")
    service = models.CharField(max_length=8, choices=Service.choices, blank=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    criteria = models.JSONField(
        default=dict, blank=True, help_text="The filters the deleted list was shown with."
    )
    watermark = models.BigIntegerField(
        null=True, blank=True,
        help_text="The project revision the confirmation showed; newer tasks were kept.",
    )
    deleted_count = models.PositiveIntegerField(default=0)
    kept_count = models.PositiveIntegerField(
        default=0, help_text="Tasks matching the criteria that arrived after the confirmation."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"], name="deletion_project_newest")]

    def __str__(self) -> str:
        return f"{self.actor_name} deleted {self.deleted_count} ({self.scope}) at {self.created_at}"


class DeletedTask(TaskFields):
    """A snapshot of a task as it was when it was deleted."""

    # Keyed by what identifies a snapshot, the deletion and the task's id: one
    # index serves the look-ups and the uniqueness, where a surrogate id cost
    # each of a 100,000-task Delete All's rows a sequence value and a second
    # index entry. No admin lists snapshots (it cannot list a composite key):
    # the deletion's page shows them. Neither key has a database constraint: a
    # snapshot is only ever written beside the Deletion it belongs to, in one
    # statement, and a constraint would check each row twice at commit;
    # PROTECT still guards them in the ORM.
    pk = models.CompositePrimaryKey("deletion", "task_pk")
    deletion = models.ForeignKey(
        Deletion, on_delete=models.PROTECT, related_name="tasks", db_index=False,
        db_constraint=False,
    )
    task_pk = models.BigIntegerField(help_text="The id the task had while it was live.")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        ordering = ["-failed_at", "-task_pk"]
