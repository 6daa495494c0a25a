"""The poll of an open Failed Tasks list: how many failures arrived since it was shown.

Every open dialog asks every few seconds, so the answer is cheap: the project
look-up carries the project's revision, and only when that moved are the
tasks recorded since counted (a bounded count on the (project, revision)
index). When the count is what the page already shows, the answer is
204 No Content, which htmx leaves unswapped: the notice is not announced again.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from console.lib.errors import Invalid
from console.lib.htmx import HtmxHttpRequest
from console.tenancy.cloud_services import SERVICES
from console.tenancy.scoping import project_for
from failedtasks.listing import TaskListing
from failedtasks.models import ProjectRevision
from failedtasks.new_failures import NOTICE_LIMIT, NewFailures

NOTICE_TEMPLATE = "failedtasks/failed_tasks.html#new_failures"
REVISION_MAX = 2**63 - 1  # a BigIntegerField


def _whole_number(params, name: str, upper: int) -> int:
    try:
        value = int(params.get(name, ""))
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= upper:
        raise Invalid(_("Could not check for new failed tasks: reload the list."))
    return value


# htmx stops polling on this status: a signed-out page stops asking, rather than
# showing the login page inside the list.
STOP_POLLING = 286


@require_GET
def new_count(request: HtmxHttpRequest, project_id: str, service: str):
    if not request.user.is_authenticated and request.htmx:
        return HttpResponse(status=STOP_POLLING)
    return _new_count(request, project_id, service)


@login_required
def _new_count(request: HtmxHttpRequest, project_id: str, service: str):
    since = _whole_number(request.GET, "since", REVISION_MAX)
    shown = _whole_number(request.GET, "shown", NOTICE_LIMIT + 1)
    project, _role = project_for(
        request.user, project_id, current_revision=ProjectRevision.objects.of()
    )
    listing = TaskListing.from_params(project, service, request.GET)
    new_failures = NewFailures.since_revision(listing, since, project.current_revision)
    if new_failures.counted == shown:
        response = HttpResponse(status=204)
    else:
        response = render(request, NOTICE_TEMPLATE, {
            "project": project, "service": SERVICES[service], "listing": listing,
            "new_failures": new_failures,
        })
    response["Cache-Control"] = "no-store"
    return response
