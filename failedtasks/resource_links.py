"""Links from failed tasks to their resources' rows on the service page."""

from django.urls import reverse

from console.tenancy.models import Resource


def resource_links(project, service: str, tasks) -> dict[str, str]:
    """For each task's resource that still exists, the URL of its row: one query.

    A resource listed under another (an SDRS protected instance under its
    protection group) has no row of its own; the link goes to the row it
    belongs to. A resource that no longer exists has no entry.
    """
    resource_ids = {task.resource_id for task in tasks if task.resource_id}
    if not resource_ids:
        return {}
    found = Resource.objects.filter(
        project=project, service=service, resource_id__in=resource_ids
    ).values_list("resource_id", "pk", "parent_id")
    page = reverse("service", args=[project.pk, service])
    return {
        resource_id: f"{page}#{Resource.row_id_of(parent_pk or pk)}"
        for resource_id, pk, parent_pk in found
    }
