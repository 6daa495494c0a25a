"""Every change to failed tasks: recording, deleting, restoring. Changes only:
reads live on the models' querysets, and who acts arrives as an Actor that the
caller built (failedtasks.actors); nothing here reads a request.

The console views, the three API faces, the admin and the management commands
all call these functions, so each rule lives once: deletions are audited with a
snapshot of every task, the tallies behind the counter move in the same
transaction as the rows they count, and every bulk deletion follows one
protocol (docs/deletion-guarantee.md):

- every recording stamps the task with the project's next revision, handed out
  under a row lock held until commit, so revisions commit in order;
- a listing or confirmation reads the project's revision first: its watermark;
- Delete All removes only tasks in its scope still stamped at or below that
  watermark. A task recorded later, or recorded again later (a running
  creation that has since failed), carries a higher revision and survives.
"""

import contextlib
import functools
import sys
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from console.lib.prepared import prepared_cursor
from console.tenancy.models import Project
from failedtasks.actors import Actor
from failedtasks.models import (
    DeletedTask,
    Deletion,
    FailedTask,
    FailedTaskQuerySet,
    ProjectRevision,
    Scope,
    TaskStatus,
    TaskTally,
    category_for,
)
from failedtasks.signals import failure_recorded

TallyKey = tuple[str, str, str, str]  # (service, category, status, error_code)


def _adjust_tallies(project_id: str, deltas: dict[TallyKey, int]) -> None:
    """Move the tallies by `deltas`: one upsert raises, one UPDATE lowers.

    Keys go in sorted order, so two transactions lock shared rows in one order.
    A lowered tally always exists already (its tasks were counted into it).
    """
    table = connection.ops.quote_name(TaskTally._meta.db_table)
    raised = sorted((key, n) for key, n in deltas.items() if n > 0)
    lowered = sorted((key, -n) for key, n in deltas.items() if n < 0)
    with prepared_cursor() as cursor:
        if raised:
            cursor.execute(
                f"INSERT INTO {table} (project_id, service, category, status, error_code, count) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(raised))
                + " ON CONFLICT (project_id, service, category, status, error_code) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                [v for key, n in raised for v in (project_id, *key, n)],
            )
        if lowered:
            matches = "service = %s AND category = %s AND status = %s AND error_code = %s"
            cases = " ".join([f"WHEN {matches} THEN %s"] * len(lowered))
            keys = " OR ".join([f"({matches})"] * len(lowered))
            cursor.execute(
                f"UPDATE {table} SET count = count - CASE {cases} ELSE 0 END "
                f"WHERE project_id = %s AND ({keys})",
                [v for key, n in lowered for v in (*key, n)]
                + [project_id] + [v for key, _n in lowered for v in key],
            )


# The columns of a tally's key, in TallyKey's order, for the raw SQL that counts them.
_TALLIED = "service, category, status, error_code"


def _tally_counts(cursor) -> dict[TallyKey, int]:
    """{key: n} from the rows of a `SELECT {_TALLIED}, COUNT(*) ... GROUP BY` query."""
    return {(s, c, st, code): n for s, c, st, code, n in cursor.fetchall()}


def take_revision(project_id: str) -> int:
    """Hand out the project's next revision, for a change to its tasks.

    The project's ProjectRevision row stays locked until the caller's
    transaction commits, so a second change of the same project waits: the
    revisions of one project commit in the order they were handed out, and a
    listing that reads revision W has every change stamped W or lower in view.
    Take it last in the transaction, after writing the tasks (stamped
    UNSTAMPED until then) and the tallies: every writer then locks in one order
    (tasks, then tallies, then the revision), and the project's changes queue
    on this row only for the moment between taking it and committing.
    """
    table = connection.ops.quote_name(ProjectRevision._meta.db_table)
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, revision) VALUES (%s, 1) "
            f"ON CONFLICT (project_id) DO UPDATE SET revision = {table}.revision + 1 "
            f"RETURNING revision",
            [project_id],
        )
        return cursor.fetchone()[0]


# The revision of a task written in the current transaction before its revision
# is taken. Never committed: every change stamps its rows before it commits.
UNSTAMPED = -1


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
            for row in tasks.values("project_id", "service", "category", "status", "error_code")
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
    task whose status moves, with the tallies moving with it; either way the
    task takes a new revision, so no confirmation opened before covers it.

    Every client of a project records through its one revision row, so the
    revision is taken last, with the task's tally and its stamp in one statement
    on PostgreSQL: the row is held for that statement, the signal's receivers
    and the commit. When the recording is a transaction of its own, these go to
    the server together (psycopg's pipeline mode), not one round trip each, so
    the row is held for the server's work alone. Raw SQL: the hottest write path.
    """
    fields = {name: value for name, value in fields.items() if name in RECORDED_FIELDS}
    fields.setdefault("status", TaskStatus.FAIL)
    fields.setdefault("failed_at", timezone.now())
    fields["category"] = category_for(
        fields.get("failure_status", ""), fields.get("job_type", ""), fields["status"]
    )
    fields["service"] = service
    # Pipelined only as a transaction of its own: inside another one (a savepoint),
    # an error that surfaced later than it happened could not be rolled back to it.
    pipelined = connection.vendor == "postgresql" and not connection.in_atomic_block
    with contextlib.ExitStack() as pipeline, prepared_cursor() as stamp:
        with transaction.atomic():
            task_pk, before, after = _store_task(project.pk, job_id, fields)
            if before is not None and before != after:
                # Lowered and raised in key order, as every recording moves them:
                # two recordings moving opposite ways cannot deadlock.
                for key in sorted((before, after)):
                    _adjust_tallies(project.pk, {key: 1 if key == after else -1})
            if pipelined:  # from the stamp to the COMMIT (the end of this block)
                pipeline.enter_context(connection.connection.pipeline())
            try:
                stored_row = _stamp_task(stamp, project.pk, task_pk,
                                         counted=after if before is None else None)
                recorded = FailedTask(pk=task_pk, project_id=project.pk, job_id=job_id, **fields)
                failure_recorded.send(FailedTask, task=recorded, newly_failed=(
                    after[2] == TaskStatus.FAIL and (before is None or before[2] != TaskStatus.FAIL)))
            except BaseException:
                # Out of the pipeline before the transaction rolls back (and perhaps drops
                # the connection): errors on the way out are psycopg's to log.
                pipeline.__exit__(*sys.exc_info())
                raise
        return _task_from_row(stored_row()), before is None


_TASK_FIELDS = [f for f in FailedTask._meta.concrete_fields if f.name != "id"]
_FIELD_NAMED = {f.name: f for f in _TASK_FIELDS}


@functools.cache
def _recording_sql(vendor: str) -> dict[str, str]:
    """The statements of a recording, written once per database (this is the
    hot path: no query is built per request)."""
    quote = connection.ops.quote_name
    live = quote(FailedTask._meta.db_table)
    revisions = quote(ProjectRevision._meta.db_table)
    tallies = quote(TaskTally._meta.db_table)
    row = ", ".join(f"{live}.{quote(f.column)}" for f in FailedTask._meta.concrete_fields)
    revised = (
        f"revised AS (INSERT INTO {revisions} (project_id, revision) SELECT %s, 1{{source}} "
        f"ON CONFLICT (project_id) DO UPDATE SET revision = {revisions}.revision + 1 "
        "RETURNING revision) "
        f"UPDATE {live} SET revision = revised.revision FROM revised WHERE {live}.id = %s "
        f"RETURNING {row}"
    )
    return {
        "insert": (
            f"INSERT INTO {live} ({', '.join(quote(f.column) for f in _TASK_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(_TASK_FIELDS))}) "
            f"ON CONFLICT (project_id, job_id) DO NOTHING RETURNING id, {_TALLIED}"
        ),
        "existing": (
            f"SELECT id, {_TALLIED} FROM {live} WHERE project_id = %s AND job_id = %s"
            + (" FOR UPDATE" if connection.features.has_select_for_update else "")
        ),
        "update": f"UPDATE {live} SET {{columns}} WHERE id = %s RETURNING {_TALLIED}",
        # PostgreSQL: one statement counts the task into its tally, then (reading
        # the tally's answer, so in this order) takes the revision and stamps it.
        "count_and_stamp": (
            f"WITH counted AS (INSERT INTO {tallies} (project_id, {_TALLIED}, count) "
            "VALUES (%s, %s, %s, %s, %s, 1) "
            f"ON CONFLICT (project_id, {_TALLIED}) DO UPDATE SET count = {tallies}.count + 1 "
            "RETURNING 1), " + revised.format(source=" FROM counted")
        ),
        "stamp": "WITH " + revised.format(source=""),
        # Elsewhere the revision comes from take_revision().
        "set_revision": f"UPDATE {live} SET revision = %s WHERE id = %s RETURNING {row}",
    }


def _store_task(project_id: str, job_id: str, fields: dict) -> tuple[int, TallyKey | None, TallyKey]:
    """Insert the task (UNSTAMPED), or update the one with this job id.

    Returns (its pk, its tally key before or None when new, its tally key now).
    Two first reports of one job: the second's insert waits for the first to
    commit, finds its row and updates it.
    """
    sql = _recording_sql(connection.vendor)
    given = {"project": project_id, "job_id": job_id, "revision": UNSTAMPED, **fields}
    with prepared_cursor() as cursor:
        while True:
            cursor.execute(sql["insert"], [
                f.get_db_prep_save(given[f.name] if f.name in given else f.get_default(), connection)
                for f in _TASK_FIELDS
            ])
            inserted = cursor.fetchone()
            if inserted is not None:
                return inserted[0], None, tuple(inserted[1:])
            cursor.execute(sql["existing"], [project_id, job_id])
            existing = cursor.fetchone()
            if existing is None:
                continue  # deleted since the insert found it: insert it after all
            changed = [_FIELD_NAMED[name] for name in fields]
            cursor.execute(
                sql["update"].format(columns=", ".join(
                    f"{connection.ops.quote_name(f.column)} = %s" for f in changed)),
                [f.get_db_prep_save(fields[f.name], connection) for f in changed] + [existing[0]],
            )
            return existing[0], tuple(existing[1:]), tuple(cursor.fetchone())


def _stamp_task(cursor, project_id: str, task_pk: int,
                counted: TallyKey | None = None) -> Callable[[], tuple]:
    """Count the task into the tally `counted` (if any), take the project's next
    revision and stamp it on the task: the revision lock, last. Returns what reads
    the task's row as stored: after the commit on PostgreSQL (pipelined); SQLite's
    is read at once, as SQLite ends no transaction under an unread answer."""
    sql = _recording_sql(connection.vendor)
    if connection.vendor != "postgresql":
        if counted is not None:
            _adjust_tallies(project_id, {counted: 1})
        cursor.execute(sql["set_revision"], [take_revision(project_id), task_pk])
        row = cursor.fetchone()
        return lambda: row
    if counted is not None:
        cursor.execute(sql["count_and_stamp"], [project_id, *counted, project_id, task_pk])
    else:
        cursor.execute(sql["stamp"], [project_id, task_pk])
    return cursor.fetchone


def _task_from_row(row: tuple) -> FailedTask:
    """A FailedTask from a row of all its columns, converted as the ORM reads them."""
    values = list(row)
    for index, column in _converted_columns(connection.vendor):
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            values[index] = convert(values[index], column, connection)
    return FailedTask.from_db(connection.alias, _ATTNAMES, values)


_ATTNAMES = [f.attname for f in FailedTask._meta.concrete_fields]


@functools.cache
def _converted_columns(vendor: str) -> list:
    """The columns the ORM converts as it reads them on this database (a JSON
    column, say), found once: the converters themselves are the connection's."""
    columns = [f.get_col(FailedTask._meta.db_table) for f in FailedTask._meta.concrete_fields]
    return [(index, column) for index, column in enumerate(columns)
            if connection.ops.get_db_converters(column) + column.get_db_converters(connection)]


# --- Deleting --------------------------------------------------------------

_SNAPSHOT_COLUMNS = [
    f.column for f in FailedTask._meta.concrete_fields if f.name not in ("id", "revision")
]  # every TaskFields column plus project_id


def _snapshot_sql_names() -> tuple[str, str, str]:
    """The live table, the audit table and their shared columns, quoted for raw SQL."""
    quote = connection.ops.quote_name
    return (quote(FailedTask._meta.db_table), quote(DeletedTask._meta.db_table),
            ", ".join(quote(column) for column in _SNAPSHOT_COLUMNS))


def _move_to_audit(tasks: FailedTaskQuerySet, deletion: Deletion, watermark: int) -> dict:
    """Delete `tasks` still at or below `watermark`, snapshotting each into the audit.

    Set-based, whatever the number of rows. Returns how many were deleted per
    (service, category, status, error_code), for the tallies. Exactly the rows deleted are
    snapshotted, even when another deletion races this one for the same rows.
    """
    live, audit, cols = _snapshot_sql_names()
    where, params = _where_of(tasks.filter(revision__lte=watermark))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the rows DELETE really removed are the rows snapshotted
            # and the rows counted. A data-modifying WITH always runs to completion,
            # so the INSERT need not hand its rows on: they are counted from the DELETE.
            cursor.execute(
                f"WITH gone AS (DELETE FROM {live} WHERE {where} RETURNING id, {cols}), "
                f"saved AS (INSERT INTO {audit} ({cols}, task_pk, deletion_id) "
                f"SELECT {cols}, id, %s FROM gone) "
                f"SELECT {_TALLIED}, COUNT(*) FROM gone GROUP BY {_TALLIED}",
                (*params, deletion.pk),
            )
            return _tally_counts(cursor)
        # SQLite has no DELETE in a CTE; its IMMEDIATE transactions (settings)
        # hold the write lock from BEGIN, so nothing changes between the three.
        cursor.execute(
            f"INSERT INTO {audit} ({cols}, task_pk, deletion_id) "
            f"SELECT {cols}, id, %s FROM {live} WHERE {where}",
            (deletion.pk, *params),
        )
        cursor.execute(
            f"DELETE FROM {live} WHERE id IN "
            f"(SELECT task_pk FROM {audit} WHERE deletion_id = %s)",
            (deletion.pk,),
        )
        cursor.execute(
            f"SELECT {_TALLIED}, COUNT(*) FROM {audit} WHERE deletion_id = %s "
            f"GROUP BY {_TALLIED}",
            (deletion.pk,),
        )
        return _tally_counts(cursor)


def _where_of(tasks: FailedTaskQuerySet) -> tuple[str, tuple]:
    """The WHERE clause of a queryset over the live table alone, for raw DELETEs.

    Deleting by the scope's own conditions, rather than `id IN (its ids)`,
    spares PostgreSQL a join of the table with itself; and the conditions are
    re-checked on a row that another transaction changed meanwhile.
    """
    query = tasks.query
    if sum(1 for count in query.alias_refcount.values() if count) > 1:  # no scope joins today
        raise ValueError("a deletion scope must filter failed tasks alone")
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.where)
    return sql or "1 = 1", tuple(params)


