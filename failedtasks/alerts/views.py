"""Alert Rules: the list with its Create rule form, a rule's page with its delivery
log, and the verbs (enable, disable, send a test, delete), for project admins.

Plain forms with post/redirect/get; the delivery log refreshes itself with htmx
while a delivery is waiting for the worker.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from console.lib.htmx import HtmxHttpRequest
from console.tenancy.scoping import reviewed_projects
from console.tenancy.views import LAST_PROJECT_SESSION_KEY
from failedtasks.alerts.forms import AlertRuleForm
from failedtasks.alerts.models import AlertState, DeliveryAttempt
from failedtasks.alerts.services import (
    MAX_RULES_PER_PROJECT,
    TooManyRules,
    create_rule,
    delete_rule,
    rule_for,
    rules_of,
    send_test,
    set_enabled,
)
from failedtasks.alerts.worker import MAX_ATTEMPTS

LOG_PAGE_SIZE = 25


def _reviewed_projects(request) -> list:
    return reviewed_projects(request.user, _(
        "Alert rules are for project admins. Ask an admin of your project, or a superuser, "
        "to set one up."))


def _rules_page(request, projects, form, status=200):
    return render(request, "alerts/rules.html", {
        "rules": rules_of(projects), "form": form, "max_rules": MAX_RULES_PER_PROJECT,
    }, status=status)


@require_GET
@login_required
def rules(request):
    projects = _reviewed_projects(request)
    last = request.session.get(LAST_PROJECT_SESSION_KEY)
    initial = {"project": last if any(p.pk == last for p in projects) else projects[0].pk}
    return _rules_page(request, projects, AlertRuleForm(projects=projects, initial=initial))


@require_POST
@login_required
def create(request):
    projects = _reviewed_projects(request)
    form = AlertRuleForm(request.POST, projects=projects)
    if not form.is_valid():
        return _rules_page(request, projects, form, status=400)
    try:
        rule = create_rule(created_by=request.user, **form.cleaned_data)
    except TooManyRules:
        form.add_error(None, _("This project already has %(count)d alert rules, the most "
                               "allowed. Delete one to create another.")
                       % {"count": MAX_RULES_PER_PROJECT})
        return _rules_page(request, projects, form, status=400)
    messages.success(request, _("Created alert rule #%(id)s. Send a test to check that the "
                                "target receives it.") % {"id": rule.pk})
    return redirect("alert-rule", rule.pk)


@require_GET
@login_required
def rule(request: HtmxHttpRequest, rule_id: int):
    rule = rule_for(request.user, rule_id)
    attempts = DeliveryAttempt.objects.filter(rule=rule).select_related("alert")
    page = Paginator(attempts, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "alerts/rule.html#deliveries" if request.htmx else "alerts/rule.html"
    return render(request, template, {
        "project": rule.project,  # the header's Project select shows it
        "rule": rule,
        "page": page,
        "waiting": rule.alerts.filter(state=AlertState.PENDING).count(),
        "max_attempts": MAX_ATTEMPTS,
    })


def _back(request, rule_id: int):
    """Where a verb returns to: the rule's page when it was used there, else the list."""
    if request.POST.get("from") == "rule":
        return redirect("alert-rule", rule_id)
    return redirect("alert-rules")


@require_POST
@login_required
def enable(request, rule_id: int):
    rule = rule_for(request.user, rule_id)
    set_enabled(rule, True)
    messages.success(request, _("Enabled alert rule #%(id)s.") % {"id": rule.pk})
    return _back(request, rule.pk)


@require_POST
@login_required
def disable(request, rule_id: int):
    rule = rule_for(request.user, rule_id)
    set_enabled(rule, False)
    messages.success(request, _("Disabled alert rule #%(id)s. Alerts not yet delivered are "
                                "cancelled.") % {"id": rule.pk})
    return _back(request, rule.pk)


@require_POST
@login_required
def test(request, rule_id: int):
    rule = rule_for(request.user, rule_id)
    send_test(rule)
    messages.success(request, _("Queued a test delivery of alert rule #%(id)s. The worker "
                                "sends it within seconds; the attempt appears in the rule's "
                                "delivery log.") % {"id": rule.pk})
    return _back(request, rule.pk)


@require_GET
@login_required
def confirm_delete(request, rule_id: int):
    """Step one of two: show the rule and what goes with it; the POST deletes."""
    rule = rule_for(request.user, rule_id)
    return render(request, "alerts/confirm_delete_rule.html", {
        "project": rule.project,
        "rule": rule, "attempts": DeliveryAttempt.objects.filter(rule=rule).count(),
    })


@require_POST
@login_required
def delete(request, rule_id: int):
    """Step two: delete the rule, its alerts and its delivery log."""
    rule = rule_for(request.user, rule_id)
    attempts = delete_rule(rule)
    messages.success(request, ngettext(
        "Deleted alert rule #%(id)s and its %(count)d logged delivery attempt.",
        "Deleted alert rule #%(id)s and its %(count)d logged delivery attempts.",
        attempts,
    ) % {"id": rule.pk, "count": attempts})
    return redirect("alert-rules")
