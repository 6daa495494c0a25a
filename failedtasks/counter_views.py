"""The Failed Tasks counter beside a service page's actions, and its poll.

Every open service page asks for the counter every few seconds (the tabs of one
browser share one poller), so its cost times the number of tabs is the console's
baseline load. The answer carries an ETag made from the tallied number; a poll
that sends it back while nothing changed gets 304 Not Modified, from one query
beyond those that sign the person in.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotModified
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from console.lib.htmx import HtmxHttpRequest
from console.tenancy.cloud_services import SERVICES
from console.tenancy.scoping import project_for
from failedtasks.models import TaskTally

COUNTER_TEMPLATE = "failedtasks/_counter.html"


def counter_etag(failed_count: int) -> str:
    """What the counter shows depends on the number and the language, nothing else."""
    return f'W/"failed-{failed_count}-{get_language()}"'


def counter_context(project, service: str, failed_count: int) -> dict:
    return {"project": project, "service": SERVICES[service], "failed_count": failed_count,
            "etag": counter_etag(failed_count)}


@require_GET
@login_required
def counter(request: HtmxHttpRequest, project_id: str, service: str):
    """The counter alone: the project look-up and the tally read are one query."""
    project, _role = project_for(
        request.user, project_id, failed_count=TaskTally.objects.failed_in(service)
    )
    etag = counter_etag(project.failed_count)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = render(request, COUNTER_TEMPLATE,
                          counter_context(project, service, project.failed_count))
    response["ETag"] = etag
    # Each poll asks again; the ETag makes the unchanged answer empty.
    response["Cache-Control"] = "private, no-cache"
    return response
