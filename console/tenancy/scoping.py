"""The one place that decides whether a user may see or change a project.

Outside the user's projects (or a project that does not exist) is a 404, so
existence never leaks; inside, a role below the one needed is a 403.
"""

from django.db.models import F, Value
from django.utils.translation import gettext as _

from console.lib.errors import NotAllowed, NotFound
from console.lib.ids import PROJECT_ID
from console.tenancy.models import Membership, Project, Role


def project_for(
    user, project_id: str, need: str = Role.VIEWER, *, loaded: Project | None = None,
    **annotations
) -> tuple[Project, str]:
    """The project with `project_id` and the user's role in it, or 404 / 403.

    One query: the role comes joined from the membership row, and any
    `annotations` (e.g. a count the caller needs) ride on the same query.
    `loaded`: the project if the caller has it already (an API token's scope,
    read with the token); when it is this one, only the role is read.
    """
    if not getattr(user, "is_authenticated", False) or not PROJECT_ID.fullmatch(str(project_id)):
        raise NotFound(_("There is no such project, or you have no role in it."))
    if loaded is not None and loaded.pk == project_id and not annotations:
        project = loaded
        project.role = Role.ADMIN.value if user.is_superuser else (
            Membership.objects.filter(project=project, user=user)
            .values_list("role", flat=True).first())
    else:
        projects = Project.objects.select_related("region").filter(pk=project_id)
        if user.is_superuser:
            projects = projects.annotate(role=Value(Role.ADMIN.value))
        else:
            projects = projects.filter(memberships__user=user).annotate(role=F("memberships__role"))
        project = projects.annotate(**annotations).first()
    if project is None or project.role is None:
        raise NotFound(_("There is no such project, or you have no role in it."))
    if not Role(project.role).allows(need):
        raise NotAllowed(
            _("Your role in this project (%(role)s) does not allow that.")
            % {"role": Role(project.role).label}
        )
    return project, project.role


def reviewed_projects(user, refusal: str) -> list[Project]:
    """The projects whose failures and audit the user reviews (admin of them; every
    project for a superuser), with their regions; NotAllowed(refusal) when none."""
    projects = list(Project.objects.administered_by(user).select_related("region"))
    if not projects:
        raise NotAllowed(refusal)
    return projects