def _untally(project_id: str, deleted: dict) -> None:
    _adjust_tallies(project_id, {key: -n for key, n in deleted.items()})


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


def delete_task(
    task_scope: FailedTaskQuerySet, task_pk: int, actor: Actor, *, watermark: int | None = None
) -> Deletion:
    """Delete one task found within `task_scope` (a project's, a service's tasks).

    With `watermark` (the revision its confirmation showed), a task recorded
    again since is not deleted. Raises NothingToDelete when the task is not
    there (or changed), so a double submit deletes once. Running tasks are not
    deletable: callers scope them out.
    """
    with transaction.atomic():
        scope = task_scope if watermark is None else task_scope.seen_at(watermark)
        task = scope.filter(pk=task_pk).select_for_update().first()
        if task is None:
            raise NothingToDelete(task_pk)
        deletion = _start_deletion(
            task.project_id, actor, service=task.service, scope=Scope.ONE,
            watermark=task.revision,
        )
        deleted = _move_to_audit(FailedTask.objects.filter(pk=task.pk), deletion, task.revision)
        if not deleted:
            raise NothingToDelete(task_pk)  # rolls the audit row back too
        deletion.deleted_count = sum(deleted.values())
        deletion.save(update_fields=["deleted_count"])
        _untally(task.project_id, deleted)
        return deletion


