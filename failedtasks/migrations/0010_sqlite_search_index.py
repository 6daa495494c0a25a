"""The search's indexes on SQLite (failedtasks/search_index.py says what they are):
a trigram FTS5 table of the resource names kept by triggers, and NOCASE B-trees
for the id prefixes and error codes. Nothing on PostgreSQL, which has its own
(migration 0005)."""

from django.db import migrations

from failedtasks import search_index


def create_search_index(apps, schema_editor):
    search_index.create(schema_editor.connection)


def drop_search_index(apps, schema_editor):
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('failedtasks', '0009_deleted_task_keyed_by_deletion'),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
