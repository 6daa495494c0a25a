from itertools import groupby

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from console.cloud_services import SERVICES
from console.models import Project


def shell(request):
    """The header's project list (grouped by region) and the Service List, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    projects = Project.objects.visible_to(user).select_related("region")

    def regions():
        return [(region, list(group)) for region, group in groupby(projects, key=lambda p: p.region)]

    # Lazy: pages without the header (fragments, errors) never run the query.
    return {"projects_by_region": SimpleLazyObject(regions), "all_services": SERVICES.values()}


def polling(request):
    return {"counter_poll_seconds": settings.COUNTER_POLL_SECONDS}
