"""The Failed Tasks counter beside a service page's actions, and its poll.

Every open service page asks for the counter every few seconds (the tabs of one
browser share one poller), so its cost times the number of tabs is the console's
baseline load. The answer carries an ETag made from the tallied number; a poll
that sends it back while nothing changed gets 304 Not Modified. Beyond reading
the session, it costs one query: the signed-in user's row, their role in the
project and the tallied number on one row (console.identity.signed_in.signed_in_member),
the row handed to Django's own session check rather than read again.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from console.identity.signed_in import signed_in_member
from console.lib.htmx import HtmxHttpRequest
from console.tenancy.cloud_services import SERVICES
from failedtasks.models import TaskTally

COUNTER_TEMPLATE = "failedtasks/_counter.html"


def counter_etag(failed_count: int) -> str:
    """What the counter shows depends on the number and the language, nothing else."""
    return f'W/"failed-{failed_count}-{get_language()}"'


def counter_context(project_id: str, service: str, failed_count: int) -> dict:
    return {"service": SERVICES[service], "failed_count": failed_count,
            "etag": counter_etag(failed_count),
            "counter_url": reverse("failed-task-counter", args=[project_id, service]),
            # the dialog's URL, which the counter's link opens (and without JavaScript, follows)
            "list_url": reverse("failed-tasks", args=[project_id, service]) if failed_count else ""}


@require_GET
def counter(request: HtmxHttpRequest, project_id: str, service: str):
    """The counter alone, signed in, checked and counted in one query."""
    member = signed_in_member(request, project_id,
                              TaskTally.objects.failed_in_sql(project_id, service))
    if member is None:
        return redirect_to_login(request.get_full_path())
    _project, _role, failed_count = member
    etag = counter_etag(failed_count)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        # Without the request: the fragment reads only its own context, so none of
        # the context processors every page runs.
        response = HttpResponse(render_to_string(
            COUNTER_TEMPLATE, counter_context(project_id, service, failed_count)))
    response["ETag"] = etag
    # Each poll asks again; the ETag makes the unchanged answer empty.
    response["Cache-Control"] = "private, no-cache"
    return response
