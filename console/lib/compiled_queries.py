"""A queryset's SQL compiled once per shape, then run with each request's values.

Building a queryset and compiling it to SQL costs Django more than running it
does for a page of ten rows: on the Failed Tasks list, about 1.1 ms of the 1.8 ms
its rows took. A list whose filters have the same shape on every request (the
same fields compared, only the values differ) compiles to the same SQL with other
parameters. So the query is built once per shape with a marker in place of each
value, compiled, and the markers are found among the compiled parameters; later
requests put their values where the markers were and send the same SQL, as a
prepared statement (console.lib.prepared). The rows become model instances as
Django's own iterator makes them: the same columns, converters and annotations.

The query itself stays written once, with the ORM: what is cached is only its
compiled form, and a value that the ORM would not pass through unchanged (one it
wraps in a pattern, or writes into the SQL) leaves that shape uncached.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

from console.lib.prepared import prepared_cursor

_shapes: dict[tuple, "_Compiled | None"] = {}  # None: a shape that cannot be cached


def run_compiled(shape: tuple, build: Callable[[dict], QuerySet], values: dict[str, str]) -> list:
    """The model instances `build(values)` would give, its SQL compiled once per
    `shape`. `shape` names everything about the query but `values` (which fields
    are compared, the slice, the ordering); `values` are strings passed as
    parameters."""
    key = (connection.vendor, *shape)
    if key not in _shapes:
        _shapes[key] = _Compiled.of(build({name: _marker(name) for name in values}), list(values))
    compiled = _shapes[key]
    if compiled is None:
        return list(build(values))
    return compiled.run(values)


def _marker(name: str) -> str:
    return f"\x1fcompiled-query-value:{name}\x1f"


class _Compiled:
    """The SQL of one shape, where its values go among the parameters, and what
    Django's ModelIterable reads off the compiler to make instances of the rows."""

    def __init__(self, model, sql, params, slots, select, klass_info, annotation_col_map):
        self.model, self.sql, self.params, self.slots = model, sql, params, slots
        start = klass_info["select_fields"][0]
        stop = klass_info["select_fields"][-1] + 1
        self.fields = slice(start, stop)
        self.attnames = [column[0].target.attname for column in select[start:stop]]
        self.expressions = [column[0] for column in select]
        self.annotations = annotation_col_map

    @classmethod
    def of(cls, queryset: QuerySet, names: list[str]) -> "_Compiled | None":
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        markers = {_marker(name): name for name in names}
        slots = [markers.get(param) if isinstance(param, str) else None for param in params]
        written_in = [param for param in params
                      if isinstance(param, str) and param not in markers
                      and any(marker in param for marker in markers)]
        if (written_in or any(marker in sql for marker in markers)
                or set(slots) - {None} != set(names)
                or compiler.klass_info is None or compiler.klass_info.get("related_klass_infos")):
            return None  # a value changed on its way, or instances of more than one model
        return cls(queryset.model, sql, list(params), slots, compiler.select,
                   compiler.klass_info, compiler.annotation_col_map or {})

    def run(self, values: dict[str, str]) -> list:
        params = [values[slot] if slot else param for slot, param in zip(self.slots, self.params)]
        with prepared_cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        converters = [
            (index, functions, expression)
            for index, expression in enumerate(self.expressions)
            if (functions := connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection))
        ]
        instances = []
        for row in rows:
            row = list(row)
            for index, functions, expression in converters:
                for convert in functions:
                    row[index] = convert(row[index], expression, connection)
            instance = self.model.from_db(connection.alias, self.attnames, row[self.fields])
            for name, index in self.annotations.items():
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances
