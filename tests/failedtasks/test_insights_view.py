"""The Failure insights page: who may see it, what it shows, what it costs."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from console.tenancy.models import Membership, Role
from failedtasks.models import ErrorCode
from tests.conftest import assert_sends_to_sign_in, make_user, record

pytestmark = pytest.mark.django_db

URL = reverse("insights")


@pytest.fixture
def failures(project_a, project_b):
    for _ in range(3):
        record(project_a, "ecs", minutes_ago=30, error_code="Ecs.0013")
    record(project_a, "css", minutes_ago=60, error_code="CSS.6000")
    for _ in range(2):
        record(project_b, "kps", minutes_ago=90, error_code="KPS.0003")


def _page(client, **params):
    response = client.get(URL, params)
    return response, response.content.decode()


def test_it_works_for_a_superuser(login, superuser, failures, project_a, project_b):
    response, html = _page(login(superuser))
    assert response.status_code == 200
    assert "<h1>Failure insights</h1>" in html
    assert project_a.name in html and project_b.name in html
    assert "Ecs.0013" in html and "KPS.0003" in html
    assert "<strong>6</strong> failed tasks" in html
    for heading in ("By error code", "By service", "By project", "Failed tasks per day",
                    "Top causes"):
        assert heading in html


def test_it_shows_a_project_admin_only_their_projects(
    login, project_admin, failures, project_a, project_b
):
    response, html = _page(login(project_admin))
    assert response.status_code == 200
    assert "<strong>4</strong> failed tasks" in html
    assert "KPS.0003" not in html  # project B's only code
    assert project_b.pk not in html
    assert project_b.name not in html  # not even in the header: the admin has no role there


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_it_refuses_operators_and_viewers(login, project_a, failures, role):
    user = make_user("someone", project_a, role)
    response, html = _page(login(user))
    assert response.status_code == 403
    assert "Failure insights are for project admins." in html
    assert "Ecs.0013" not in html


def test_an_admin_elsewhere_still_reviews_only_their_project(
    login, project_a, project_b, failures
):
    user = make_user("mixed", project_a, Role.OPERATOR)
    Membership.objects.create(user=user, project=project_b, role=Role.ADMIN)
    response, html = _page(login(user))
    assert response.status_code == 200
    assert "<strong>2</strong> failed tasks" in html
    assert "Ecs.0013" not in html
    response, _html = _page(login(user), project=project_a.pk)
    assert response.status_code == 404  # operator there: not theirs to review


@pytest.mark.parametrize("period", ["1y", "", "7", "7D", "<script>"])
def test_it_rejects_an_unknown_period(login, superuser, failures, period):
    response, html = _page(login(superuser), period=period)
    assert response.status_code == 400
    assert "Unknown period." in html
    assert "<script>" not in html


@pytest.mark.parametrize("period,heading", [
    ("24h", "Failed tasks per hour"), ("7d", "Failed tasks per day"), ("30d", "Failed tasks per day"),
])
def test_it_marks_the_chosen_period(login, superuser, failures, period, heading):
    response, html = _page(login(superuser), period=period)
    assert response.status_code == 200
    assert heading in html
    switch = html[html.index('<nav class="period-switch"'):]
    switch = switch[:switch.index("</nav>")]
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', switch) == [
        f"{URL}?period={period}"
    ]


def test_the_default_period_is_seven_days(login, superuser, failures):
    _response, html = _page(login(superuser))
    assert f'<a href="{URL}?period=7d" aria-current="page">Last 7 days</a>' in html


def test_it_narrows_to_one_project(login, superuser, failures, project_a, project_b):
    response, html = _page(login(superuser), project=project_b.pk, period="30d")
    assert response.status_code == 200
    assert "<strong>2</strong> failed tasks" in html
    assert "Ecs.0013" not in html
    # The period links keep the project.
    assert f'href="{URL}?period=24h&amp;project={project_b.pk}"' in html


@pytest.mark.parametrize("project", ["nope", "0" * 32, "A" * 32, "x' OR 1=1"])
def test_it_answers_404_for_unknown_or_malformed_projects(login, superuser, failures, project):
    response, _html = _page(login(superuser), project=project)
    assert response.status_code == 404


def test_it_answers_404_for_another_admins_project(login, project_admin, failures, project_b):
    response, html = _page(login(project_admin), project=project_b.pk)
    assert response.status_code == 404
    assert project_b.name not in html


def test_bars_and_rows_link_to_the_filtered_lists(login, superuser, failures, project_a, project_b):
    _response, html = _page(login(superuser))
    ecs_code = f"/console/{project_a.pk}/ecs/failed-tasks/?tab=operation&amp;q=Ecs.0013"
    kps_code = f"/console/{project_b.pk}/kps/failed-tasks/?q=KPS.0003"
    ecs_list = f"/console/{project_a.pk}/ecs/failed-tasks/?tab=operation"
    kps_list = f"/console/{project_b.pk}/kps/failed-tasks/"
    svg_links = re.findall(r'<a class="chart-link" href="([^"]+)"', html)
    # By code: Ecs.0013, KPS.0003, CSS.6000; by service: ECS, KPS, CSS; by project: A, B.
    assert svg_links == [
        ecs_code, kps_code, f"/console/{project_a.pk}/css/failed-tasks/?q=CSS.6000",
        ecs_list, kps_list, f"/console/{project_a.pk}/css/failed-tasks/",
        ecs_list, kps_list,
    ]
    # Every table row links to the same list as its bar.
    row_links = re.findall(r'<th scope="row"><a href="([^"]+)"', html)
    assert row_links == svg_links


def test_top_causes_come_from_the_catalog(login, superuser, project_a):
    record(project_a, "ecs", error_code="Ecs.0013")
    record(project_a, "ecs", error_code="XYZ.1234")
    _response, html = _page(login(superuser))
    entry = ErrorCode.objects.get(code="Ecs.0013")
    assert escape(entry.cause_en) in html
    assert escape(entry.solution_en) in html
    assert "Not in the catalog" in html


def test_it_speaks_chinese(login, superuser, project_a):
    record(project_a, "ecs", error_code="Ecs.0013")
    client = login(superuser)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    _response, html = _page(client)
    entry = ErrorCode.objects.get(code="Ecs.0013")
    assert '<html lang="zh-hans"' in html
    assert escape(entry.cause_zh) in html


def test_it_escapes_names_and_codes(login, superuser, project_a):
    project_a.name = "<b>evil</b>"
    project_a.save()
    record(project_a, "ecs", error_code="<img src=x onerror=alert(1)>",
           resource_name="<script>alert(1)</script>")
    _response, html = _page(login(superuser))
    assert "<img src=x" not in html
    assert "<b>evil</b>" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_it_has_no_inline_style_or_script(login, superuser, failures):
    for period in ("24h", "7d", "30d"):
        _response, html = _page(login(superuser), period=period)
        assert "style=" not in html
        # Only the page's own static scripts (htmx, console.js), never an inline one.
        assert all(" src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
        assert 'role="img"' in html


def test_it_says_when_nothing_failed(login, superuser, project_a):
    record(project_a, "ecs", status="RUNNING", job_type="createServer", failure_status="")
    response, html = _page(login(superuser))
    assert response.status_code == 200
    assert "No failed tasks in this period." in html
    assert "<svg class=\"chart" not in html


def test_it_links_from_the_service_list_only_for_reviewers(login, project_admin, viewer, project_a):
    html = login(viewer).get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    assert URL not in html
    html = login(project_admin).get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    assert f'<a href="{URL}"' in html
    _response, html = _page(login(project_admin))
    assert f'<a href="{URL}" aria-current="page">' in html


def test_it_requires_login(client):
    assert_sends_to_sign_in(client.get(URL))


def test_it_rejects_post(login, superuser, method_not_allowed):
    method_not_allowed(login(superuser), "post", URL)


@pytest.mark.parametrize("tasks", [5, 50])
def test_the_query_count_does_not_grow_with_the_data(
    login, project_admin, project_a, tasks, django_assert_num_queries
):
    services = ["ecs", "css", "sdrs", "kps"]
    for number in range(tasks):
        record(project_a, services[number % 4], minutes_ago=number * 97,
               error_code=f"Ecs.{number % 7:04d}")
    client = login(project_admin)
    # 1 session, 2 user, 3 the projects the user reviews,
    # 4 per project/service/tab, 5 the top codes, 6 where each top code failed most,
    # 7 the time series, 8 the catalog entries of the top causes,
    # 9 the header's projects (with the role that shows the Review link)
    with django_assert_num_queries(9):
        response = client.get(URL, {"period": "30d"})
    assert response.status_code == 200


def test_a_refusal_costs_three_queries(login, viewer, django_assert_num_queries):
    client = login(viewer)
    # 1 session, 2 user, 3 the projects the user reviews (none)
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.status_code == 403
