"""The service page: resources, standard actions and the failed-task counter."""

import pytest
from django.urls import reverse

from console.tenancy.models import Resource
from failedtasks.models import TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db


def url(project, service="ecs"):
    return reverse("service", args=[project.pk, service])


def test_it_works(login, operator, project_a):
    Resource.objects.create(project=project_a, service="ecs", resource_id="r-1",
                            name="ecs-web-01", status="ACTIVE", attributes={"flavor": "s6.large.2"})
    response = login(operator).get(url(project_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Elastic Cloud Server</h1>" in html
    assert "ecs-web-01" in html and "s6.large.2" in html
    for action in ("Start", "Stop", "Restart", "More"):
        assert f">{action}</button>" in html


def test_it_shows_the_counter_with_the_number_of_failed_tasks(login, operator, project_a):
    for _ in range(3):
        record(project_a, "ecs")
    html = login(operator).get(url(project_a)).content.decode()
    assert 'class="counter-number">3<' in html
    assert reverse("failed-tasks", args=[project_a.pk, "ecs"]) in html


def test_the_counter_is_absent_without_failed_tasks(login, operator, project_a):
    record(project_a, "css")  # another service's failure does not count here
    record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING)
    html = login(operator).get(url(project_a)).content.decode()
    assert 'id="failed-task-counter"' in html  # the slot stays, to poll
    assert "counter-number" not in html


def test_the_counter_counts_only_this_project(login, operator, project_a, project_b):
    record(project_b, "ecs")
    record(project_a, "ecs")
    html = login(operator).get(url(project_a)).content.decode()
    assert 'class="counter-number">1<' in html


@pytest.mark.parametrize("service,name,first_action", [
    ("css", "Cloud Search Service", "Create Cluster"),
    ("sdrs", "Storage Disaster Recovery Service", "Create Protection Group"),
    ("kps", "Key Pair Service", "Create Key Pair"),
])
def test_every_service_has_its_page(login, viewer, project_a, service, name, first_action):
    html = login(viewer).get(url(project_a, service)).content.decode()
    assert f"<h1>{name}</h1>" in html
    assert f">{first_action}</button>" in html


def test_the_header_lists_only_the_users_projects_grouped_by_region(
    login, operator, project_a, project_b
):
    html = login(operator).get(url(project_a)).content.decode()
    assert '<optgroup label="CN North-Beijing4">' in html
    assert f'value="{project_a.pk}" selected' in html
    assert project_b.pk not in html
    assert 'aria-label="Service List"' in html


def test_it_checks_scope(login, outsider, project_a):
    response = login(outsider).get(url(project_a))
    assert response.status_code == 404
    assert b"Traceback" not in response.content


def test_an_unknown_project_is_a_404(login, operator):
    assert login(operator).get("/console/" + "0" * 32 + "/ecs/").status_code == 404


def test_an_unknown_service_is_a_404(login, operator, project_a):
    response = login(operator).get(f"/console/{project_a.pk}/rds/")
    assert response.status_code == 404
    assert b"Not found" in response.content


def test_it_requires_login(client, project_a):
    response = client.get(url(project_a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_rejects_post(login, operator, project_a):
    assert login(operator).post(url(project_a)).status_code == 405


def test_a_superuser_sees_every_project(login, superuser, project_a, project_b):
    html = login(superuser).get(url(project_b)).content.decode()
    assert project_a.pk in html and project_b.pk in html


def test_query_count_does_not_grow_with_data(login, operator, project_a, django_assert_num_queries):
    client = login(operator)
    for n in range(30):
        Resource.objects.create(project=project_a, service="ecs", resource_id=f"r-{n}",
                                name=f"ecs-{n}", status="ACTIVE")
        record(project_a, "ecs")
    client.get(url(project_a))  # the session now holds the last project
    # 1 session, 2 user, 3 project with role, 4 resources, 5 tallies,
    # 6 the header's projects
    with django_assert_num_queries(6):
        response = client.get(url(project_a))
    assert response.status_code == 200
