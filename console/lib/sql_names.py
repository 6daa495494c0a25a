"""Names of tables and columns, quoted for the database, for the few statements
written as SQL (hot paths where building the query with the ORM costs more than
running it)."""

from django.db import connection


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, field_name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field_name).column)
