"""The counter fragment that service pages poll, and its conditional answer."""

import pytest
from django.urls import reverse

from failedtasks.models import TaskStatus
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
    assert f'data-counter-url="{url(project_a)}"' in html
    assert f'data-etag="{response.headers["ETag"].replace(chr(34), "&quot;")}"' in html
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_it_is_empty_at_zero(login, viewer, project_a):
    html = login(viewer).get(url(project_a)).content.decode()
    assert "counter-number" not in html


def test_it_counts_failures_only(login, viewer, project_a):
    record(project_a, job_type="createServer", status=TaskStatus.RUNNING, failure_status="")
    record(project_a)
    html = login(viewer).get(url(project_a)).content.decode()
    assert 'class="counter-number">1<' in html


def test_an_unchanged_poll_is_not_modified(login, viewer, project_a, django_assert_num_queries):
    record(project_a)
    client = login(viewer)
    etag = client.get(url(project_a)).headers["ETag"]
    # 1 session, 2 user, 3 the project with the role and the tallied count in one
    with django_assert_num_queries(3):
        response = client.get(url(project_a), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag


def test_a_changed_count_answers_anew(login, viewer, project_a):
    record(project_a)
    client = login(viewer)
    etag = client.get(url(project_a)).headers["ETag"]
    record(project_a)
    response = client.get(url(project_a), headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert 'class="counter-number">2<' in response.content.decode()


def test_the_etag_follows_the_language(login, viewer, project_a):
    record(project_a)
    client = login(viewer)
    english = client.get(url(project_a)).headers["ETag"]
    chinese = client.get(url(project_a), headers={"Accept-Language": "zh-hans"})
    assert chinese.headers["ETag"] != english
    response = client.get(url(project_a), headers={"Accept-Language": "zh-hans",
                                                   "If-None-Match": english})
    assert response.status_code == 200


def test_the_page_carries_the_same_etag_the_poll_answers(login, viewer, project_a):
    record(project_a)
    client = login(viewer)
    page = client.get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    etag = client.get(url(project_a)).headers["ETag"]
    assert f'data-etag="{etag.replace(chr(34), "&quot;")}"' in page


def test_it_checks_scope(login, outsider, project_a, django_assert_num_queries):
    record(project_a)
    client = login(outsider)
    assert client.get(url(project_a)).status_code == 404
    # Even with a guessed ETag, nothing but a 404.
    response = client.get(url(project_a), headers={"If-None-Match": 'W/"failed-1-en"'})
    assert response.status_code == 404


def test_it_requires_login(client, project_a):
    response = client.get(url(project_a))
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_rejects_other_methods(login, viewer, project_a, django_assert_num_queries, method):
    client = login(viewer)
    with django_assert_num_queries(0):
        response = getattr(client, method)(url(project_a))
    assert response.status_code == 405


def test_it_costs_the_same_at_any_size(login, viewer, project_a, django_assert_num_queries):
    client = login(viewer)
    for _ in range(25):
        record(project_a)
    # 1 session, 2 user, 3 the project with the role and the tallied count in one
    with django_assert_num_queries(3):
        client.get(url(project_a))
