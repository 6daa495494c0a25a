from itertools import groupby

from django.db.models import F
from django.utils.functional import SimpleLazyObject

from console.tenancy.cloud_services import SERVICES
from console.tenancy.models import Project, Role


def shell(request):
    """The header's project list (grouped by region) and the Service List, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def header_projects():
        projects = Project.objects.visible_to(user).select_related("region")
        if not user.is_superuser:
            # The role rides on the header's own query (the membership join it already
            # makes), so the Service List's "Review" link costs no query of its own.
            projects = projects.annotate(role=F("memberships__role"))
        return list(projects)

    # Built only when a page draws the header: fragments never build the query.
    projects = SimpleLazyObject(header_projects)

    def regions():
        return [(region, list(group)) for region, group in groupby(projects, key=lambda p: p.region)]

    def can_review() -> bool:
        """Whether the user administers a project: Project.objects.administered_by(user).exists(),
        answered from the header's rows (read once for both) instead of a new query."""
        return user.is_superuser or any(Role(project.role).allows(Role.ADMIN) for project in projects)

    # Lazy: pages without the header (fragments, errors) never run the query.
    return {
        "projects_by_region": SimpleLazyObject(regions),
        "can_review": SimpleLazyObject(can_review),
        "all_services": SERVICES.values(),
    }
