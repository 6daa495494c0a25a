"""What an alert says: the JSON body a webhook receives (documented in the README).

Built once, at an alert's first delivery attempt, and stored: every retry
sends the same bytes under the same signature, and receivers can de-duplicate
on `id`.
"""

import json
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from console.tenancy.cloud_services import Service
from failedtasks.alerts.models import Alert, AlertRule
from failedtasks.api.console_api import iso  # the console API's time format
from failedtasks.insights import Place
from failedtasks.models import FailedTask, FailedTaskQuerySet

SAMPLES = 10


def matching_tasks(rule: AlertRule) -> FailedTaskQuerySet:
    """The project's failed tasks the rule watches."""
    tasks = FailedTask.objects.filter(project_id=rule.project_id).failed()
    if rule.service:
        tasks = tasks.for_service(rule.service)
    if rule.error_code:
        tasks = tasks.with_error_code(rule.error_code)
    return tasks


def absolute(path: str) -> str | None:
    return f"{settings.CONSOLE_BASE_URL}{path}" if settings.CONSOLE_BASE_URL else None


def _list_link(rule: AlertRule, tasks: list[FailedTask], search: str) -> str | None:
    """The Failed Tasks list of the alert's service (and ECS tab), narrowed to its tasks."""
    service = rule.service or (tasks[0].service if tasks else Service.ECS)
    in_service = [task for task in tasks if task.service == service]
    categories = Counter(task.category for task in in_service)
    category = categories.most_common(1)[0][0] if categories else "operation"
    place = Place(rule.project_id, rule.project.name, service, category, search)
    return absolute(place.url)


def _common_code(rule: AlertRule, tasks: list[FailedTask]) -> str:
    if rule.error_code:
        return rule.error_code
    codes = {task.error_code for task in tasks}
    return codes.pop() if len(codes) == 1 else ""


def build(alert: Alert, now: datetime) -> bytes:
    rule = alert.rule
    if alert.is_test:
        start, end = now - timedelta(minutes=rule.window_minutes), now
        # What the rule would count in a window ending now (reporters' clocks may run ahead).
        count = matching_tasks(rule).filter(failed_at__gte=start).count()
        samples = list(matching_tasks(rule).newest_first()[:SAMPLES])
    else:
        start, end, count = alert.window_start, alert.window_end, alert.failures
        samples = list(
            matching_tasks(rule)
            .filter(revision__gte=alert.first_revision, revision__lte=alert.last_revision)
            .order_by("-revision")[:SAMPLES]
        )
    project = rule.project
    body = {
        "id": alert.pk,
        "type": "test" if alert.is_test else "alert",
        "project": {"id": project.pk, "name": project.name, "region": project.region_id},
        "service": rule.service or None,
        "rule": {
            "id": rule.pk,
            "service": rule.service or None,
            "error_code": rule.error_code or None,
            "threshold": rule.threshold,
            "window_minutes": rule.window_minutes,
            "url": absolute(reverse("alert-rule", args=[rule.pk])),
        },
        "count": count,
        "window": {"start": iso(start), "end": iso(end)},
        "tasks": [
            {
                "job_id": task.job_id,
                "service": task.service,
                "resource_id": task.resource_id,
                "resource_name": task.resource_name,
                "error_code": task.error_code,
                "fail_time": iso(task.failed_at),
                "link": _list_link_for_task(rule, task),
            }
            for task in samples
        ],
        "link": _list_link(rule, samples, _common_code(rule, samples)),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _list_link_for_task(rule: AlertRule, task: FailedTask) -> str | None:
    place = Place(rule.project_id, rule.project.name, task.service, task.category, task.job_id)
    return absolute(place.url)
