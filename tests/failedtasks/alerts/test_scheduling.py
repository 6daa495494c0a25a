"""Counting recorded failures into rule windows: cheap, exact, one alert per rule and window."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from failedtasks.alerts.models import Alert, AlertState
from failedtasks.alerts.scheduling import count_recorded_failure, window_of
from failedtasks.alerts.services import set_enabled
from failedtasks.signals import failure_recorded
from tests.conftest import record
from tests.failedtasks.alerts.conftest import make_rule

pytestmark = pytest.mark.django_db


def queries_of(action) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return [q["sql"] for q in captured.captured_queries]


def queries_added_by_alerts(project, **fields) -> list[str]:
    """The statements recording one failure costs with alerts, beyond its cost without."""
    failure_recorded.disconnect(dispatch_uid="alerts.count")
    try:
        without = queries_of(lambda: record(project, "ecs", **fields))
    finally:
        failure_recorded.connect(count_recorded_failure, dispatch_uid="alerts.count")
    with_alerts = queries_of(lambda: record(project, "ecs", **fields))
    assert len(with_alerts) >= len(without)
    return with_alerts[len(without) - 1:-1]  # what sits before the transaction's end


def test_a_project_without_rules_pays_one_indexed_statement(project_a, project_b,
                                                            allow_loopback):
    make_rule(project_b)  # another project's rule changes nothing here
    [added] = queries_added_by_alerts(project_a)
    assert added.startswith('INSERT INTO "alerts_alert"')
    assert 'FROM "alerts_alertrule" r WHERE r.project_id = ' in added
    assert not Alert.objects.exists()


def test_matching_rules_cost_the_same_one_statement(project_a, allow_loopback):
    for _ in range(5):
        make_rule(project_a)
    [added] = queries_added_by_alerts(project_a)
    assert added.startswith('INSERT INTO "alerts_alert"') and "ON CONFLICT" in added
    assert Alert.objects.count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_rule_look_up_reads_the_projects_index(project_a, region, allow_loopback):
    """Many projects with many rules: finding one project's rules never scans them all."""
    from django.utils import timezone

    from console.tenancy.models import Project
    from failedtasks.alerts.models import AlertRule
    from failedtasks.alerts.secrets import seal

    projects = Project.objects.bulk_create(
        Project(name=f"p-{n}", region=region) for n in range(300))
    sealed = seal("x" * 20)
    AlertRule.objects.bulk_create(
        AlertRule(project=project, target_url="http://127.0.0.1:9/", sealed_secret=sealed,
                  created_at=timezone.now())
        for project in projects for _ in range(20))
    task = record(project_a, "ecs")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE alerts_alertrule")
        cursor.execute(
            "EXPLAIN SELECT r.id FROM alerts_alertrule r WHERE r.project_id = %s AND r.enabled "
            "AND (r.service = '' OR r.service = %s) AND (r.error_code = '' OR r.error_code = %s)",
            [task.project_id, task.service, task.error_code])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "Index" in plan, plan


def test_rules_match_service_and_exact_error_code(project_a, allow_loopback):
    every = make_rule(project_a)
    ecs = make_rule(project_a, service="ecs")
    css = make_rule(project_a, service="css")
    code = make_rule(project_a, error_code="Ecs.0013")
    both = make_rule(project_a, service="ecs", error_code="Ecs.0013")
    record(project_a, "ecs", error_code="Ecs.0013")
    record(project_a, "css", error_code="ecs.0013")  # codes match exactly
    fired = {alert.rule_id: alert.failures for alert in Alert.objects.all()}
    assert fired == {every.pk: 2, ecs.pk: 1, css.pk: 1, code.pk: 1, both.pk: 1}


def test_disabled_rules_and_running_tasks_count_nothing(project_a, allow_loopback):
    rule = make_rule(project_a)
    set_enabled(rule, False)
    record(project_a, "ecs")
    set_enabled(rule, True)
    record(project_a, "ecs", status="RUNNING", job_type="createServer")
    assert not Alert.objects.exists()


def test_the_same_failure_reported_again_counts_once(project_a, allow_loopback):
    make_rule(project_a, threshold=5)
    for _ in range(3):
        record(project_a, "ecs", job_id="same-job")
    assert Alert.objects.get().failures == 1


def test_a_running_creation_that_fails_counts_when_it_fails(project_a, allow_loopback):
    make_rule(project_a, threshold=5)
    record(project_a, "ecs", job_id="create-1", status="RUNNING", job_type="createServer")
    assert not Alert.objects.exists()
    record(project_a, "ecs", job_id="create-1", status="FAIL", job_type="createServer")
    assert Alert.objects.get().failures == 1


def test_the_threshold_fires_once_however_many_follow(project_a, allow_loopback):
    make_rule(project_a, threshold=3, window_minutes=60)
    record(project_a, "ecs")
    record(project_a, "ecs")
    alert = Alert.objects.get()
    assert (alert.state, alert.failures, alert.next_attempt_at) == (AlertState.COUNTING, 2, None)
    record(project_a, "ecs")
    alert.refresh_from_db()
    assert alert.state == AlertState.PENDING and alert.next_attempt_at is not None
    fired = alert.next_attempt_at
    for _ in range(30):
        record(project_a, "ecs")
    alert.refresh_from_db()
    assert (alert.state, alert.failures, alert.next_attempt_at) == (AlertState.PENDING, 33, fired)
    assert Alert.objects.count() == 1


def test_the_samples_are_the_windows_own_recordings(project_a, allow_loopback):
    make_rule(project_a, threshold=2)
    first = record(project_a, "ecs", minutes_ago=600)  # reported late: still this window's
    second = record(project_a, "ecs")
    alert = Alert.objects.get()
    assert (alert.first_revision, alert.last_revision) == (first.revision, second.revision)


def test_windows_are_fixed_intervals():
    moment = datetime(2025, 3, 4, 10, 7, 31, tzinfo=UTC)
    assert window_of(moment, 5) == (datetime(2025, 3, 4, 10, 5, tzinfo=UTC),
                                    datetime(2025, 3, 4, 10, 10, tzinfo=UTC))
    assert window_of(moment, 60) == (datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
                                     datetime(2025, 3, 4, 11, 0, tzinfo=UTC))
    start, end = window_of(moment, 7)
    assert start <= moment < end and end - start == timedelta(minutes=7)


def test_recording_at_a_given_moment_lands_in_that_window(project_a, allow_loopback):
    rule = make_rule(project_a, window_minutes=5)
    task = record(project_a, "ecs")
    Alert.objects.all().delete()
    for moment in (datetime(2025, 1, 1, 9, 59, 59, tzinfo=UTC),
                   datetime(2025, 1, 1, 10, 0, tzinfo=UTC),
                   datetime(2025, 1, 1, 10, 4, 59, tzinfo=UTC)):
        count_recorded_failure(task=task, newly_failed=True, now=moment)
    windows = dict(Alert.objects.filter(rule=rule).values_list("window_start", "failures"))
    assert windows == {datetime(2025, 1, 1, 9, 55, tzinfo=UTC): 1,
                       datetime(2025, 1, 1, 10, 0, tzinfo=UTC): 2}
