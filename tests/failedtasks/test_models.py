import pytest
from django.db import IntegrityError

from failedtasks.models import Category, FailedTask, TaskStatus, category_for
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("failure_status,job_type,status,expected", [
    ("createFail", "anything", "FAIL", Category.CREATION),
    ("", "createServer", "FAIL", Category.CREATION),
    ("", "createProtectedInstance", "FAIL", Category.CREATION),
    ("", "startServer", "RUNNING", Category.CREATION),
    ("resizeFail", "resizeServer", "FAIL", Category.OPERATION),
    ("", "restartCluster", "FAIL", Category.OPERATION),
])
def test_category_for(failure_status, job_type, status, expected):
    assert category_for(failure_status, job_type, status) == expected


def test_a_job_id_is_unique_within_a_project(project_a):
    record(project_a, job_id="j1")
    with pytest.raises(IntegrityError):
        FailedTask.objects.create(project=project_a, service="ecs", job_id="j1",
                                  category=Category.OPERATION)


@pytest.mark.parametrize("field,value", [
    ("service", "rds"), ("status", "DONE"), ("category", "other"),
])
def test_the_database_refuses_unknown_values(project_a, field, value):
    values = {"service": "ecs", "status": TaskStatus.FAIL, "category": Category.OPERATION,
              field: value}
    with pytest.raises(IntegrityError):
        FailedTask.objects.create(project=project_a, job_id="j2", **values)


def test_newest_first_breaks_ties_by_id(project_a):
    from django.utils import timezone

    same_time = timezone.now()
    first = record(project_a, failed_at=same_time)
    second = record(project_a, failed_at=same_time)
    older = record(project_a, minutes_ago=5)
    assert list(FailedTask.objects.newest_first()) == [second, first, older]


# --- The search ------------------------------------------------------------------

def searched(project, text):
    return sorted(FailedTask.objects.for_project(project).matching(text)
                  .values_list("resource_name", flat=True))


def test_matching_finds_a_part_of_the_name_in_any_case(project_a):
    record(project_a, resource_name="Orders-Cluster")
    record(project_a, resource_name="billing")
    assert searched(project_a, "rs-cl") == ["Orders-Cluster"]
    assert searched(project_a, "ORDERS") == ["Orders-Cluster"]


def test_matching_finds_the_start_of_a_resource_or_job_id(project_a):
    record(project_a, job_id="Ab12-job", resource_name="by-job")
    record(project_a, resource_id="aB34-res", resource_name="by-resource")
    record(project_a, job_id="x-ab", resource_id="y-ab", resource_name="neither")
    assert searched(project_a, "ab") == ["by-job", "by-resource"]
    assert searched(project_a, "AB34") == ["by-resource"]


def test_matching_finds_a_whole_error_code_in_any_case(project_a):
    record(project_a, error_code="Ecs.0013", resource_name="exact")
    record(project_a, error_code="Ecs.00131", resource_name="longer")
    assert searched(project_a, "ECS.0013") == ["exact"]


def test_matching_takes_wildcards_literally(project_a):
    record(project_a, resource_name="a%b_c")
    record(project_a, resource_name="aXbYc")
    assert searched(project_a, "%b_") == ["a%b_c"]
    assert searched(project_a, "a_b") == []


def test_named_like_looks_at_the_name_only(project_a):
    record(project_a, job_id="web-job", resource_name="db-1")
    record(project_a, resource_name="Web-2")
    assert list(FailedTask.objects.named_like("WEB").values_list("resource_name", flat=True)) == [
        "Web-2"]


# --- Pages -----------------------------------------------------------------------

@pytest.fixture
def thirteen_with_ties(project_a):
    from django.utils import timezone

    same_time = timezone.now()
    for i in range(13):
        # Four share each failure time: only the id orders them.
        record(project_a, "css", failed_at=same_time - timezone.timedelta(minutes=i // 4))
    return FailedTask.objects.for_project(project_a).newest_first()


@pytest.mark.parametrize("start,stop", [(0, 5), (3, 7), (4, 8), (10, 15), (12, 13), (13, 20),
                                        (40, 50)])
def test_a_page_holds_what_the_plain_slice_holds(thirteen_with_ties, start, stop):
    tasks = thirteen_with_ties
    assert list(tasks.page(start, stop)) == list(tasks[start:stop])
    assert list(tasks.page(start, stop).values("id", "resource_name")) == list(
        tasks.values("id", "resource_name")[start:stop])


@pytest.mark.parametrize("start,stop", [(3, 7), (6, 10), (8, 12), (9, 13), (10, 15), (12, 13),
                                        (12, 20), (13, 20), (40, 50)])
def test_a_page_picked_from_the_end_holds_what_the_plain_slice_holds(thirteen_with_ties,
                                                                      start, stop):
    """With the exact total, a page nearer the end is read backwards: same rows, same order."""
    tasks = thirteen_with_ties
    assert list(tasks.page(start, stop, total=13)) == list(tasks[start:stop])
    assert list(tasks.page(start, stop, total=13).values("id", "resource_name")) == list(
        tasks.values("id", "resource_name")[start:stop])


def test_pages_walk_every_task_once(thirteen_with_ties):
    seen = [task.pk for start in range(0, 13, 3) for task in thirteen_with_ties.page(start, start + 3)]
    assert seen == [task.pk for task in thirteen_with_ties]
    seen = [task.pk for start in range(0, 13, 3)
            for task in thirteen_with_ties.page(start, start + 3, total=13)]
    assert seen == [task.pk for task in thirteen_with_ties]


def test_with_status_keeps_the_tasks_of_that_status(project_a):
    record(project_a, resource_name="failed")
    record(project_a, resource_name="running", status=TaskStatus.RUNNING)
    tasks = FailedTask.objects.for_project(project_a)
    assert list(tasks.with_status(TaskStatus.RUNNING).values_list("resource_name", flat=True)) == [
        "running"]
    assert list(tasks.failed().values_list("resource_name", flat=True)) == ["failed"]


def test_with_error_code_is_exact_unless_any_case(project_a):
    record(project_a, error_code="Ecs.0013", resource_name="exact")
    record(project_a, error_code="ECS.0013", resource_name="upper")
    record(project_a, error_code="Ecs.00131", resource_name="longer")
    record(project_a, error_code="", resource_name="none")
    tasks = FailedTask.objects.for_project(project_a)

    def names(queryset):
        return sorted(queryset.values_list("resource_name", flat=True))

    assert names(tasks.with_error_code("Ecs.0013")) == ["exact"]
    assert names(tasks.with_error_code("ecs.0013", any_case=True)) == ["exact", "upper"]
    assert names(tasks.with_error_code("")) == ["none"]  # the tasks reported without a code
