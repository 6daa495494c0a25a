"""How times are written: for the API faces, and for people on the console's pages."""

from datetime import UTC

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext


def utc_millis(value) -> str:
    """UTC with milliseconds and a Z, as the cloud's APIs answer: 2019-01-21T12:56:35.754Z."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class TimeHtml:
    """Writes times in the user's zone, short to read, the exact instant on hover or
    focus; the zone and the language's format read once, for a table of them."""

    def __init__(self):
        self.zone_name = timezone.get_current_timezone_name()
        self.short_format = pgettext("short failure time", "M j, Y H:i")

    def __call__(self, value) -> SafeString | str:
        if value is None:
            return "—"
        local = timezone.localtime(value)
        offset = local.strftime("%z")
        exact = escape(
            f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} "
            f"GMT{offset[:3]}:{offset[3:]} ({self.zone_name})"
        )
        return mark_safe(
            f'<time class="exact-time" datetime="{value.isoformat()}" title="{exact}" '
            f'data-exact="{exact}" tabindex="0">{escape(format_date(local, self.short_format))}</time>'
        )


def time_html(value) -> SafeString | str:
    """One time in the user's zone (TimeHtml)."""
    return TimeHtml()(value)
