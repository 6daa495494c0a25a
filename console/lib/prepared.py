"""Hand-written hot statements that PostgreSQL plans once per connection.

Django sends a query with its parameters bound on this side, so PostgreSQL parses
and plans every one anew. For the few statements written as SQL because every poll
or every recording runs them (console.lib.sql_names), planning costs as much as
running them: a prepared_cursor() sends them with their parameters apart, and
psycopg prepares each statement the first time a connection runs it (the
settings set its prepare_threshold to 0; Django's own cursors bind parameters
on this side and are never prepared). The pool
keeps connections, so a statement is planned about once per pooled connection.

DB_PREPARED_STATEMENTS=false turns it off, for a pooler between the console and
PostgreSQL that does not keep prepared statements (PgBouncer before 1.21 in
transaction mode). On SQLite it is a plain cursor.
"""

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.backends.utils import CursorWrapper


def prepared_cursor():
    """A cursor whose statements PostgreSQL prepares (psycopg keeps them per connection)."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.ensure_connection()
    psycopg_connection = connection.connection
    default = psycopg_connection.cursor_factory
    # With the deadline every cursor keeps, where console.database_timeouts set one.
    psycopg_connection.cursor_factory = getattr(
        psycopg_connection, "prepared_cursor_factory", ServerBindingCursor)
    try:
        cursor = connection.cursor()  # Django's own cursor set-up, on this class
    finally:
        psycopg_connection.cursor_factory = default
    if isinstance(cursor, CursorDebugWrapper):  # queries logged (DEBUG, tests counting them)
        return _LoggedWithValues(cursor.cursor, connection)
    return cursor


class _LoggedWithValues(CursorDebugWrapper):
    """Logs a prepared statement with its values in place, as Django logs its own
    queries: psycopg keeps no such text of a statement whose values went apart."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)
