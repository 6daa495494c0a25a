"""Every change to alert rules, and the one scoped look-up of a rule.

Rules belong to a project and only its admins (and superusers) see or change
them: a rule outside the user's projects is a 404, a rule of a project where
they are not admin a 403 (console.tenancy.scoping decides both).
"""

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from console.lib.errors import NotFound
from console.tenancy.models import Project, Role
from console.tenancy.scoping import project_for
from failedtasks.alerts import scheduling
from failedtasks.alerts.models import Alert, AlertRule, AlertState, DeliveryAttempt
from failedtasks.alerts.secrets import seal

MAX_RULES_PER_PROJECT = 50  # each matching rule is a little work in every recording


class TooManyRules(Exception):
    pass


def rule_for(user, rule_id: int) -> AlertRule:
    """The rule with `rule_id` if the user administers its project; else 404 (or 403)."""
    rule = AlertRule.objects.select_related("project__region").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("There is no such alert rule, or it belongs to a project you have "
                         "no role in."))
    project_for(user, rule.project_id, need=Role.ADMIN)
    return rule


def rules_of(projects: list[Project]):
    """The projects' rules, each with its latest delivery attempt (outcome, code, time)."""
    latest = DeliveryAttempt.objects.filter(rule=OuterRef("pk")).order_by("-started_at", "-id")
    return (
        AlertRule.objects.filter(project__in=projects)
        .select_related("project")
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_response_code=Subquery(latest.values("response_code")[:1]),
            last_attempt_at=Subquery(latest.values("started_at")[:1]),
        )
        .order_by("project__name", "-created_at", "-id")
    )


def create_rule(project: Project, *, created_by, service: str, error_code: str, threshold: int,
                window_minutes: int, target_url: str, secret: str) -> AlertRule:
    """Store a rule (its secret sealed); TooManyRules past MAX_RULES_PER_PROJECT."""
    with transaction.atomic():
        # Lock the project row so two creations cannot both pass the limit.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        if AlertRule.objects.filter(project=project).count() >= MAX_RULES_PER_PROJECT:
            raise TooManyRules
        return AlertRule.objects.create(
            project=project, created_by=created_by, service=service, error_code=error_code,
            threshold=threshold, window_minutes=window_minutes, target_url=target_url,
            sealed_secret=seal(secret),
        )


def set_enabled(rule: AlertRule, enabled: bool) -> None:
    """Enable or disable a rule. Disabling drops its open windows and cancels the
    deliveries not yet made: an admin who silences a rule hears nothing more from it."""
    with transaction.atomic():
        AlertRule.objects.filter(pk=rule.pk).update(enabled=enabled)
        if not enabled:
            rule.alerts.filter(state=AlertState.COUNTING).delete()
            rule.alerts.filter(state=AlertState.PENDING, window_start__isnull=False).update(
                state=AlertState.CANCELLED, next_attempt_at=None, finished_at=timezone.now())
    rule.enabled = enabled


def delete_rule(rule: AlertRule) -> int:
    """Delete a rule with its alerts and delivery log; how many attempts were logged.

    Three set-based DELETEs, children first, rather than Django's cascade, which
    would load every alert of a long-lived rule into memory to delete it.
    """
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(DeliveryAttempt._meta.db_table)} WHERE rule_id = %s",
                       [rule.pk])
        attempts = cursor.rowcount
        cursor.execute(f"DELETE FROM {quote(Alert._meta.db_table)} WHERE rule_id = %s", [rule.pk])
        cursor.execute(f"DELETE FROM {quote(AlertRule._meta.db_table)} WHERE id = %s", [rule.pk])
    return attempts


def send_test(rule: AlertRule) -> Alert:
    """Queue a test delivery of the rule, due now; the worker sends it like any alert."""
    now = scheduling.clock()
    return Alert.objects.create(rule=rule, threshold=0, failures=0, state=AlertState.PENDING,
                                next_attempt_at=now, fired_at=now)
