"""Serializer fields the API faces share, each described exactly in the schema
(console.lib.openapi) by what it accepts."""

import re

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
