"""Nothing lost under concurrency: Delete All racing new failures, and the tallies
(what every app server reads for its counter) staying equal to the rows."""

import threading

import pytest
from django.db import connections
from django.db.models import Count

from failedtasks.models import FailedTask, TaskStatus, TaskTally
from failedtasks.services import (
    Actor,
    NothingToDelete,
    delete_all_seen,
    delete_task,
    record_failure,
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
