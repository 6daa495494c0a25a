"""Moving a test database through its migrations, for the tests that check one keeps
every row."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
