from django import template

from console.lib.time_formats import time_html
from failedtasks import labels
from failedtasks.counter_views import counter_context
from failedtasks.models import TaskTally
from failedtasks.task_rows import task_rows as rows_html

register = template.Library()

register.filter("job_label", labels.job_label)
register.filter("status_label", labels.status_label)


# A time in the user's zone, short to read; the exact instant on hover or focus.
register.simple_tag(time_html, name="task_time")


@register.simple_tag(takes_context=True)
def task_rows(context, rows):
    """The table's rows (failedtasks.task_rows), from the list's context."""
    listing = context["listing"]
    return rows_html(
        rows, catalog=context["catalog"], resource_links=context["resource_links"],
        delete_url=listing.delete_url, place_inputs=listing.place_inputs,
        can_delete=context["can_delete"],
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
