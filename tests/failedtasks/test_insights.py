"""Failure insights as queries: exact counts per code, service, project and period."""

import zoneinfo

import pytest
from django.utils import timezone

from console.tenancy.models import Project, Role
from failedtasks.insights import PERIODS, failure_insights
from failedtasks.models import ErrorCode
from tests.conftest import make_user, record

pytestmark = pytest.mark.django_db

HOUR = 60  # minutes
DAY = 24 * HOUR


@pytest.fixture
def dataset(project_a, project_b):
    """Project A: 7 failures in the last day, 2 more this week, 1 this month, 1 running.
    Project B: 5 failures in the last day."""
    for _ in range(3):
        record(project_a, "ecs", minutes_ago=30, error_code="Ecs.0013")
    record(project_a, "ecs", minutes_ago=3 * DAY, error_code="Ecs.0013")
    record(project_a, "ecs", minutes_ago=10 * DAY, error_code="Ecs.0013")  # 30 d only
    record(project_a, "ecs", minutes_ago=40 * DAY, error_code="Ecs.0013")  # outside every period
    record(project_a, "ecs", minutes_ago=5, job_type="createServer", failure_status="",
           status="RUNNING", error_code="Ecs.0013")  # still running: not a failure
    record(project_a, "css", minutes_ago=2 * HOUR, error_code="CSS.6000")
    record(project_a, "css", minutes_ago=3 * HOUR, error_code="CSS.6000")
    record(project_a, "css", minutes_ago=4 * HOUR, error_code="")
    record(project_a, "sdrs", minutes_ago=5 * DAY, error_code="EVS.2024",
           job_type="createProtectedInstance", failure_status="createFail")
    record(project_a, "kps", minutes_ago=6 * HOUR, error_code="KPS.9999")  # not in the catalog
    for _ in range(4):
        record(project_b, "ecs", minutes_ago=HOUR, error_code="Ecs.0013")
    record(project_b, "kps", minutes_ago=HOUR, error_code="KPS.0003")


def _counts(bars):
    return {bar.key: bar.count for bar in bars}


def test_it_counts_a_week_by_code_service_and_project(dataset, project_a, project_b):
    insights = failure_insights(Project.objects.all(), PERIODS["7d"])
    assert insights.total == 14
    assert _counts(insights.by_code) == {
        "Ecs.0013": 8, "CSS.6000": 2, "": 1, "EVS.2024": 1, "KPS.9999": 1, "KPS.0003": 1,
    }
    assert [bar.key for bar in insights.by_code][:2] == ["Ecs.0013", "CSS.6000"]
    assert _counts(insights.by_service) == {"ecs": 8, "css": 3, "kps": 2, "sdrs": 1}
    assert _counts(insights.by_project) == {project_a.pk: 9, project_b.pk: 5}
    assert [bar.label for bar in insights.by_project] == [project_a.name, project_b.name]
    assert insights.other_codes == 0
    assert insights.other_projects == 0
    assert sum(bucket.count for bucket in insights.series) == 14


def test_it_counts_each_period(dataset):
    projects = Project.objects.all()
    assert failure_insights(projects, PERIODS["24h"]).total == 12
    assert failure_insights(projects, PERIODS["7d"]).total == 14
    assert failure_insights(projects, PERIODS["30d"]).total == 15
    day = failure_insights(projects, PERIODS["24h"])
    assert _counts(day.by_code)["Ecs.0013"] == 7
    assert _counts(day.by_service) == {"ecs": 7, "css": 3, "kps": 2}


def test_it_leaves_out_running_tasks(project_a):
    record(project_a, "ecs", job_type="createServer", failure_status="", status="RUNNING")
    insights = failure_insights(Project.objects.all(), PERIODS["7d"])
    assert insights.total == 0
    assert insights.by_code == insights.by_service == insights.by_project == []
    assert all(bucket.count == 0 for bucket in insights.series)


def test_it_checks_scope(dataset, project_a, project_b):
    admin = make_user("ada", project_a, Role.ADMIN)
    make_user("bob", project_b, Role.ADMIN)
    insights = failure_insights(Project.objects.administered_by(admin), PERIODS["30d"])
    assert insights.total == 10
    assert _counts(insights.by_project) == {project_a.pk: 10}
    assert "KPS.0003" not in _counts(insights.by_code)  # project B's only code
    assert _counts(insights.by_code)["Ecs.0013"] == 5
    places = {bar.place.project_id for bar in insights.by_code + insights.by_service}
    assert places == {project_a.pk}


def test_a_viewer_or_operator_reviews_nothing(dataset, operator, viewer):
    for user in (operator, viewer):
        insights = failure_insights(Project.objects.administered_by(user), PERIODS["30d"])
        assert insights.total == 0


