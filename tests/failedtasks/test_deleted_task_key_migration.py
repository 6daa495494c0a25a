"""The audit snapshots, re-keyed from a surrogate id to (deletion, task_pk), keep every
row and every value: forwards, backwards and forwards again, on either database."""

from datetime import datetime, timezone

import pytest
from django.db import IntegrityError, connection, transaction

from failedtasks.models import DeletedTask, Deletion
from tests.migration_steps import latest, migrate

BEFORE = [("failedtasks", "0008_name_trigram_per_list")]
FAILED_AT = datetime(2026, 11, 30, 8, 15, tzinfo=timezone.utc)


def snapshots() -> list[tuple]:
    return sorted(DeletedTask.objects.values_list(
        "deletion_id", "task_pk", "project_id", "service", "job_id", "category", "error_code",
        "fail_reason", "failed_at", "extra"))


def fill_old_schema(apps) -> list[tuple]:
    """Two deletions' snapshots, written through the model as it was before the change."""
    project = apps.get_model("tenancy", "Project").objects.create(
        region=apps.get_model("tenancy", "Region").objects.create(
            id="cn-north-4", name_en="CN North-Beijing4", name_zh="华北-北京四"),
        name="cn-north-4")
    Deletion = apps.get_model("failedtasks", "Deletion")
    DeletedTaskThen = apps.get_model("failedtasks", "DeletedTask")
    expected = []
    for number, scope in enumerate(["one", "all"]):
        deletion = Deletion.objects.create(actor_name="ops", channel="console", project=project,
                                           service="ecs", scope=scope, deleted_count=2)
        for task_pk in (10 + number, 20 + number):
            DeletedTaskThen.objects.create(
                deletion=deletion, task_pk=task_pk, project=project, service="ecs",
                job_id=f"job-{task_pk}", category="creation", error_code="Ecs.0013",
                fail_reason="quota exceeded", failed_at=FAILED_AT, extra={"az": "cn-north-4a"})
            expected.append((deletion.pk, task_pk, project.pk, "ecs", f"job-{task_pk}", "creation",
                             "Ecs.0013", "quota exceeded", FAILED_AT, {"az": "cn-north-4a"}))
    return sorted(expected)


@pytest.mark.django_db(transaction=True)
def test_snapshots_survive_the_new_key_both_ways():
    try:
        executor = migrate(BEFORE)
        applied = list(executor.loader.applied_migrations)
        expected = fill_old_schema(executor.loader.project_state(applied).apps)

        migrate(latest())
        assert snapshots() == expected
        assert DeletedTask.objects.get(deletion_id=expected[0][0], task_pk=expected[0][1]).job_id \
            == expected[0][4]

        migrate(BEFORE)  # going back numbers the rows afresh, and loses none
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(DISTINCT id) FROM failedtasks_deletedtask")
            assert cursor.fetchone()[0] == len(expected)

        migrate(latest())
        assert snapshots() == expected
    finally:
        migrate(latest())


@pytest.mark.django_db
def test_one_deletion_cannot_snapshot_a_task_twice(project_a):
    deletion = Deletion.objects.create(actor_name="ops", channel="console", project=project_a,
                                       scope="one")
    fields = dict(deletion=deletion, task_pk=7, project=project_a, service="ecs", job_id="j",
                  category="creation")
    DeletedTask.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeletedTask.objects.create(**fields)