def delete_all_seen(
    project: Project,
    tasks: FailedTaskQuerySet,
    watermark: int,
    actor: Actor,
    *,
    service: str = "",
    criteria: dict | None = None,
) -> Deletion:
    """Delete the tasks a listing or confirmation showed: `tasks` as of `watermark`.

    `tasks` is the scope recomputed on the server (project, service, tab,
    search); a client never sends ids. `watermark` is the project revision the
    listing read (ProjectRevision.objects.current, before reading its rows).
    Tasks recorded, or recorded again, after that have higher revisions and
    survive; the audit says how many of the scope were kept.
    """
    with transaction.atomic():
        deletion = _start_deletion(
            project.pk, actor, service=service, scope=Scope.ALL,
            criteria=criteria or {}, watermark=watermark,
        )
        deleted = _move_to_audit(tasks, deletion, watermark)
        deletion.deleted_count = sum(deleted.values())
        deletion.kept_count = tasks.changed_since(watermark).count()
        deletion.save(update_fields=["deleted_count", "kept_count"])
        _untally(project.pk, deleted)
        return deletion


def delete_all_now(
    project: Project, tasks: FailedTaskQuerySet, actor: Actor, *,
    service: str = "", criteria: dict | None = None,
) -> Deletion | None:
    """Delete All for a door with no confirmation (the KPS and SDRS batch deletes):
    its listing is the request itself, so the watermark is the revision now.
    Returns None, and audits nothing, when the scope holds no task."""
    watermark = ProjectRevision.objects.current(project.pk)
    if not tasks.seen_at(watermark).exists():
        return None
    return delete_all_seen(project, tasks, watermark, actor, service=service, criteria=criteria)


