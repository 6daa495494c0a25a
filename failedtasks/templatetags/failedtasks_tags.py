from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.translation import pgettext

from failedtasks import labels
from failedtasks.counter_views import counter_context
from failedtasks.models import TaskTally

register = template.Library()

register.filter("job_label", labels.job_label)
register.filter("status_label", labels.status_label)


@register.simple_tag
def task_time(value):
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


@register.filter
def get_entry(catalog: dict, code: str):
    """The catalog entry for a code, from the page's one lookup (None when unknown)."""
    return catalog.get(code)


@register.filter
def urlencode_dict(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@register.inclusion_tag("failedtasks/_counter.html")
def failed_task_counter(project, service):
    """The Failed Tasks counter for a service page: one tally read."""
    failed = TaskTally.objects.for_service(project, service.code).failed
    return counter_context(project.pk, service.code, failed)


@register.simple_tag
def cause_url(listing, error_code: str) -> str:
    """The normal list narrowed to one group's error code."""
    return listing.cause_url(error_code)


@register.simple_tag
def cause_inputs(listing, error_code: str) -> str:
    """Hidden inputs for a group's Delete: the group view's place, narrowed to its code."""
    return listing.cause_inputs(error_code)
