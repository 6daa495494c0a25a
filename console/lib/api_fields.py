"""Serializer fields the API faces share, each described exactly in the schema
(console.lib.openapi) by what it accepts, and the shape of the items they answer."""

import re

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class PatternField(serializers.CharField):
    """Text that matches a pattern as a whole. Not DRF's RegexField: its search()
    lets "$" match before a final line break, which the schema's regex does not."""

    def __init__(self, pattern: str, **kwargs):
        self.pattern = pattern
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.fullmatch(self.pattern, value):
            raise serializers.ValidationError("This value does not match the required pattern.")
        return value

    @property
    def openapi_pattern(self) -> str:
        return f"^(?:{self.pattern})$"


class JSONIntegerField(serializers.IntegerField):
    """An integer as JSON Schema means it: a JSON number without a fractional part
    (12 or 12.0), never a string ("12") or a boolean, which DRF's own would take."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(int(data))


class ItemShape:
    """One item of a face's answer, its fields defined once: the function that builds
    an item from a values() row and the serializer that describes it in the schema
    both come from one mapping of output name -> (serializer field, source), where the
    source is a values() column copied as it is ("column"), a key of a JSON column
    ("column.key", "" when absent), a database expression whose value is copied as it
    is (a time the database writes as text, say), or a function of the row. A whole
    answer (a page of items and what comes with them) is shaped the same way, from a
    dict of its parts.

    The items are built by plain dict look-ups, not by a Serializer per row: a page
    of a thousand rows costs what a hand-written function costs. values() reads
    what the item needs: its columns, its expressions, and the columns its
    functions read (`reads`).
    """

    def __init__(self, component_name: str, fields: dict, reads: tuple[str, ...] = ()):
        self.serializer = inline_serializer(
            component_name, {name: field for name, (field, _source) in fields.items()})
        # One dict display, as a hand-written function would build it: a loop over
        # the fields per row would cost a fifth more.
        functions, entries, columns, self.expressions = {}, [], list(reads), {}
        self._in_python = {}  # alias -> (source field, the expression's Python equivalent)
        for name, (_field, source) in fields.items():
            if isinstance(source, str) and "." in source:  # a key of a JSON column
                column, key = source.split(".", 1)
                columns.append(column)
                entries.append(f"{name!r}: (row[{column!r}] or {{}}).get({key!r}, '')")
            elif isinstance(source, str):
                columns.append(source)
                entries.append(f"{name!r}: row[{source!r}]")
            elif hasattr(source, "resolve_expression"):
                # Under a name no model field has, so that it may be any field's value.
                alias = f"{name}_shown"
                self.expressions[alias] = source
                if hasattr(source, "in_python") and source.source_name:
                    self._in_python[alias] = (source.source_name, source.in_python)
                entries.append(f"{name!r}: row[{alias!r}]")
            else:
                functions[f"compute_{len(functions)}"] = source
                entries.append(f"{name!r}: compute_{len(functions) - 1}(row)")
        self.columns = tuple(dict.fromkeys(columns))
        self._build = eval(f"lambda row: {{{', '.join(entries)}}}", functions)

    def __call__(self, row: dict) -> dict:
        return self._build(row)

    def items(self, rows) -> list[dict]:
        """An item per row, the build function mapped straight over them."""
        return list(map(self._build, rows))

    def of_instance(self, instance) -> dict:
        """The item of one model instance already read (a row just written, say), its
        expressions computed in Python as the database would write them."""
        row = {name: instance.serializable_value(name) for name in self.columns}
        if len(self._in_python) != len(self.expressions):
            raise TypeError("an expression of this item has no Python equivalent")
        for alias, (source, in_python) in self._in_python.items():
            row[alias] = in_python(getattr(instance, source))
        return self._build(row)

    def values(self, queryset, **also):
        """The queryset's rows as this item reads them, with the expressions `also` names."""
        return queryset.values(*self.columns, **self.expressions, **also)

    def many(self) -> serializers.Serializer:
        """The schema of a list of items."""
        return self.serializer.__class__(many=True)
