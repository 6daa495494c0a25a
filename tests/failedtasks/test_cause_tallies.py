"""The tallies per error code stay exact through every change of failed tasks:
the group view and the causes API read them instead of counting the tasks."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from failedtasks.actors import Actor
from failedtasks.causes import TallyScope, counted_causes
from failedtasks.models import FailedTask, TaskStatus, TaskTally
from failedtasks.services import (
    delete_all_seen,
    delete_task,
    purge_older_than,
    record_failure,
    recount_tallies,
    restore_deletion,
)
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db


def tallied() -> dict:
    return {(t.project_id, t.service, t.category, t.status, t.error_code): t.count
            for t in TaskTally.objects.all() if t.count}


def counted() -> dict:
    rows = (FailedTask.objects.values_list("project_id", "service", "category", "status",
                                           "error_code")
            .annotate(n=Count("id")).order_by())
    return {tuple(row[:5]): row[5] for row in rows}


def assert_exact():
    assert tallied() == counted()


@pytest.fixture
def actor(operator):
    return Actor(operator)


def test_recording_tallies_each_code(project_a):
    record(project_a, "css", error_code="CSS.6004")
    record(project_a, "css", error_code="CSS.6004")
    record(project_a, "css", error_code="")
    assert_exact()
    key = (project_a.pk, "css", "operation", "FAIL", "CSS.6004")
    assert tallied()[key] == 2


def test_recording_again_with_another_code_moves_the_task(project_a):
    record(project_a, "css", job_id="job-1", error_code="CSS.6000")
    record(project_a, "css", job_id="job-1", error_code="CSS.6004")
    assert_exact()
    assert FailedTask.objects.count() == 1


def test_a_running_creation_that_fails_with_a_code(project_a):
    record(project_a, "ecs", job_id="job-1", status=TaskStatus.RUNNING, job_type="createServer",
           failure_status="", error_code="")
    record(project_a, "ecs", job_id="job-1", job_type="createServer",
           failure_status="createFail", error_code="Ecs.0013")
    assert_exact()


def test_deleting_one_and_all(project_a, project_b, actor):
    tasks = [record(project_a, "css", error_code=f"CSS.600{n % 3}") for n in range(9)]
    record(project_b, "css", error_code="CSS.6000")
    delete_task(FailedTask.objects.for_project(project_a), tasks[0].pk, actor)
    assert_exact()
    scope = FailedTask.objects.for_project(project_a).for_service("css").filter(
        error_code="CSS.6001")
    delete_all_seen(project_a, scope, current_revision(project_a), actor, service="css",
                    criteria={"error_code": "CSS.6001"})
    assert_exact()
    assert not FailedTask.objects.filter(project=project_a, error_code="CSS.6001").exists()
    delete_all_seen(project_a, FailedTask.objects.for_project(project_a),
                    current_revision(project_a), actor)
    assert_exact()


def test_undo_puts_the_codes_back(project_a, actor):
    for n in range(4):
        record(project_a, "css", error_code=f"CSS.600{n % 2}")
    before = tallied()
    deletion = delete_all_seen(project_a, FailedTask.objects.for_project(project_a),
                               current_revision(project_a), actor)
    assert_exact()
    restore_deletion(deletion, actor)
    assert_exact()
    assert tallied() == before


def test_purge(project_a, actor):
    record(project_a, "css", error_code="CSS.6000", minutes_ago=60 * 24 * 40)
    record(project_a, "css", error_code="CSS.6000")
    record(project_a, "css", error_code="CSS.6004", minutes_ago=60 * 24 * 40)
    purge_older_than(timezone.now() - timedelta(days=30), actor)
    assert_exact()
    assert FailedTask.objects.count() == 1


def test_recount_is_per_code(project_a):
    record(project_a, "css", error_code="CSS.6000")
    record(project_a, "css", error_code="CSS.6004")
    TaskTally.objects.update(count=99)
    recount_tallies()
    assert_exact()


def test_the_counter_sums_the_codes(project_a):
    for code in ("A.1", "A.2", "A.2", ""):
        record(project_a, "css", error_code=code)
    assert TaskTally.objects.for_service(project_a, "css").failed == 4


# --- Reading groups ------------------------------------------------------------

def test_causes_from_the_tallies_with_failure_times(project_a):
    now = timezone.now()
    for minutes in (1, 2, 3):
        record(project_a, "ecs", error_code="Ecs.0013", minutes_ago=minutes)
    record(project_a, "ecs", error_code="Ecs.0013", job_type="createServer",
           failure_status="createFail", minutes_ago=90)
    record(project_a, "ecs", error_code="EVS.2024", minutes_ago=5)
    scope = TallyScope(project_a, "ecs", status=TaskStatus.FAIL)
    causes = scope.with_failure_times(scope.causes())
    assert [(c.error_code, c.count) for c in causes] == [("Ecs.0013", 4), ("EVS.2024", 1)]
    # Across both categories: the earliest and latest of either.
    assert now - causes[0].first_failed_at > timedelta(minutes=89)
    assert now - causes[0].last_failed_at < timedelta(minutes=2)


def test_causes_of_a_search_are_counted(project_a):
    for n in range(5):
        record(project_a, "css", error_code="CSS.6000" if n % 2 else "CSS.6004",
               resource_name=f"web-{n}")
    record(project_a, "css", error_code="CSS.6000", resource_name="db-1")
    causes, is_lower_bound = counted_causes(
        FailedTask.objects.for_project(project_a).matching("web"))
    assert [(c.error_code, c.count) for c in causes] == [("CSS.6004", 3), ("CSS.6000", 2)]
    assert not is_lower_bound
    assert all(c.first_failed_at <= c.last_failed_at for c in causes)


def test_recording_through_the_service_with_no_code(project_a):
    record_failure(project_a, service="kps", job_id="k-1")
    assert_exact()
    assert tallied()[(project_a.pk, "kps", "operation", "FAIL", "")] == 1


def test_the_migration_fills_the_tallies_per_code(project_a, project_b):
    """Migration 0007 recounts existing tallies per error code, and back."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("failedtasks.migrations.0007_tally_error_codes")
    for code in ("CSS.6000", "CSS.6000", "CSS.6004", ""):
        record(project_a, "css", error_code=code)
    record(project_b, "ecs", error_code="Ecs.0013")
    editor = SimpleNamespace(connection=connection)
    migration.tally_without_error_codes(None, editor)
    assert set(TaskTally.objects.values_list("error_code", flat=True)) == {""}
    assert sum(TaskTally.objects.values_list("count", flat=True)) == 5
    migration.tally_per_error_code(None, editor)
    assert_exact()
