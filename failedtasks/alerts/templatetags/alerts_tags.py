from django import template

from failedtasks.alerts.models import DeliveryOutcome

register = template.Library()


@register.filter
def outcome_label(value: str) -> str:
    """The words for a delivery outcome read from an annotation rather than a model field."""
    return DeliveryOutcome(value).label if value in DeliveryOutcome.values else value