def test_bars_link_to_the_list_with_the_most(dataset, project_a, project_b):
    insights = failure_insights(Project.objects.all(), PERIODS["24h"])
    code = {bar.key: bar for bar in insights.by_code}
    # Ecs.0013 in the last day: 4 in project B's ECS list, 3 in A's.
    assert code["Ecs.0013"].place.url == (
        f"/console/{project_b.pk}/ecs/failed-tasks/?tab=operation&q=Ecs.0013"
    )
    assert code["CSS.6000"].place.url == f"/console/{project_a.pk}/css/failed-tasks/?q=CSS.6000"
    assert code[""].label == "no code"
    assert code[""].place.url == f"/console/{project_a.pk}/css/failed-tasks/"  # nothing to search
    service = {bar.key: bar for bar in insights.by_service}
    assert service["ecs"].place.url == f"/console/{project_b.pk}/ecs/failed-tasks/?tab=operation"
    assert service["kps"].place.project_id == project_a.pk  # a tie (1 and 1): first by name
    project = {bar.key: bar for bar in insights.by_project}
    assert project[project_a.pk].place.url == (
        f"/console/{project_a.pk}/css/failed-tasks/"  # A's 3 CSS beat its 3 ECS by name
    )
    assert project[project_b.pk].place.url == (
        f"/console/{project_b.pk}/ecs/failed-tasks/?tab=operation"
    )


def test_creation_failures_link_to_their_tab(project_a):
    record(project_a, "ecs", job_type="createServer", failure_status="createFail",
           error_code="Ecs.0001")
    insights = failure_insights(Project.objects.all(), PERIODS["7d"])
    assert insights.by_code[0].place.url == (
        f"/console/{project_a.pk}/ecs/failed-tasks/?tab=creation&q=Ecs.0001"
    )


def test_it_keeps_the_top_ten_codes_and_sums_the_rest(project_a):
    for number in range(12):
        for _ in range(number + 1):
            record(project_a, "css", minutes_ago=10, error_code=f"CODE.{number:02d}")
    insights = failure_insights(Project.objects.all(), PERIODS["7d"])
    assert [bar.key for bar in insights.by_code] == [f"CODE.{n:02d}" for n in range(11, 1, -1)]
    assert insights.other_codes == 1 + 2
    assert insights.by_code[0].share == 1
    assert insights.by_code[-1].share == pytest.approx(3 / 12)


def test_top_causes_come_from_the_catalog(dataset):
    insights = failure_insights(Project.objects.all(), PERIODS["7d"])
    causes = {cause.code: cause for cause in insights.causes}
    # Most first, ties by code; a blank code has no cause to explain.
    assert list(causes) == ["Ecs.0013", "CSS.6000", "EVS.2024", "KPS.0003", "KPS.9999"]
    assert causes["Ecs.0013"].entry == ErrorCode.objects.get(code="Ecs.0013")
    assert causes["Ecs.0013"].count == 8
    assert causes["KPS.9999"].entry is None  # not in the catalog


def test_the_series_has_every_hour_or_day(dataset):
    now = timezone.now()
    day = failure_insights(Project.objects.all(), PERIODS["24h"], until=now)
    assert len(day.series) == 25  # the hour 24 hours ago, partly, up to this one
    assert all(b.start.minute == 0 for b in day.series)
    assert sum(b.count for b in day.series) == 12
    month = failure_insights(Project.objects.all(), PERIODS["30d"], until=now)
    assert len(month.series) == 31
    assert sum(b.count for b in month.series) == 15
    assert month.series_max == max(b.count for b in month.series)


def test_the_series_counts_days_in_the_viewers_zone(project_a):
    zone = zoneinfo.ZoneInfo("Asia/Shanghai")  # UTC+8
    now = timezone.now().astimezone(zone).replace(hour=12, minute=0, second=0, microsecond=0)
    # 01:00 in Shanghai is still the day before in UTC: it must count on the Shanghai day.
    record(project_a, "ecs", failed_at=now.replace(hour=1), error_code="Ecs.0013")
    with timezone.override(zone):
        insights = failure_insights(Project.objects.all(), PERIODS["7d"], until=now)
    last = insights.series[-1]
    assert last.start == now.replace(hour=0)
    assert last.count == 1


def test_it_costs_five_queries_whatever_the_data(dataset, django_assert_num_queries):
    projects = Project.objects.all()
    # 1 per project/service/tab, 2 top codes, 3 per top code and place,
    # 4 the time series, 5 the catalog entries
    with django_assert_num_queries(5):
        failure_insights(projects, PERIODS["30d"])
    Project.objects.all().delete()
    # Nothing failed: only the first query runs.
    with django_assert_num_queries(1):
        failure_insights(projects, PERIODS["30d"])
