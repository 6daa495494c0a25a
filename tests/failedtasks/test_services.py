"""The service module: recording, tallies, and audited deletions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from failedtasks.actors import Actor
from failedtasks.models import (
    Category,
    DeletedTask,
    Deletion,
    FailedTask,
    Scope,
    TaskStatus,
    TaskTally,
)
from failedtasks.services import (
    NothingToDelete,
    delete_all_seen,
    delete_task,
    record_failure,
    recount_tallies,
)
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db


def test_recording_counts_in_the_tallies(project_a):
    record(project_a, "ecs")
    record(project_a, "ecs", job_type="createServer", failure_status="createFail")
    record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING)
    record(project_a, "css")

    ecs = TaskTally.objects.for_service(project_a, "ecs")
    assert ecs.failed == 2  # the running creation is not a failure
    assert ecs.in_category(Category.CREATION) == 2
    assert ecs.in_category(Category.OPERATION) == 1
    assert TaskTally.objects.for_service(project_a, "css").failed == 1
    assert TaskTally.objects.for_service(project_a, "kps").failed == 0


def test_recording_the_same_job_twice_stores_one_task(project_a):
    first, created = record_failure(project_a, service="sdrs", job_id="ff80", job_type="x")
    again, created_again = record_failure(project_a, service="sdrs", job_id="ff80", job_type="x")
    assert created and not created_again
    assert first.pk == again.pk
    assert FailedTask.objects.count() == 1
    assert TaskTally.objects.for_service(project_a, "sdrs").failed == 1


def test_a_running_creation_that_fails_moves_in_the_tallies(project_a):
    record(project_a, job_id="c1", job_type="createServer", status=TaskStatus.RUNNING)
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 0
    record(project_a, job_id="c1", job_type="createServer", status=TaskStatus.FAIL,
           error_code="Ecs.0013")
    tallies = TaskTally.objects.for_service(project_a, "ecs")
    assert tallies.failed == 1
    assert tallies.listed == 1
    assert FailedTask.objects.get().error_code == "Ecs.0013"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pipeline mode")
@pytest.mark.parametrize("again", [False, True], ids=["new job", "same job again"])
def test_what_a_recording_writes_after_its_stamp_leaves_with_its_commit(transactional_db,
                                                                       project_a, again):
    """From its stamp to its commit a recording holds its project's revision row, which
    every recording of the project waits for: the statements between are queued
    (psycopg's pipeline mode) and sent with the COMMIT, not a round trip each."""
    from psycopg import pq

    from failedtasks.signals import failure_recorded

    if again:
        record(project_a, "ecs", job_id="job-1", status=TaskStatus.RUNNING)
    seen = []

    def receiver(task, **_kwargs):
        seen.append((task.job_id, connection.connection.pgconn.pipeline_status))

    failure_recorded.connect(receiver)
    try:
        task = record(project_a, "ecs", job_id="job-1")
    finally:
        failure_recorded.disconnect(receiver)
    assert seen == [("job-1", pq.PipelineStatus.ON)]
    assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF
    assert task.revision == current_revision(project_a)
    assert FailedTask.objects.get(job_id="job-1").revision == task.revision


def record_with_a_failing_receiver(project, job_id: str) -> list:
    """Record `job_id` while a failure_recorded receiver raises (the recording raises
    with it); returns the pipeline status the receiver saw."""
    from failedtasks.signals import failure_recorded

    seen = []

    def failing_receiver(**_kwargs):
        seen.append(connection.connection.pgconn.pipeline_status)
        raise RuntimeError("a receiver failed")

    failure_recorded.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError):
            record(project, "ecs", job_id=job_id)
    finally:
        failure_recorded.disconnect(failing_receiver)
    return seen


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pipeline mode")
def test_inside_another_transaction_a_recording_is_not_pipelined_and_rolls_back_alone(
        transactional_db, project_a):
    """In a transaction of the caller's (a savepoint), an error must be rolled back
    to the savepoint where it happens: nothing is queued, and the caller carries on."""
    from django.db import transaction
    from psycopg import pq

    with transaction.atomic():
        record(project_a, "ecs", job_id="kept")
        seen = record_with_a_failing_receiver(project_a, "rolled-back")
        record(project_a, "ecs", job_id="after")
    assert seen == [pq.PipelineStatus.OFF]
    assert sorted(FailedTask.objects.values_list("job_id", flat=True)) == ["after", "kept"]
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pipeline mode")
def test_a_receiver_that_fails_in_the_pipeline_rolls_the_recording_back(transactional_db,
                                                                        project_a):
    from psycopg import pq

    assert record_with_a_failing_receiver(project_a, "rolled-back") == [pq.PipelineStatus.ON]
    assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF
    assert not FailedTask.objects.exists()
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 0
    record(project_a, "ecs", job_id="next")  # the connection carries on
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1


