"""How times are written: for the API faces (in Python for one value, or by the
database for a page of rows: no datetime per row to read and format, which costs
a list of a thousand rows more than reading everything else in them), and for
people on the console's pages."""

import functools
import html
from datetime import UTC

from django.db.models import BigIntegerField, CharField, Func
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext


def utc_millis(value) -> str:
    """UTC with milliseconds and a Z, as the cloud's APIs answer: 2019-01-21T12:56:35.754Z."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class _OfTime(Func):
    """What the database computes from a datetime column (or expression); NULL stays NULL.

    SQLite keeps a datetime as Django wrote it, in UTC: "YYYY-MM-DD HH:MM:SS" and,
    unless the microseconds are zero, ".ffffff" (Now() writes three digits).
    """

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"{type(self).__name__} on {connection.vendor}")

    def _inner(self, compiler, connection):
        return compiler.compile(self.source_expressions[0])

    @property
    def source_name(self) -> str | None:
        """The field it is computed from, when it is one field as it is."""
        return getattr(self.source_expressions[0], "name", None)


class UtcMillisText(_OfTime):
    """utc_millis(column), written by the database (milliseconds cut, not rounded)."""

    @staticmethod
    def in_python(value) -> str | None:
        """The same text, written from a value already read (one row, say)."""
        return None if value is None else utc_millis(value)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self._inner(compiler, connection)
        return (f"""to_char(({sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
                params)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self._inner(compiler, connection)
        # Not strftime('%f'): SQLite rounds to the millisecond.
        return (f"(substr(({sql}), 1, 10) || 'T' || substr(({sql}), 12, 8) || '.' "
                f"|| substr(substr(({sql}), 21) || '000', 1, 3) || 'Z')", (*params,) * 4)


class EpochMicros(_OfTime):
    """The microseconds since 1970, as an integer."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self._inner(compiler, connection)
        return f"(extract(epoch from ({sql})) * 1000000)::bigint", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self._inner(compiler, connection)
        # The whole seconds, then the fraction padded to six digits.
        return (f"(unixepoch(substr(({sql}), 1, 19)) * 1000000 "
                f"+ CAST(substr(substr(({sql}), 21) || '000000', 1, 6) AS INTEGER))",
                (*params,) * 2)


def epoch_millis_text(column: str):
    """The milliseconds since 1970 as text, cut toward zero as int(value.timestamp() * 1000)
    would be, but in integers: a float's product is sometimes a millisecond short."""
    return Cast(EpochMicros(column) / 1000, CharField())


# Each format character a short time may be written with, as a str.format field of
# the local time `t`; "M", the month's short name, is translated once per language.
_FIELDS = {
    "Y": "{t.year:04d}", "m": "{t.month:02d}", "n": "{t.month}", "d": "{t.day:02d}",
    "j": "{t.day}", "H": "{t.hour:02d}", "G": "{t.hour}", "i": "{t.minute:02d}",
    "s": "{t.second:02d}", "M": "{month}",
}
_EXACT = ("{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
          ".{milliseconds:03d} GMT{sign}{hours:02d}:{minutes:02d} ({zone})")


@functools.cache
def _short_time_writer(short_format: str, language: str):
    """A function writing a local time as Django's dateformat writes `short_format`, by
    one str.format rather than dateformat's per-character dispatch and lazy month
    names; dateformat itself for any other character (a translation may choose any)."""
    if "\\" in short_format or any(c.isalpha() and c not in _FIELDS for c in short_format):
        return lambda local: format_date(local, short_format)
    template = "".join(_FIELDS.get(c) or c.replace("{", "{{").replace("}", "}}")
                       for c in short_format)
    with translation.override(language):
        months = {number: str(name).title() for number, name in MONTHS_3.items()}
    return lambda local: template.format(t=local, month=months[local.month])


class TimeHtml:
    """Writes times in the user's zone, short to read, the exact instant on hover or
    focus; the zone and the language's format read once, for a table of them."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.zone_name = html.escape(timezone.get_current_timezone_name())
        self.short = _short_time_writer(pgettext("short failure time", "M j, Y H:i"),
                                        translation.get_language())

    def __call__(self, value) -> SafeString | str:
        return "—" if value is None else mark_safe(self.html(value))

    def html(self, value) -> str:
        """The <time> element of a time that is not None, as a plain string."""
        local = value.astimezone(self.zone)
        offset = int(local.utcoffset().total_seconds()) // 60
        hours, minutes = divmod(abs(offset), 60)
        exact = _EXACT.format(t=local, milliseconds=local.microsecond // 1000,
                              sign="-" if offset < 0 else "+", hours=hours, minutes=minutes,
                              zone=self.zone_name)
        return (f'<time class="exact-time" datetime="{value.isoformat()}" title="{exact}" '
                f'data-exact="{exact}" tabindex="0">{html.escape(self.short(local))}</time>')


def time_html(value) -> SafeString | str:
    """One time in the user's zone (TimeHtml)."""
    return TimeHtml()(value)
