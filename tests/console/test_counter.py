"""The counter fragment that the service page polls."""

import pytest
from django.urls import reverse

from tests.conftest import record

pytestmark = pytest.mark.django_db


def url(project, service="ecs"):
    return reverse("failed-task-counter", args=[project.pk, service])


def test_it_returns_only_the_fragment(login, viewer, project_a):
    record(project_a)
    record(project_a)
    response = login(viewer).get(url(project_a), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<span id="failed-task-counter"')
    assert 'class="counter-number">2<' in html


def test_it_is_empty_at_zero(login, viewer, project_a):
    html = login(viewer).get(url(project_a)).content.decode()
    assert "counter-number" not in html


def test_it_checks_scope(login, outsider, project_a):
    assert login(outsider).get(url(project_a)).status_code == 404


def test_it_costs_the_same_at_any_size(login, viewer, project_a, django_assert_num_queries):
    client = login(viewer)
    for _ in range(25):
        record(project_a)
    # 1 session, 2 user, 3 project with role, 4 the tally rows (no COUNT over tasks)
    with django_assert_num_queries(4):
        client.get(url(project_a))
