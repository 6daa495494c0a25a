"""The audit trail: every deletion (console, API, admin, purge), for the admins of
its project and for superusers. Read-only by construction: no view here writes."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from console.identity.models import Channel
from console.lib.htmx import HtmxHttpRequest
from console.tenancy.cloud_services import Service
from console.tenancy.scoping import reviewed_projects
from failedtasks.audit import (
    PAGE_SIZE,
    SNAPSHOT_PAGE_SIZE,
    AuditFilters,
    csv_rows,
    deletions_for,
)
from failedtasks.models import DeletedTask, Deletion


def _reviewed_projects(request: HtmxHttpRequest) -> list:
    return reviewed_projects(request.user, _("The audit trail is for project admins."))


@require_GET
@login_required
def audit_trail(request: HtmxHttpRequest):
    projects = _reviewed_projects(request)
    filters = AuditFilters.from_params(request.GET)
    page = Paginator(deletions_for(projects, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "failedtasks/audit.html", {
        "page": page, "filters": filters, "projects": projects,
        "services": Service.choices, "channels": Channel.choices,
    })


@require_GET
@login_required
def audit_detail(request: HtmxHttpRequest, deletion_id: int):
    projects = _reviewed_projects(request)
    deletion = get_object_or_404(
        Deletion.objects.select_related("project", "restored_by"), pk=deletion_id,
        project__in=projects,
    )
    tasks = DeletedTask.objects.filter(deletion=deletion).order_by("-failed_at", "-task_pk")
    page = Paginator(tasks, SNAPSHOT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "failedtasks/audit_detail.html", {"deletion": deletion, "page": page})


@require_GET
@login_required
def audit_export(request: HtmxHttpRequest):
    """The filtered trail as CSV, one line per deleted task, streamed."""
    projects = _reviewed_projects(request)
    filters = AuditFilters.from_params(request.GET)
    response = StreamingHttpResponse(
        csv_rows(deletions_for(projects, filters)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="deletion-audit-{stamp}.csv"'
    return response
