"""Nothing lost under concurrency: Delete All racing new failures, and the tallies
(what every app server reads for its counter) staying equal to the rows."""

import threading
import time

import pytest
from django.db import connection, connections
from django.db.models import Count

from failedtasks.actors import Actor
from failedtasks.models import FailedTask, TaskStatus, TaskTally
from failedtasks.services import (
    NothingToDelete,
    delete_all_seen,
    delete_task,
    record_failure,
    restore_deletion,
)
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(*jobs):
    errors = []

    def wrap(job):
        try:
            job()
        except Exception as error:  # surfaced below, with the thread's own error
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def tallies_match_rows():
    rows = {
        (t["project_id"], t["service"], t["category"], t["status"]): t["n"]
        for t in FailedTask.objects.values("project_id", "service", "category", "status")
        .annotate(n=Count("id")).order_by()
    }
    tallies = {(t.project_id, t.service, t.category, t.status): t.count
               for t in TaskTally.objects.all() if t.count}
    return rows == tallies


def test_delete_all_never_takes_a_failure_that_arrived_meanwhile(project_a, operator):
    for n in range(200):
        record(project_a, "ecs", job_id=f"seen-{n}")
    scope = FailedTask.objects.for_project(project_a).for_service("ecs").failed()
    watermark = current_revision(project_a)

    def delete_all():
        delete_all_seen(project_a, scope, watermark, Actor(operator), service="ecs")

    def new_failures():
        for n in range(60):
            record_failure(project_a, service="ecs", job_id=f"late-{n}", job_type="resizeServer")

    run_in_threads(delete_all, new_failures)

    assert set(FailedTask.objects.values_list("job_id", flat=True)) == {f"late-{n}" for n in range(60)}
    assert tallies_match_rows()


def test_two_servers_recording_and_deleting_keep_the_tallies_exact(project_a, project_b, operator):
    for n in range(40):
        record(project_a, "css", job_id=f"a-{n}")
        record(project_b, "kps", job_id=f"b-{n}")

    def server(prefix, project, service):
        def work():
            for n in range(40):
                record_failure(project, service=service, job_id=f"{prefix}-new-{n}",
                               status=TaskStatus.FAIL if n % 3 else TaskStatus.RUNNING)
                victim = FailedTask.objects.filter(project=project).failed().order_by("?").first()
                if victim is not None:
                    try:
                        delete_task(FailedTask.objects.filter(project=project), victim.pk,
                                    Actor(operator))
                    except NothingToDelete:
                        pass  # the other server got there first: deleted once, as it should be
        return work

    run_in_threads(server("one", project_a, "css"), server("two", project_a, "css"),
                   server("three", project_b, "kps"))
    assert tallies_match_rows()


def test_the_same_job_recorded_at_once_by_two_servers_is_one_task(project_a):
    def report():
        for n in range(30):
            record_failure(project_a, service="sdrs", job_id=f"dup-{n}", job_type="createServerGroup")

    run_in_threads(report, report, report)
    assert FailedTask.objects.count() == 30
    assert tallies_match_rows()


def test_concurrent_recordings_commit_in_revision_order(project_a):
    """Recordings take the project's revision last, yet every listing that reads
    revision W sees every task stamped W or lower: revisions still commit in the
    order they are handed out, with several clients recording at once."""
    record(project_a, "ecs", job_id="before")
    first = current_revision(project_a)
    done = threading.Event()
    gaps = []

    def client(name):
        def work():
            for n in range(25):
                record_failure(project_a, service="ecs" if n % 2 else "css",
                               job_id=f"{name}-{n}", job_type="resizeServer")
        return work

    def listing():
        while not done.is_set():
            watermark = current_revision(project_a)  # read first, as every listing does
            seen = set(FailedTask.objects.for_project(project_a)
                       .filter(revision__gt=first).values_list("revision", flat=True))
            if not set(range(first + 1, watermark + 1)) <= seen:
                gaps.append(watermark)

    clients = [client(f"c{i}") for i in range(4)]

    def recordings():
        try:
            run_in_threads(*clients)
        finally:
            done.set()

    run_in_threads(recordings, listing)
    assert gaps == []
    revisions = list(FailedTask.objects.filter(revision__gt=first).values_list("revision", flat=True))
    assert sorted(revisions) == list(range(first + 1, first + 101))  # one each, none unstamped
    assert current_revision(project_a) == first + 100
    assert tallies_match_rows()


