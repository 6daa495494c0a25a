"""Counts from the tallies, or counted only so far: failedtasks.counting."""

import pytest

from failedtasks import counting
from failedtasks.counting import Count, bounded_count, count_beside_page, revision_and_count
from failedtasks.models import FailedTask, TaskStatus
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_of_three(monkeypatch):
    monkeypatch.setattr(counting, "COUNT_LIMIT", 3)


def test_the_tallies_give_the_same_numbers_as_counting(project_a, project_b):
    record(project_a, "ecs")
    record(project_a, "ecs", job_type="createServer", failure_status="createFail")
    record(project_a, "ecs", status=TaskStatus.RUNNING, job_type="createServer")
    record(project_a, "css")
    record(project_b, "ecs")
    tasks = FailedTask.objects.for_project(project_a)
    for filters in ({}, {"service": "ecs"}, {"service": "ecs", "category": "creation"},
                    {"service": "ecs", "status": TaskStatus.FAIL}, {"status": TaskStatus.RUNNING},
                    {"service": "kps"}):
        revision, count = revision_and_count(project_a, tallies=filters)
        assert count == Count(tasks.filter(**filters).count()), filters
        assert revision == current_revision(project_a)


def test_empty_filters_do_not_narrow(project_a):
    record(project_a, "ecs")
    record(project_a, "css")
    _revision, count = revision_and_count(project_a, tallies={"service": None, "status": ""})
    assert count == Count(2)


def test_a_project_that_never_had_tasks_is_at_zero(project_a):
    assert revision_and_count(project_a, tallies={"service": "ecs"}) == (0, Count(0))
    assert revision_and_count(
        project_a, counting=FailedTask.objects.for_project(project_a)) == (0, Count(0))


def test_a_search_is_counted_exactly_up_to_the_limit(project_a, limit_of_three):
    for i in range(3):
        record(project_a, "css", resource_name=f"match-{i}")
    record(project_a, "css", resource_name="other")
    matches = FailedTask.objects.for_project(project_a).matching("match")
    assert revision_and_count(project_a, counting=matches)[1] == Count(3)
    assert bounded_count(matches) == Count(3)


def test_past_the_limit_the_count_is_a_lower_bound(project_a, limit_of_three):
    for i in range(5):
        record(project_a, "css", resource_name=f"match-{i}")
    matches = FailedTask.objects.for_project(project_a).matching("match")
    revision, count = revision_and_count(project_a, counting=matches)
    assert count == Count(3, is_lower_bound=True)
    assert revision == current_revision(project_a)
    assert bounded_count(matches) == Count(3, is_lower_bound=True)


@pytest.mark.parametrize("count,offset,limit,fetched,expected", [
    (Count(7), 0, 5, 5, 7),  # counted exactly: the count, whatever the page
    (Count(7), 20, 5, 0, 7),
    (Count(3, True), 0, 2, 3, 3),  # more follow a page that ends before the bound
    (Count(3, True), 5, 2, 3, 8),  # ... or past it: more than offset + limit
    (Count(3, True), 5, 2, 2, 7),  # the last page: exact
    (Count(3, True), 50, 2, 0, 3),  # past the end: at least the bound
    (Count(3, True), 5, 0, 1, 6),  # limit 0 still learns that more follow
])
def test_a_page_makes_a_bounded_count_as_exact_as_it_can(count, offset, limit, fetched, expected):
    assert count_beside_page(count, offset, limit, fetched) == expected


def test_tallies_and_a_count_add_up_in_one_statement(project_a, django_assert_num_queries):
    for _ in range(2):
        record(project_a, "css", error_code="CSS.6004")
    record(project_a, "css", resource_name="named-css.6004", error_code="CSS.6000")
    record(project_a, "css", resource_name="other")
    by_name = FailedTask.objects.for_project(project_a).matching_except_by_code("css.6004")
    with django_assert_num_queries(1):
        revision, count = revision_and_count(
            project_a, tallies={"service": "css", "error_code__iexact": "css.6004"},
            counting=by_name)
    assert count == Count(3)
    assert revision == current_revision(project_a)


def test_past_the_limit_the_tallied_part_stays_exact(project_a, limit_of_three):
    for _ in range(5):
        record(project_a, "css", error_code="CSS.6004")
    for i in range(4):
        record(project_a, "css", resource_name=f"css.6004-{i}")
    by_name = FailedTask.objects.for_project(project_a).matching_except_by_code("CSS.6004")
    _revision, count = revision_and_count(
        project_a, tallies={"error_code__iexact": "CSS.6004"}, counting=by_name)
    assert count == Count(5 + 3, is_lower_bound=True)


def test_a_search_by_name_or_id_leaves_out_what_its_code_finds(project_a):
    found_by_code = record(project_a, "css", resource_name="css.6004-too", error_code="css.6004")
    by_name = record(project_a, "css", resource_name="css.6004-only", error_code="CSS.6000")
    by_id = record(project_a, "css", resource_id="CSS.6004-cluster")
    record(project_a, "css", resource_name="unrelated", error_code="CSS.6004")
    tasks = FailedTask.objects.for_project(project_a)
    assert set(tasks.matching_except_by_code("CSS.6004")) == {by_name, by_id}
    assert found_by_code in tasks.matching("CSS.6004")
