"""The list's first page, its SQL compiled once per shape: the rows the ORM reads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console.tenancy.models import Resource
from failedtasks.listing import PAGE_SIZE, TaskListing
from failedtasks.models import TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db


def as_read(tasks) -> list[dict]:
    """Every column and both row extras of each task, in order."""
    return [{name: value for name, value in vars(task).items() if name != "_state"}
            for task in tasks]


def read_by_the_orm(listing: TaskListing) -> list[dict]:
    return as_read(listing.tasks()[: PAGE_SIZE + 1].with_row_extras())


@pytest.fixture
def tasks(project_a, project_b):
    Resource.objects.create(project=project_a, service="css", resource_id="cluster-1",
                            name="cluster-1", status="AVAILABLE")
    for project in (project_a, project_b):
        for number in range(14):
            record(project, "ecs", job_type="createServer" if number % 2 else "resizeServer",
                   failure_status="createFail" if number % 2 else "resizeFail",
                   error_code=("Ecs.0013", "", "Not.InCatalog")[number % 3],
                   minutes_ago=number, extra={"n": number})
        record(project, "ecs", job_type="createServer", status=TaskStatus.RUNNING)
        record(project, "css", resource_id="cluster-1", error_code="CSS.6000",
               begin_time=None, fail_reason="disk full")
        record(project, "sdrs", parent_id="pg-1", job_type="createProtectedInstance",
               failure_status="createFail")
        record(project, "kps", job_type="bindKeypair", failure_status="bindFail")


@pytest.mark.parametrize("service, params", [
    ("ecs", {}), ("ecs", {"tab": "operation"}), ("ecs", {"code": "Ecs.0013"}),
    ("ecs", {"tab": "operation", "code": ""}), ("ecs", {"code": "Not.InCatalog"}),
    ("css", {}), ("sdrs", {}), ("kps", {}), ("kps", {"code": "Nothing.Such"}),
])
def test_the_first_page_is_the_rows_the_orm_reads(tasks, project_a, project_b, service, params):
    for project in (project_a, project_b, project_a):  # the second time of a shape too
        listing = TaskListing.from_params(project, service, params)
        expected = read_by_the_orm(listing)
        assert as_read(listing.rows) == expected
        assert all(row["project_id"] == project.pk for row in expected)
    assert expected or params.get("code") == "Nothing.Such"


def test_the_row_extras_come_through(tasks, project_a):
    [css] = TaskListing.from_params(project_a, "css", {}).rows
    assert css.catalog_entry["code"] == "CSS.6000"
    assert css.resource_row == Resource.objects.get(resource_id="cluster-1").pk
    assert css.begin_time is None and css.extra == {}
    ecs = TaskListing.from_params(project_a, "ecs", {"tab": "operation"}).rows
    assert ecs[0].failed_at.tzinfo is not None and ecs[0].extra == {"n": 0}


def test_a_shape_seen_before_is_one_statement_with_this_lists_values(tasks, project_a, project_b):
    TaskListing.from_params(project_a, "ecs", {"tab": "creation"}).rows
    with CaptureQueriesContext(connection) as first:
        TaskListing.from_params(project_a, "ecs", {"tab": "creation"}).rows
    with CaptureQueriesContext(connection) as other:
        TaskListing.from_params(project_b, "ecs", {"tab": "creation"}).rows
    assert len(first) == len(other) == 1
    assert project_a.pk in first[0]["sql"] and project_b.pk in other[0]["sql"]
