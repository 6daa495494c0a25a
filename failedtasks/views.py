"""The Failed Tasks list, its confirmations and deletions, as pages and htmx fragments."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.cloud_services import SERVICES
from console.scoping import project_for
from failedtasks.catalog import entries_for
from failedtasks.models import FailedTask

PAGE_SIZE = 10


@require_GET
@login_required
def failed_tasks(request, project_id: str, service: str):
    project, role = project_for(request.user, project_id)
    tasks = FailedTask.objects.for_project(project).for_service(service).newest_first()
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "failedtasks/failed_tasks.html",
        {
            "project": project,
            "role": role,
            "service": SERVICES[service],
            "page": page,
            "catalog": entries_for(task.error_code for task in page),
        },
    )
