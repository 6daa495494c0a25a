"""The console shell: landing, project switching, and one page per service."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from console.tenancy.cloud_services import SERVICES, Service
from console.tenancy.models import Project, Resource, Role
from console.tenancy.scoping import project_for

LAST_PROJECT_SESSION_KEY = "console.project"


def _service_url(project_id: str, service: str) -> str:
    return reverse("service", args=[project_id, service])


def last_project(request) -> Project | None:
    """The project the person worked in last, if they still have a role in it."""
    last = request.session.get(LAST_PROJECT_SESSION_KEY)
    return Project.objects.visible_to(request.user).filter(pk=last).first() if last else None


@require_GET
@login_required
def home(request):
    """Open the project used last (or the first one) on Elastic Cloud Server."""
    project = last_project(request) or Project.objects.visible_to(request.user).first()
    if project is None:
        return render(request, "tenancy/no_projects.html", status=403)
    return redirect(_service_url(project.pk, Service.ECS))


@require_GET
@login_required
def switch_project(request):
    """The header's Project select submits here (with or without JavaScript)."""
    service = request.GET.get("service", Service.ECS)
    if service not in SERVICES:
        raise Http404("No such service.")
    project, _role = project_for(request.user, request.GET.get("project", ""))
    return redirect(_service_url(project.pk, service))


@require_GET
@login_required
def service_page(request, project_id: str, service: str):
    project, role = project_for(request.user, project_id)
    if request.session.get(LAST_PROJECT_SESSION_KEY) != project.pk:
        request.session[LAST_PROJECT_SESSION_KEY] = project.pk  # saving costs a write
    resources = Resource.objects.filter(
        project=project, service=service, parent__isnull=True
    ).order_by("-created_at", "-id")[:100]
    return render(
        request,
        "tenancy/service.html",
        {
            "project": project,
            "role": role,
            "can_delete": Role(role).allows(Role.OPERATOR),
            "service": SERVICES[service],
            "resources": resources,
        },
    )
