"""Indexes for the search on SQLite, as migration 0005 made them for PostgreSQL.

FailedTaskQuerySet.matching() finds a task by part of its resource name, the
start of its resource or job id, or its error code, all in any case. On SQLite
each of these is a LIKE, which no index served: every search read every row of
the list it narrowed. Here each gets an index of its own:

- a name fragment: an FTS5 table with the trigram tokenizer over the resource
  names (external content: it stores only its index, the names stay in the
  task table), kept up to date by triggers on every insert, delete and update
  of a task, whatever the statement that makes it;
- an id prefix, an error code: B-trees in the NOCASE collation, the only kind
  SQLite's LIKE optimization can use for a case-insensitive LIKE 'text%'.

matching() reads them for the ids a search may find, and keeps its own filter
beside them, so the results are exactly those of the filter alone.

They exist on SQLite only, and are not part of the models' state: PostgreSQL
has neither FTS5 nor the NOCASE collation. On SQLite, a migration that remakes
the task table (Django copies it into a new one for most column changes) drops
its triggers and these indexes: it must create them again (create_search_index
below), which tests/failedtasks/test_search_index.py checks.
"""

from django.db import migrations

TASKS = "failedtasks_failedtask"
NAME_INDEX = "failedtasks_task_name_search"

# The triggers give the FTS5 table the values it indexed, as an external-content
# table requires to delete them; an update re-indexes only a changed name.
TRIGGERS = {
    f"{NAME_INDEX}_insert": f"""
        CREATE TRIGGER {NAME_INDEX}_insert AFTER INSERT ON {TASKS} BEGIN
            INSERT INTO {NAME_INDEX} (rowid, resource_name) VALUES (new.id, new.resource_name);
        END""",
    f"{NAME_INDEX}_delete": f"""
        CREATE TRIGGER {NAME_INDEX}_delete AFTER DELETE ON {TASKS} BEGIN
            INSERT INTO {NAME_INDEX} ({NAME_INDEX}, rowid, resource_name)
            VALUES ('delete', old.id, old.resource_name);
        END""",
    f"{NAME_INDEX}_update": f"""
        CREATE TRIGGER {NAME_INDEX}_update AFTER UPDATE OF id, resource_name ON {TASKS}
        WHEN old.id IS NOT new.id OR old.resource_name IS NOT new.resource_name BEGIN
            INSERT INTO {NAME_INDEX} ({NAME_INDEX}, rowid, resource_name)
            VALUES ('delete', old.id, old.resource_name);
            INSERT INTO {NAME_INDEX} (rowid, resource_name) VALUES (new.id, new.resource_name);
        END""",
}

# Without the project first: the search collects its candidates across the
# table once, and the list's own index, read in order, keeps the project's.
NOCASE_INDEXES = {
    "task_resource_id_nocase": "resource_id",
    "task_job_id_nocase": "job_id",
    "task_error_code_nocase": "error_code",
}


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    execute = schema_editor.execute
    execute(f"CREATE VIRTUAL TABLE {NAME_INDEX} USING fts5(resource_name, "
            f"content='{TASKS}', content_rowid='id', tokenize='trigram')")
    for sql in TRIGGERS.values():
        execute(sql)
    # The names already there, in one pass; then merged into one segment.
    execute(f"INSERT INTO {NAME_INDEX} ({NAME_INDEX}) VALUES ('rebuild')")
    execute(f"INSERT INTO {NAME_INDEX} ({NAME_INDEX}) VALUES ('optimize')")
    for name, column in NOCASE_INDEXES.items():
        execute(f"CREATE INDEX {name} ON {TASKS} ({column} COLLATE NOCASE)")


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in NOCASE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {NAME_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('failedtasks', '0007_tally_error_codes'),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