def test_the_same_job_id_in_two_projects_is_two_tasks(project_a, project_b):
    record(project_a, job_id="same")
    record(project_b, job_id="same")
    assert FailedTask.objects.count() == 2


def test_delete_task_audits_a_snapshot(project_a, operator):
    task = record(project_a, "css", error_code="CSS.6000", fail_reason="<b>boom</b>")
    deletion = delete_task(FailedTask.objects.for_project(project_a), task.pk,
                           Actor(operator, remote_addr="10.0.0.9"))

    assert not FailedTask.objects.exists()
    assert deletion.scope == Scope.ONE
    assert deletion.actor == operator and deletion.actor_name == "olivia"
    assert deletion.remote_addr == "10.0.0.9"
    snapshot = DeletedTask.objects.get(deletion=deletion)
    assert snapshot.task_pk == task.pk
    assert snapshot.error_code == "CSS.6000"
    assert snapshot.fail_reason == "<b>boom</b>"
    assert snapshot.failed_at == task.failed_at
    assert TaskTally.objects.for_service(project_a, "css").failed == 0


def test_delete_task_twice_deletes_once(project_a, operator):
    task = record(project_a)
    scope = FailedTask.objects.for_project(project_a)
    delete_task(scope, task.pk, Actor(operator))
    with pytest.raises(NothingToDelete):
        delete_task(scope, task.pk, Actor(operator))
    assert Deletion.objects.count() == 1


def test_delete_task_outside_its_scope_changes_nothing(project_a, project_b, operator):
    foreign = record(project_b)
    with pytest.raises(NothingToDelete):
        delete_task(FailedTask.objects.for_project(project_a), foreign.pk, Actor(operator))
    assert FailedTask.objects.filter(pk=foreign.pk).exists()
    assert not Deletion.objects.exists()


def test_delete_all_spares_tasks_newer_than_the_watermark(project_a, operator):
    seen = [record(project_a, minutes_ago=n) for n in range(3)]
    other_service = record(project_a, "css")
    scope = FailedTask.objects.for_project(project_a).for_service("ecs")
    watermark = current_revision(project_a)
    arrived_later = record(project_a)  # while the confirmation was open

    deletion = delete_all_seen(project_a, scope, watermark, Actor(operator), service="ecs")

    assert deletion.deleted_count == 3 and deletion.kept_count == 1
    assert set(FailedTask.objects.values_list("pk", flat=True)) == {arrived_later.pk, other_service.pk}
    assert set(DeletedTask.objects.values_list("task_pk", flat=True)) == {t.pk for t in seen}
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1
    assert TaskTally.objects.for_service(project_a, "css").failed == 1


def test_delete_all_is_set_based_whatever_the_row_count(project_a, operator):
    def queries_to_delete(n):
        for _ in range(n):
            record(project_a)
        scope = FailedTask.objects.for_project(project_a)
        with CaptureQueriesContext(connection) as ctx:
            delete_all_seen(project_a, scope, current_revision(project_a), Actor(operator))
        return len(ctx.captured_queries)

    assert queries_to_delete(2) == queries_to_delete(40)


def test_recount_rebuilds_tallies_from_rows(project_a):
    record(project_a)
    record(project_a, "kps")
    from failedtasks.models import TaskTally

    TaskTally.objects.update(count=99)
    recount_tallies()
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 1
    assert TaskTally.objects.for_service(project_a, "kps").failed == 1
