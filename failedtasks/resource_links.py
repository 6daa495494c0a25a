"""Links from failed tasks to their resources' rows on the service page."""

from django.urls import reverse

from console.tenancy.models import Resource


def resource_links(project, service: str, tasks) -> dict[str, str]:
    """For each task's resource that still exists, the URL of its row.

    The tasks were read with_row_extras(), which found each resource's row in
    the tasks' own query; a resource that no longer exists has no entry.
    """
    rows = {task.resource_id: task.resource_row for task in tasks if task.resource_row}
    if not rows:
        return {}
    page = reverse("service", args=[project.pk, service])
    return {resource_id: f"{page}#{Resource.row_id_of(row)}" for resource_id, row in rows.items()}
