"""Query parameters of the API faces, each rule declared once.

A face declares its query as a QueryParameters serializer of the fields below.
The same declaration validates the request (a 400 in the face's error body when
a parameter is malformed, naming the first one in declaration order) and
describes each parameter in the OpenAPI schema (drf-spectacular explodes the
serializer into query parameters, each field giving its own schema), so what the
schema promises and what the server accepts cannot drift apart.
"""

import re
from datetime import datetime
from datetime import timezone as dt_timezone

from django.utils.dateparse import parse_datetime
from drf_spectacular.drainage import set_override
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

# DRF refuses NUL in every text field; parameters and the schema say the same.
NO_NUL = "^[^\\u0000]*$"


class QueryField(serializers.Field):
    """One query parameter. Absent, it takes its default; present, even empty, it is
    validated (DRF's own fields would take an empty value for an absent one)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)
        set_override(self, "field", self.openapi_schema)  # how drf-spectacular describes it

    @property
    def openapi_schema(self) -> dict:
        raise NotImplementedError

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)  # the last value, if repeated

    def to_representation(self, value):
        return value


class WholeNumberField(QueryField):
    """A whole number in [low, high], written in ASCII digits."""

    def __init__(self, *, low: int, high: int, default: int, **kwargs):
        self.low, self.high = low, high
        kwargs.setdefault("help_text", f"{low} to {high}, default {default}.")
        super().__init__(default=default, **kwargs)

    @property
    def openapi_schema(self) -> dict:
        return {"type": "integer", "minimum": self.low, "maximum": self.high,
                "default": self.default}

    def to_internal_value(self, raw: str) -> int:
        message = f"A whole number from {self.low} to {self.high}."
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 19:
            raise ValidationError(message)
        value = int(raw)
        if not self.low <= value <= self.high:
            raise ValidationError(message)
        return value


class TextField(QueryField):
    """Free text of min_length to max_length characters, no NUL. With a pattern, the
    whole value must match it (and then it may not be empty unless the pattern allows
    that)."""

    def __init__(self, *, max_length: int, min_length: int = 0, pattern: str | None = None,
                 mismatch: str = "Not in the expected form.", **kwargs):
        self.max_length, self.min_length = max_length, min_length
        self.pattern, self.mismatch = pattern, mismatch
        super().__init__(**kwargs)

    @property
    def openapi_schema(self) -> dict:
        schema = {"type": "string", "maxLength": self.max_length,
                  "pattern": f"^(?:{self.pattern})$" if self.pattern else NO_NUL}
        if self.min_length:
            schema["minLength"] = self.min_length
        return schema

    def to_internal_value(self, value: str) -> str:
        if not self.min_length <= len(value) <= self.max_length or "\x00" in value:
            raise ValidationError(f"{self.min_length} to {self.max_length} printable characters.")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValidationError(self.mismatch)
        return value


class ChoiceField(QueryField):
    """One of a fixed set of values, compared exactly."""

    def __init__(self, choices, **kwargs):
        self.choices = tuple(choices)
        super().__init__(**kwargs)

    @property
    def openapi_schema(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}

    def to_internal_value(self, value: str) -> str:
        if value not in self.choices:
            raise ValidationError(f"One of {', '.join(self.choices)}.")
        return value


class MomentField(QueryField):
    """An instant in ISO 8601 with its offset or Z (2026-01-31T08:00:00Z), read as UTC.

    Without an offset the instant would depend on the server's time zone, so it
    is refused rather than guessed."""

    MAX_LENGTH = 40

    @property
    def openapi_schema(self) -> dict:
        return {"type": "string", "format": "date-time", "maxLength": self.MAX_LENGTH}

    def to_internal_value(self, raw: str) -> datetime:
        message = "An ISO 8601 date and time with an offset or Z, e.g. 2026-01-31T08:00:00Z."
        try:
            value = None
            if len(raw) <= self.MAX_LENGTH and raw.isprintable():
                value = parse_datetime(raw)
            if value is None or value.tzinfo is None:
                raise ValidationError(message)
            return value.astimezone(dt_timezone.utc)
        except (ValueError, OverflowError):  # a day that does not exist; past year 9999 in UTC
            raise ValidationError(message)


class QueryParameters(serializers.Serializer):
    """A face's query: give it to extend_schema(parameters=[...]) for the schema, and
    read a request's with read()."""

    @classmethod
    def read(cls, request) -> dict:
        """The validated parameters (a ValidationError, the face's 400, when one is not)."""
        query = cls(data=request.query_params)
        if not query.is_valid():
            # The first malformed one, in declaration order: an answer names one
            # parameter, whichever others are malformed too.
            name, messages = next(iter(query.errors.items()))
            raise ValidationError({name: messages})
        return query.validated_data

