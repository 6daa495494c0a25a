"""The open list's poll stays an index look-up at any size (PostgreSQL plans).

Every open dialog asks every few seconds how many failures arrived since it
was shown; the tasks recorded since are found on the (project, revision)
index, however many the list holds. See test_query_plans for the data.
"""

import pytest
from django.urls import reverse

from failedtasks.models import ProjectRevision
from tests.conftest import record
from tests.failedtasks.test_query_plans import (  # noqa: F401 (fixtures)
    assert_no_sequential_scan,
    busy,
    loaded,
    nodes,
    operator_client,
    pytestmark,
)


def poll(client, project, since: int, **place):
    url = reverse("failed-tasks-new-count", args=[project.pk, "ecs"])
    return lambda: client.get(url, {"since": since, "shown": 0, **place})


@pytest.mark.parametrize("place", [
    {"tab": "creation"}, {"tab": "operation"}, {"tab": "creation", "q": "load-00"},
    {"tab": "operation", "q": "Ecs.0013"},
])
def test_the_poll_reads_only_what_was_recorded_since(operator_client, busy, place):
    since = ProjectRevision.objects.current(busy.pk)
    for n in range(3):
        record(busy, "ecs", job_type="createServer", failure_status="createFail",
               resource_name=f"ecs-load-00{n}x", error_code="Ecs.0013")
        record(busy, "ecs", resource_name=f"ecs-load-00{n}y", error_code="Ecs.0013")
    (plan,) = assert_no_sequential_scan(poll(operator_client, busy, since, **place))
    used = {node.get("Index Name") for node in nodes(plan)}
    assert "task_project_revision" in used, used


def test_the_poll_of_a_list_older_than_every_task(operator_client, busy):
    """Shown before the whole load: everything is new, counted only up to the limit."""
    since = ProjectRevision.objects.current(busy.pk) - 1
    assert_no_sequential_scan(poll(operator_client, busy, since, tab="creation"), analyze=True)