# --- Undoing ---------------------------------------------------------------

UNDO_WINDOW = timedelta(minutes=5)


class CannotUndo(Exception):
    """The deletion is too old, was undone already, or was not a console deletion."""


def restore_deletion(deletion: Deletion, actor: Actor) -> int:
    """Put back the tasks a recent deletion removed, from its audit snapshot.

    The snapshot stays (the deletion happened); the deletion is marked restored
    by whom and when. Restored tasks take a new revision, above any watermark
    a confirmation showed before they came back, so such a confirmation cannot
    take them. A job recorded again in the meantime is not duplicated: its
    row (the job id is unique in a project) orders this against any recording
    of the same job, and the recording's report wins.
    Returns how many tasks came back.
    """
    with transaction.atomic():
        deletion = Deletion.objects.select_for_update().get(pk=deletion.pk)
        if deletion.restored_at or timezone.now() - deletion.created_at > UNDO_WINDOW:
            raise CannotUndo(deletion.pk)
        live, audit, cols = _snapshot_sql_names()
        with connection.cursor() as cursor:
            # The tasks first and the revision last, in the order every writer
            # locks: a job recorded again meanwhile keeps its row (the insert
            # waits for that recording to commit, then skips the job).
            cursor.execute(
                f"INSERT INTO {live} ({cols}, revision) SELECT {cols}, %s FROM {audit} "
                f"WHERE deletion_id = %s ON CONFLICT (project_id, job_id) DO NOTHING",
                (UNSTAMPED, deletion.pk),
            )
            restored = cursor.rowcount
            unstamped = f"FROM {live} WHERE project_id = %s AND revision = %s"
            cursor.execute(f"SELECT {_TALLIED}, COUNT(*) {unstamped} GROUP BY {_TALLIED}",
                           (deletion.project_id, UNSTAMPED))
            _adjust_tallies(deletion.project_id, _tally_counts(cursor))
            cursor.execute(f"UPDATE {live} SET revision = %s WHERE project_id = %s AND revision = %s",
                           (take_revision(deletion.project_id), deletion.project_id, UNSTAMPED))
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
            watermark = ProjectRevision.objects.current(project_id)
            deletion = _start_deletion(
                project_id, actor, scope=Scope.PURGE, watermark=watermark,
                criteria={"failed_before": cutoff.isoformat()},
            )
            deleted = _move_to_audit(old.filter(project_id=project_id), deletion, watermark)
            deletion.deleted_count = sum(deleted.values())
            deletion.save(update_fields=["deleted_count"])
            _untally(project_id, deleted)
            purged[project_id] = deletion.deleted_count
    return purged
