"""Every change to failed tasks: recording, deleting, restoring.

The console views, the three API faces, the admin and the management commands
all call these functions, so each rule lives once: deletions are audited with a
snapshot of every task, Delete All is one set-based statement bounded by the
watermark its confirmation showed, and the tallies behind the counter move in
the same transaction as the rows they count.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from console.client_address import client_address
from console.models import Project
from failedtasks.models import (
    Channel,
    DeletedTask,
    Deletion,
    FailedTask,
    FailedTaskQuerySet,
    Scope,
    TaskStatus,
    TaskTally,
    category_for,
)

TallyKey = tuple[str, str, str]  # (service, category, status)


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and through which door: what the audit records."""

    user: Any
    channel: str = Channel.CONSOLE
    remote_addr: str | None = None

    @classmethod
    def from_request(cls, request, channel: str = Channel.CONSOLE) -> "Actor":
        return cls(user=request.user, channel=channel, remote_addr=client_address(request))

    @property
    def name(self) -> str:
        return getattr(self.user, "username", "") or "system"


@dataclass(frozen=True)
class Tallies:
    """The counts of one project's tasks in one service, read from TaskTally."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (category, status) -> n

    @property
    def failed(self) -> int:
        return sum(n for (_, status), n in self.counts.items() if status == TaskStatus.FAIL)

    def in_category(self, category: str) -> int:
        return sum(n for (cat, _), n in self.counts.items() if cat == category)

    @property
    def listed(self) -> int:
        return sum(self.counts.values())


def tallies_for(project: Project, service: str) -> Tallies:
    rows = TaskTally.objects.filter(project=project, service=service, count__gt=0)
    return Tallies({(r.category, r.status): r.count for r in rows})


def _adjust_tallies(project_id: str, deltas: dict[TallyKey, int]) -> None:
    deltas = {key: n for key, n in deltas.items() if n}
    if not deltas:
        return
    TaskTally.objects.bulk_create(
        [
            TaskTally(project_id=project_id, service=s, category=c, status=st, count=0)
            for (s, c, st) in deltas
        ],
        ignore_conflicts=True,
    )
    # Sorted, so two transactions touching the same rows lock them in one order.
    for (service, category, status), delta in sorted(deltas.items()):
        TaskTally.objects.filter(
            project_id=project_id, service=service, category=category, status=status
        ).update(count=F("count") + delta)


def recount_tallies(project_ids: list[str] | None = None) -> None:
    """Rebuild tallies from the tasks themselves (after bulk loads), set-based."""
    with transaction.atomic():
        tallies = TaskTally.objects.all()
        tasks = FailedTask.objects.all()
        if project_ids is not None:
            tallies = tallies.filter(project_id__in=project_ids)
            tasks = tasks.filter(project_id__in=project_ids)
        tallies.delete()
        TaskTally.objects.bulk_create(
            TaskTally(**row)
            for row in tasks.values("project_id", "service", "category", "status")
            .annotate(count=Count("id"))
            .order_by()
        )


# --- Recording -------------------------------------------------------------

RECORDED_FIELDS = (
    "job_type", "status", "failure_status", "resource_id", "resource_name", "resource_type",
    "parent_id", "error_code", "fail_reason", "begin_time", "failed_at", "extra",
)


def record_failure(project: Project, *, service: str, job_id: str, **fields) -> tuple[FailedTask, bool]:
    """Store a failed (or still running) task; the same job id again updates it.

    Returns (task, created). A creation reported RUNNING and later FAIL stays one
    task whose status moves, with the tallies moving with it.
    """
    fields = {name: value for name, value in fields.items() if name in RECORDED_FIELDS}
    fields.setdefault("status", TaskStatus.FAIL)
    fields.setdefault("failed_at", timezone.now())
    fields["category"] = category_for(
        fields.get("failure_status", ""), fields.get("job_type", ""), fields["status"]
    )
    with transaction.atomic():
        existing = (
            FailedTask.objects.select_for_update().filter(project=project, job_id=job_id).first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    task = FailedTask.objects.create(
                        project=project, service=service, job_id=job_id, **fields
                    )
            except IntegrityError:
                # Another request recorded the same job a moment ago: update that one.
                existing = FailedTask.objects.select_for_update().get(project=project, job_id=job_id)
            else:
                _adjust_tallies(project.pk, {(service, task.category, task.status): 1})
                return task, True
        before = (existing.service, existing.category, existing.status)
        existing.service = service
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        after = (existing.service, existing.category, existing.status)
        if before != after:
            _adjust_tallies(project.pk, {before: -1, after: 1})
        return existing, False


# --- Deleting --------------------------------------------------------------

_SNAPSHOT_COLUMNS = [
    f.column for f in FailedTask._meta.concrete_fields if f.name != "id"
]  # every TaskFields column plus project_id


def _snapshot_sql_names() -> tuple[str, str, str]:
    """The live table, the audit table and their shared columns, quoted for raw SQL."""
    quote = connection.ops.quote_name
    return (quote(FailedTask._meta.db_table), quote(DeletedTask._meta.db_table),
            ", ".join(quote(column) for column in _SNAPSHOT_COLUMNS))


def _move_to_audit(tasks: FailedTaskQuerySet, deletion: Deletion) -> int:
    """Delete `tasks` and snapshot each into the audit, as one set-based operation.

    Returns how many were deleted. Exactly the rows deleted are snapshotted, even
    when another deletion races this one for the same rows.
    """
    live, audit, cols = _snapshot_sql_names()
    ids_sql, ids_params = tasks.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the rows DELETE really removed are the rows snapshotted.
            cursor.execute(
                f"WITH gone AS (DELETE FROM {live} WHERE id IN ({ids_sql}) "
                f"RETURNING id, {cols}) "
                f"INSERT INTO {audit} ({cols}, task_pk, deletion_id) "
                f"SELECT {cols}, id, %s FROM gone",
                (*ids_params, deletion.pk),
            )
            return cursor.rowcount
        # SQLite has no DELETE in a CTE; its IMMEDIATE transactions (settings)
        # hold the write lock from BEGIN, so nothing changes between the two.
        cursor.execute(
            f"INSERT INTO {audit} ({cols}, task_pk, deletion_id) "
            f"SELECT {cols}, id, %s FROM {live} WHERE id IN ({ids_sql})",
            (deletion.pk, *ids_params),
        )
        cursor.execute(
            f"DELETE FROM {live} WHERE id IN "
            f"(SELECT task_pk FROM {audit} WHERE deletion_id = %s)",
            (deletion.pk,),
        )
        return cursor.rowcount


def _untally_deleted(deletion: Deletion) -> None:
    counts = (
        DeletedTask.objects.filter(deletion=deletion)
        .values_list("service", "category", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    _adjust_tallies(deletion.project_id, {(s, c, st): -n for s, c, st, n in counts})


def _start_deletion(project_id: str, actor: Actor, **details) -> Deletion:
    return Deletion.objects.create(
        project_id=project_id,
        actor=actor.user if getattr(actor.user, "pk", None) else None,
        actor_name=actor.name,
        channel=actor.channel,
        remote_addr=actor.remote_addr,
        **details,
    )


class NothingToDelete(Exception):
    """The task is gone already (deleted by someone else, or never existed here)."""


def delete_task(task_scope: FailedTaskQuerySet, task_pk: int, actor: Actor) -> Deletion:
    """Delete one task found within `task_scope` (a project's, a service's tasks).

    Raises NothingToDelete when it is not there, so a double submit deletes once.
    Running tasks are not deletable: callers scope them out.
    """
    with transaction.atomic():
        task = task_scope.filter(pk=task_pk).select_for_update().first()
        if task is None:
            raise NothingToDelete(task_pk)
        deletion = _start_deletion(
            task.project_id, actor, service=task.service, scope=Scope.ONE, watermark=task.pk
        )
        deleted = _move_to_audit(FailedTask.objects.filter(pk=task.pk), deletion)
        if not deleted:
            raise NothingToDelete(task_pk)  # rolls the audit row back too
        deletion.deleted_count = deleted
        deletion.save(update_fields=["deleted_count"])
        _untally_deleted(deletion)
        return deletion


def watermark_of(tasks: FailedTaskQuerySet) -> int | None:
    """The newest task id a confirmation covers; Delete All goes no further."""
    return tasks.aggregate(newest=Max("id"))["newest"]


def delete_all_seen(
    project: Project,
    tasks: FailedTaskQuerySet,
    watermark: int,
    actor: Actor,
    *,
    service: str = "",
    criteria: dict | None = None,
) -> Deletion:
    """Delete the tasks a Delete All confirmation showed: `tasks` up to `watermark`.

    `tasks` is the scope recomputed on the server (project, service, tab, search);
    a client never sends ids. Tasks recorded after the confirmation opened have
    higher ids and survive; the audit says how many were kept.
    """
    with transaction.atomic():
        deletion = _start_deletion(
            project.pk, actor, service=service, scope=Scope.ALL,
            criteria=criteria or {}, watermark=watermark,
        )
        deletion.deleted_count = _move_to_audit(tasks.filter(id__lte=watermark), deletion)
        deletion.kept_count = tasks.filter(id__gt=watermark).count()
        deletion.save(update_fields=["deleted_count", "kept_count"])
        _untally_deleted(deletion)
        return deletion



# --- Undoing ---------------------------------------------------------------

UNDO_WINDOW = timedelta(minutes=5)


class CannotUndo(Exception):
    """The deletion is too old, was undone already, or was not a console deletion."""


def restore_deletion(deletion: Deletion, actor: Actor) -> int:
    """Put back the tasks a recent deletion removed, from its audit snapshot.

    The snapshot stays (the deletion happened); the deletion is marked restored
    by whom and when. Restored tasks get new ids, above any watermark a Delete All
    confirmation showed before they came back, so such a confirmation cannot take
    them. A job recorded again in the meantime is not duplicated. Returns how
    many tasks came back.
    """
    with transaction.atomic():
        deletion = Deletion.objects.select_for_update().get(pk=deletion.pk)
        if deletion.restored_at or timezone.now() - deletion.created_at > UNDO_WINDOW:
            raise CannotUndo(deletion.pk)
        live, audit, cols = _snapshot_sql_names()
        missing = (
            f"FROM {audit} d WHERE d.deletion_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {live} f WHERE f.project_id = d.project_id AND f.job_id = d.job_id)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT service, category, status, COUNT(*) {missing} "
                f"GROUP BY service, category, status",
                (deletion.pk,),
            )
            counts = {(s, c, st): n for s, c, st, n in cursor.fetchall()}
            cursor.execute(
                f"INSERT INTO {live} ({cols}) SELECT {cols} {missing}",
                (deletion.pk,),
            )
            restored = cursor.rowcount
        _adjust_tallies(deletion.project_id, counts)
        deletion.restored_at = timezone.now()
        deletion.restored_by = actor.user if getattr(actor.user, "pk", None) else None
        deletion.save(update_fields=["restored_at", "restored_by"])
        return restored


# --- Retention -------------------------------------------------------------

def purge_older_than(cutoff, actor: Actor, *, dry_run: bool = False) -> dict[str, int]:
    """Delete failed tasks that failed before `cutoff`, one audited set-based deletion
    per project. Returns {project id: tasks purged (or that would be, with dry_run)}."""
    old = FailedTask.objects.failed().filter(failed_at__lt=cutoff)
    counts = dict(old.values_list("project_id").annotate(n=Count("id")).order_by("project_id"))
    if dry_run:
        return counts
    purged = {}
    for project_id in counts:
        with transaction.atomic():
            tasks = old.filter(project_id=project_id)
            deletion = _start_deletion(
                project_id, actor, scope=Scope.PURGE, watermark=watermark_of(tasks),
                criteria={"failed_before": cutoff.isoformat()},
            )
            deletion.deleted_count = _move_to_audit(tasks.filter(id__lte=deletion.watermark or 0),
                                                    deletion)
            deletion.save(update_fields=["deleted_count"])
            _untally_deleted(deletion)
            purged[project_id] = deletion.deleted_count
    return purged
