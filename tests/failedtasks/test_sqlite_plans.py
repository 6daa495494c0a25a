"""SQLite's planner has no statistics unless ANALYZE ran (a fresh install never
runs it): the list's queries must pick the list's own index by their shape."""

import pytest
from django.db import connection

from failedtasks.listing import TaskListing
from tests.conftest import record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner"),
]


def query_plan(queryset) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in cursor.fetchall()]


def test_the_confirmation_preview_reads_the_list_index_in_order(project_a):
    for i in range(3):
        record(project_a, "ecs", job_type="createServer", failure_status="createFail",
               resource_name=f"create-{i}")
    listing = TaskListing(project_a, "ecs", "creation")
    revision = listing.confirmation().revision
    plan = query_plan(listing.deletable().seen_at(revision)[:10])
    assert any("task_category_newest" in step for step in plan), plan
    assert not any("task_project_revision" in step or "TEMP B-TREE" in step for step in plan), plan


def test_a_search_reads_the_list_index_in_order_with_indexed_candidates(project_a):
    """The newest matches first without sorting them all; the candidates come from
    the trigram table and the NOCASE indexes, never from reading every task."""
    for i in range(3):
        record(project_a, "ecs", job_type="createServer", failure_status="createFail",
               resource_name=f"web-{i}")
    listing = TaskListing(project_a, "ecs", "creation", search="web-1")
    plan = query_plan(listing.tasks()[:11])
    assert plan[0] == "SEARCH failedtasks_failedtask USING INDEX task_category_newest " \
        "(project_id=? AND service=? AND category=?)", plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any("failedtasks_task_name_search VIRTUAL TABLE" in step for step in plan), plan
    for index in ("task_resource_id_nocase", "task_job_id_nocase", "task_error_code_nocase"):
        assert any(f"COVERING INDEX {index} (" in step for step in plan), (index, plan)
    assert not any(step.startswith("SCAN failedtasks_failedtask") for step in plan), plan
