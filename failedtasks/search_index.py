"""The search's indexes on SQLite, as migration 0005 makes PostgreSQL's.

FailedTaskQuerySet.matching() finds a task by part of its resource name, the
start of its resource or job id, or its error code, all in any case. On SQLite
each of these is a LIKE, which no ordinary index serves. Here each gets one:

- a name fragment: an FTS5 table with the trigram tokenizer over the resource
  names (external content: it stores only its index, the names stay in the
  task table), kept up to date by triggers on every insert, delete and update
  of a task, whatever the statement that makes it;
- an id prefix, an error code: B-trees in the NOCASE collation, the only kind
  SQLite's LIKE optimization can use for a case-insensitive LIKE 'text%'.

Migration 0010 creates them. They are not part of the models' state:
PostgreSQL has neither FTS5 nor the NOCASE collation. A later migration that
copies the task table into a new one (Django does so on SQLite for most column
and constraint changes) drops the triggers and the B-trees with the old table;
restore() puts them back after every migrate.
"""

from django.db import connections, transaction

TASKS = "failedtasks_failedtask"
NAME_SEARCH_TABLE = "failedtasks_task_name_search"

# The triggers give the FTS5 table the values it indexed, as an external-content
# table requires to delete them; an update re-indexes only a changed name.
TRIGGERS = {
    f"{NAME_SEARCH_TABLE}_insert": f"""
        CREATE TRIGGER {NAME_SEARCH_TABLE}_insert AFTER INSERT ON {TASKS} BEGIN
            INSERT INTO {NAME_SEARCH_TABLE} (rowid, resource_name)
            VALUES (new.id, new.resource_name);
        END""",
    f"{NAME_SEARCH_TABLE}_delete": f"""
        CREATE TRIGGER {NAME_SEARCH_TABLE}_delete AFTER DELETE ON {TASKS} BEGIN
            INSERT INTO {NAME_SEARCH_TABLE} ({NAME_SEARCH_TABLE}, rowid, resource_name)
            VALUES ('delete', old.id, old.resource_name);
        END""",
    f"{NAME_SEARCH_TABLE}_update": f"""
        CREATE TRIGGER {NAME_SEARCH_TABLE}_update AFTER UPDATE OF id, resource_name ON {TASKS}
        WHEN old.id IS NOT new.id OR old.resource_name IS NOT new.resource_name BEGIN
            INSERT INTO {NAME_SEARCH_TABLE} ({NAME_SEARCH_TABLE}, rowid, resource_name)
            VALUES ('delete', old.id, old.resource_name);
            INSERT INTO {NAME_SEARCH_TABLE} (rowid, resource_name)
            VALUES (new.id, new.resource_name);
        END""",
}

# Without the project first: the search collects its candidates across the
# table once, and the list's own index, read in order, keeps the project's.
NOCASE_INDEXES = {
    "task_resource_id_nocase": "resource_id",
    "task_job_id_nocase": "job_id",
    "task_error_code_nocase": "error_code",
}


def _names(cursor, kind: str) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = %s", [kind])
    return {name for (name,) in cursor.fetchall()}


def _index_every_name(cursor) -> None:
    """Index the names the table holds now, in one pass; merged into one segment."""
    cursor.execute(f"INSERT INTO {NAME_SEARCH_TABLE} ({NAME_SEARCH_TABLE}) VALUES ('rebuild')")
    cursor.execute(f"INSERT INTO {NAME_SEARCH_TABLE} ({NAME_SEARCH_TABLE}) VALUES ('optimize')")


def _add_missing(cursor) -> bool:
    """Create the triggers and B-trees that are missing; True when a trigger was."""
    triggers = _names(cursor, "trigger")
    for name, sql in TRIGGERS.items():
        if name not in triggers:
            cursor.execute(sql)
    for name, column in NOCASE_INDEXES.items():
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TASKS} ({column} COLLATE NOCASE)")
    return not set(TRIGGERS) <= triggers


def create(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # columnsize=0: no row of name lengths beside each task (they serve ranking,
        # which the search does not do), one write less per recording and deletion.
        cursor.execute(f"CREATE VIRTUAL TABLE {NAME_SEARCH_TABLE} USING fts5(resource_name, "
                       f"content='{TASKS}', content_rowid='id', tokenize='trigram', columnsize=0)")
        _add_missing(cursor)
        _index_every_name(cursor)


def drop(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in NOCASE_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {NAME_SEARCH_TABLE}")


def restore(connection) -> None:
    """Put back what a migration that copied the task table dropped: the B-trees,
    and the triggers, with the names changed while they were missing indexed
    again. Nothing to do before migration 0010, or when nothing is missing."""
    if connection.vendor != "sqlite":
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if NAME_SEARCH_TABLE not in _names(cursor, "table"):
            return
        if _add_missing(cursor):
            _index_every_name(cursor)


def restore_after_migrate(using: str, **_signal_kwargs) -> None:
    restore(connections[using])
