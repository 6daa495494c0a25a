"""Export CSV: the Failed Tasks list a person is looking at, as a spreadsheet file."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from console.lib.htmx import HtmxHttpRequest
from console.tenancy.scoping import project_for
from failedtasks.export import csv_rows
from failedtasks.listing import TaskListing


@require_GET
@login_required
def export(request: HtmxHttpRequest, project_id: str, service: str):
    """The list's tasks (tab, search, period; every page) as UTF-8 CSV, streamed.

    Reading only: viewers may export what they may see."""
    project, _role = project_for(request.user, project_id)
    listing = TaskListing.from_params(project, service, request.GET)
    response = StreamingHttpResponse(
        csv_rows(listing, get_language(), timezone.get_current_timezone()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="failed-tasks-{service}-{stamp}.csv"')
    return response
