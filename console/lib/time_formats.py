"""How times are written: for the API faces, and for people on the console's pages."""

from datetime import UTC

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext


def utc_millis(value) -> str:
    """UTC with milliseconds and a Z, as the cloud's APIs answer: 2019-01-21T12:56:35.754Z."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def time_html(value) -> SafeString | str:
    """A time in the user's zone, short to read; the exact instant on hover or focus."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    offset = local.strftime("%z")
    exact = (
        f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} "
        f"GMT{offset[:3]}:{offset[3:]} ({timezone.get_current_timezone_name()})"
    )
    short = format_date(local, pgettext("short failure time", "M j, Y H:i"))
    return format_html(
        '<time class="exact-time" datetime="{}" title="{}" data-exact="{}" tabindex="0">{}</time>',
        value.isoformat(), exact, exact, short,
    )
