import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from failedtasks.models import DeletedTask, Deletion, FailedTask, Scope, TaskStatus, TaskTally
from tests.conftest import record

pytestmark = pytest.mark.django_db

DAY = 24 * 60


def purge(*args):
    out = io.StringIO()
    call_command("purge_failed_tasks", *args, stdout=out)
    return out.getvalue()


def test_it_purges_old_failures_per_project_and_audits(project_a, project_b):
    old_a = [record(project_a, "ecs", minutes_ago=100 * DAY) for _ in range(3)]
    old_b = record(project_b, "css", minutes_ago=91 * DAY)
    recent = record(project_a, "ecs", minutes_ago=89 * DAY)
    stuck = record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
                   minutes_ago=200 * DAY)

    assert "Purged 4 failed tasks" in purge("--older-than", "90d")

    assert set(FailedTask.objects.values_list("pk", flat=True)) == {recent.pk, stuck.pk}
    deletions = Deletion.objects.filter(scope=Scope.PURGE)
    assert {d.project_id: d.deleted_count for d in deletions} == {project_a.pk: 3, project_b.pk: 1}
    assert all(d.channel == "retention" and d.actor is None for d in deletions)
    assert set(DeletedTask.objects.values_list("task_pk", flat=True)) == {
        t.pk for t in old_a} | {old_b.pk}
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1


def test_dry_run_changes_nothing(project_a):
    record(project_a, minutes_ago=100 * DAY)
    assert "Would purge 1 failed tasks" in purge("--older-than", "90d", "--dry-run")
    assert FailedTask.objects.count() == 1
    assert not Deletion.objects.exists()


@pytest.mark.parametrize("age", ["90", "d90", "90y", "-3d", "", "9999999d"])
def test_bad_ages_are_refused(age):
    with pytest.raises(CommandError):
        purge("--older-than", age)


def test_it_is_set_based(project_a):
    def statements(n):
        for _ in range(n):
            record(project_a, minutes_ago=100 * DAY)
        with CaptureQueriesContext(connection) as ctx:
            purge("--older-than", "90d")
        return len(ctx.captured_queries)

    assert statements(2) == statements(40)


def test_without_an_age_it_purges_after_the_retention_setting(project_a, settings):
    settings.FAILED_TASK_RETENTION_DAYS = 30
    old = record(project_a, "ecs", minutes_ago=31 * DAY)
    recent = record(project_a, "ecs", minutes_ago=29 * DAY)
    assert "Purged 1 failed tasks" in purge()
    assert list(FailedTask.objects.values_list("pk", flat=True)) == [recent.pk]
    assert DeletedTask.objects.get().task_pk == old.pk


def test_without_an_age_or_a_retention_setting_it_refuses(project_a, settings):
    settings.FAILED_TASK_RETENTION_DAYS = None
    record(project_a, "ecs", minutes_ago=400 * DAY)
    with pytest.raises(CommandError, match="Give --older-than"):
        purge()
    assert FailedTask.objects.count() == 1
