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
