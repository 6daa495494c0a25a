"""The audit snapshots are keyed by (deletion, task_pk) instead of a surrogate id.

A snapshot row used to pay a sequence value and two index entries (the id's and
deleted_task_by_deletion's); keyed by what identifies it, it pays one.

Every row is kept. PostgreSQL changes the table in place: the id column and its
index go, and the pair becomes the primary key. SQLite cannot change a primary
key, so there the table is rebuilt: the old one set aside, the new one created
from the model's new state, the rows copied across and the old one dropped.
Going back numbers the rows afresh.
"""

from django.db import migrations, models
from django.db.migrations.operations.base import Operation


class RekeyTable(Operation):
    """Apply `state_operations` to a model (a change of its primary key among them)
    and change its table to match, rows kept."""

    reversible = True

    def __init__(self, model_name, state_operations):
        self.model_name = model_name
        self.state_operations = state_operations

    def deconstruct(self):
        return (self.__class__.__qualname__, [],
                {"model_name": self.model_name, "state_operations": self.state_operations})

    def state_forwards(self, app_label, state):
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._rekey(schema_editor, from_state.apps.get_model(app_label, self.model_name),
                    to_state.apps.get_model(app_label, self.model_name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._rekey(schema_editor, from_state.apps.get_model(app_label, self.model_name),
                    to_state.apps.get_model(app_label, self.model_name))

    def describe(self):
        return f"Change the primary key of {self.model_name}, keeping its rows"

    def _rekey(self, schema_editor, old, new):
        if schema_editor.connection.vendor == "postgresql":
            self._alter_in_place(schema_editor, old, new)
        else:
            self._rebuild(schema_editor, old, new)

    @staticmethod
    def _alter_in_place(schema_editor, old, new):
        table, quote = old._meta.db_table, schema_editor.quote_name
        new_indexes = {index.name for index in new._meta.indexes}
        for index in old._meta.indexes:
            if index.name not in new_indexes:
                schema_editor.remove_index(old, index)
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
        for name, constraint in constraints.items():
            if constraint["primary_key"]:
                schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        new_columns = {field.column for field in new._meta.concrete_fields}
        for field in old._meta.concrete_fields:
            if field.column not in new_columns:
                schema_editor.remove_field(old, field)
        old_columns = {field.column for field in old._meta.concrete_fields}
        for field in new._meta.concrete_fields:
            if field.column not in old_columns:
                schema_editor.add_field(new, field)  # a new id, numbered as it is added
        if new._meta.is_composite_pk:
            columns = ", ".join(quote(field.column) for field in new._meta.pk_fields)
            schema_editor.execute(f"ALTER TABLE {quote(table)} ADD PRIMARY KEY ({columns})")
        old_indexes = {index.name for index in old._meta.indexes}
        for index in new._meta.indexes:
            if index.name not in old_indexes:
                schema_editor.add_index(new, index)

    @staticmethod
    def _rebuild(schema_editor, old, new):
        quote = schema_editor.quote_name
        table = old._meta.db_table
        set_aside = f"{table}__old"
        # Index names belong to the database, not the table: free them for the new one.
        for index in old._meta.indexes:
            schema_editor.remove_index(old, index)
        schema_editor.alter_db_table(old, table, set_aside)
        schema_editor.create_model(new)
        kept = {field.column for field in new._meta.concrete_fields}
        columns = ", ".join(quote(field.column) for field in old._meta.concrete_fields
                            if field.column in kept)
        schema_editor.execute(
            f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {quote(set_aside)}"
        )
        schema_editor.execute(f"DROP TABLE {quote(set_aside)}")


class Migration(migrations.Migration):

    dependencies = [
        ('failedtasks', '0008_name_trigram_per_list'),
    ]

    operations = [
        RekeyTable('deletedtask', [
            migrations.RemoveIndex(
                model_name='deletedtask',
                name='deleted_task_by_deletion',
            ),
            migrations.RemoveField(
                model_name='deletedtask',
                name='id',
            ),
            migrations.AddField(
                model_name='deletedtask',
                name='pk',
                field=models.CompositePrimaryKey('deletion', 'task_pk', blank=True, editable=False, primary_key=True, serialize=False),
            ),
        ]),
    ]
