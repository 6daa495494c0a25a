"""Query parameters of the API faces, each declared once.

The same declaration reads the parameter from a request (a 400 in the face's
error body when it is malformed) and describes it in the OpenAPI schema, so what
the schema promises and what the server accepts cannot drift apart.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

# DRF refuses NUL in every text field; parameters and the schema say the same.
NO_NUL = "^[^\\u0000]*$"


def _invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


@dataclass(frozen=True)
class IntegerParam:
    """A whole number in [low, high], written in ASCII digits; absent: the default."""

    name: str
    default: int
    low: int
    high: int

    def read(self, params) -> int:
        raw = params.get(self.name)
        if raw is None:
            return self.default
        message = f"A whole number from {self.low} to {self.high}."
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 19:
            raise _invalid(self.name, message)
        value = int(raw)
        if not self.low <= value <= self.high:
            raise _invalid(self.name, message)
        return value

    @property
    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name,
            {"type": "integer", "minimum": self.low, "maximum": self.high, "default": self.default},
            description=f"{self.low} to {self.high}, default {self.default}.",
        )


@dataclass(frozen=True)
class TextParam:
    """Free text of at most max_length characters (no NUL); absent: None.

    With a pattern, the whole value must match it (and then it may not be empty
    unless the pattern allows that)."""

    name: str
    max_length: int
    description: str = ""
    min_length: int = 0
    pattern: str | None = None
    mismatch: str = "Not in the expected form."

    def read(self, params) -> str | None:
        value = params.get(self.name)
        if value is None:
            return None
        if not self.min_length <= len(value) <= self.max_length or "\x00" in value:
            raise _invalid(self.name, f"{self.min_length} to {self.max_length} printable "
                                      "characters.")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise _invalid(self.name, self.mismatch)
        return value

    @property
    def openapi(self) -> OpenApiParameter:
        schema = {"type": "string", "maxLength": self.max_length,
                  "pattern": f"^(?:{self.pattern})$" if self.pattern else NO_NUL}
        if self.min_length:
            schema["minLength"] = self.min_length
        return OpenApiParameter(self.name, schema, description=self.description)


@dataclass(frozen=True)
class ChoiceParam:
    """One of a fixed set of values; absent: None."""

    name: str
    choices: tuple[str, ...]
    description: str = ""

    def read(self, params) -> str | None:
        value = params.get(self.name)
        if value is not None and value not in self.choices:
            raise _invalid(self.name, f"One of {', '.join(self.choices)}.")
        return value

    @property
    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(self.name, {"type": "string", "enum": list(self.choices)},
                                description=self.description)


@dataclass(frozen=True)
class MomentParam:
    """An instant in ISO 8601 with its offset or Z (2026-01-31T08:00:00Z); absent: None.

    Without an offset the instant would depend on the server's time zone, so it
    is refused rather than guessed."""

    name: str
    description: str = ""

    def read(self, params) -> datetime | None:
        raw = params.get(self.name)
        if raw is None:
            return None
        message = "An ISO 8601 date and time with an offset or Z, e.g. 2026-01-31T08:00:00Z."
        try:
            value = parse_datetime(raw) if len(raw) <= 40 and raw.isprintable() else None
            if value is None or value.tzinfo is None:
                raise ValueError
            return value.astimezone(dt_timezone.utc)
        except (ValueError, OverflowError):  # a day that does not exist; past year 9999 in UTC
            raise _invalid(self.name, message)

    @property
    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name, {"type": "string", "format": "date-time", "maxLength": 40},
            description=self.description)