def test_a_running_task_that_failed_after_the_listing_is_kept(project_a, operator):
    """Recording the same job again keeps its id but takes a new revision."""
    running = record(project_a, "ecs", job_id="job-j", job_type="createServer",
                     status=TaskStatus.RUNNING)
    record(project_a, "ecs", job_id="job-f", job_type="createServer", failure_status="createFail")
    watermark = current_revision(project_a)  # the listing shows job-j running
    failed, created = record_failure(project_a, service="ecs", job_id="job-j",
                                     job_type="createServer", failure_status="createFail")
    assert (failed.pk, created) == (running.pk, False)

    scope = FailedTask.objects.for_project(project_a).for_service("ecs").failed()
    deletion = delete_all_seen(project_a, scope, watermark, Actor(operator), service="ecs")
    assert (deletion.deleted_count, deletion.kept_count) == (1, 1)
    assert list(FailedTask.objects.values_list("job_id", flat=True)) == ["job-j"]
    assert tallies_match_rows()


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def hold_tally_rows(project, service: str):
    """Another connection locks the project's tally rows of `service` until it commits:
    a recording there inserts its task, then waits."""
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT count FROM failedtasks_tasktally WHERE project_id = %s "
                       "AND service = %s FOR UPDATE", [project.pk, service])
    return holder


def wait_until(condition, what: str, limit: float = 60.0) -> None:
    """Poll until `condition()` holds; the limit is a safety net, never the test."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.mark.skipif(connection.vendor != "postgresql", reason=(
    "SQLite takes its write lock when a transaction begins (IMMEDIATE), so two "
    "recordings never overlap and commit in the order they began"))
def test_a_task_committed_after_the_listing_is_kept_whatever_the_commit_order(
    project_a, operator
):
    """The commit-order race: a recording that is held up after its insert (here
    behind a locked tally row) must not fall under a listing read meanwhile,
    even when a later recording of the same project commits first. The held-up
    one has not taken its revision yet, so it holds up no other recording."""
    record(project_a, "css", job_id="css-seen")
    record(project_a, "kps", job_id="kps-seen")
    holder = hold_tally_rows(project_a, "css")
    waiting_before = lock_waiters()
    held_up = threading.Thread(target=lambda: (
        record_failure(project_a, service="css", job_id="css-held-up"),
        connections.close_all()))
    held_up.start()
    wait_until(lambda: lock_waiters() > waiting_before, "the css recording to wait")
    later = threading.Thread(target=lambda: (
        record_failure(project_a, service="kps", job_id="kps-later"),
        connections.close_all()))
    later.start()
    # The later recording takes the next revision and commits meanwhile.
    later.join(timeout=60)
    assert not later.is_alive()

    watermark = current_revision(project_a)  # the listing, read now
    listed = set(FailedTask.objects.for_project(project_a).values_list("job_id", flat=True))

    holder.commit()
    holder.close()
    held_up.join(timeout=60)
    later.join(timeout=60)
    assert not held_up.is_alive() and not later.is_alive()

    deletion = delete_all_seen(project_a, FailedTask.objects.for_project(project_a).failed(),
                               watermark, Actor(operator))
    deleted = set(deletion.tasks.values_list("job_id", flat=True))
    assert "kps-later" in listed and "css-held-up" not in listed
    assert deleted == listed
    assert set(FailedTask.objects.values_list("job_id", flat=True)) == {"css-held-up"}
    assert tallies_match_rows()


@pytest.mark.skipif(connection.vendor != "postgresql", reason=(
    "SQLite takes its write lock when a transaction begins (IMMEDIATE), so an undo and "
    "a recording never overlap"))
def test_an_undo_racing_a_new_report_of_the_same_job_keeps_one_task(project_a, operator):
    """Undo restores a deleted job while the same job is reported again: the two
    take the project's revision lock in turn, so the second sees the first's task
    (no unique-constraint error, no task lost, no duplicate)."""
    task = record(project_a, "css", job_id="job-again", resource_name="before")
    deletion = delete_task(FailedTask.objects.filter(project=project_a), task.pk, Actor(operator))
    assert not FailedTask.objects.exists()

    holder = hold_tally_rows(project_a, "css")
    waiting_before = lock_waiters()
    errors = []

    def in_thread(work):
        def run():
            try:
                work()
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                connections.close_all()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    # The new report inserts its row, then waits behind the held tally row.
    report = in_thread(lambda: record_failure(project_a, service="css", job_id="job-again",
                                              resource_name="reported again"))
    wait_until(lambda: lock_waiters() > waiting_before, "the report to wait")
    undo = in_thread(lambda: restore_deletion(deletion, Actor(operator)))
    wait_until(lambda: not undo.is_alive() or lock_waiters() > waiting_before + 1,
               "the undo to wait or finish")
    holder.commit()
    holder.close()
    report.join(timeout=60)
    undo.join(timeout=60)

    assert errors == []
    assert list(FailedTask.objects.values_list("job_id", "resource_name")) == [
        ("job-again", "reported again")]
    assert tallies_match_rows()
