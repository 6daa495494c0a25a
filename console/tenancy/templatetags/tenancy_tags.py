from django import template
from django.utils.html import format_html

from console.tenancy.cloud_services import RESOURCE_STATUS_LABELS

register = template.Library()


@register.simple_tag
def resource_cell(resource, key: str):
    """One cell of a resource table: the name with its ID, a status, or an attribute."""
    if key == "name":
        return format_html(
            '<span class="cell-name">{}</span><span class="cell-id">{}</span>',
            resource.name,
            resource.resource_id,
        )
    if key == "status":
        label = RESOURCE_STATUS_LABELS.get(resource.status, resource.status)
        return format_html(
            '<span class="status status-{}">{}</span>', resource.status.lower(), label
        )
    value = resource.attributes.get(key, "")
    return "—" if value in ("", None) else value
