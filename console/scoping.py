"""The one place that decides whether a user may see or change a project.

Outside the user's projects (or a project that does not exist) is a 404, so
existence never leaks; inside, a role below the one needed is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Value
from django.http import Http404

from console.models import Project, Role


def project_for(user, project_id: str, need: str = Role.VIEWER) -> tuple[Project, str]:
    """The project with `project_id` and the user's role in it, or 404 / 403.

    One query: the role comes joined from the membership row.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such project.")
    projects = Project.objects.select_related("region").filter(pk=project_id)
    if user.is_superuser:
        projects = projects.annotate(role=Value(Role.ADMIN.value))
    else:
        projects = projects.filter(memberships__user=user).annotate(role=F("memberships__role"))
    project = projects.first()
    if project is None:
        raise Http404("No such project.")
    if Role.rank(project.role) < Role.rank(need):
        raise PermissionDenied("Your role in this project does not allow that.")
    return project, project.role
