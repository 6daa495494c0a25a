"""The counter fragment that service pages poll, and its conditional answer."""

import pytest
from django.urls import reverse

from console.lib.errors import NotFound
from console.tenancy.models import Project, Role
from console.tenancy.scoping import member_with_role, project_for
from failedtasks.models import Tallies, TaskStatus, TaskTally
from tests.conftest import assert_sends_to_sign_in, make_user, record

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
    # 1: the session's row (console/identity/sessions.py), the user, their role in the
    # project and the tallied count in one statement
    with django_assert_num_queries(1):
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
    # 1: the session's row (console/identity/sessions.py), the user, their role in the
    # project and the tallied count in one statement
    with django_assert_num_queries(1):
        client.get(url(project_a))


# The poll signs the person in from the row its own query read (one query for the
# user, their role and the count): Django's session check must still refuse what it
# refuses when it reads the row itself.

def test_a_session_from_before_a_password_change_is_signed_out(client, viewer, project_a):
    record(project_a)
    client.force_login(viewer)
    etag = client.get(url(project_a)).headers["ETag"]
    viewer.set_password("a-new-password-1")
    viewer.save()
    response = client.get(url(project_a), headers={"If-None-Match": etag})
    assert_sends_to_sign_in(response)
    # and the session is gone: signed out for every page, not only the poll
    assert_sends_to_sign_in(client.get(reverse("service", args=[project_a.pk, "ecs"])))


def test_a_deactivated_user_is_signed_out(login, viewer, project_a):
    record(project_a)
    client = login(viewer)
    etag = client.get(url(project_a)).headers["ETag"]
    viewer.is_active = False
    viewer.save()
    assert_sends_to_sign_in(client.get(url(project_a), headers={"If-None-Match": etag}))


def test_a_deleted_user_is_signed_out(login, viewer, project_a):
    client = login(viewer)
    viewer.delete()
    assert_sends_to_sign_in(client.get(url(project_a)))


def test_a_project_that_does_not_exist_is_a_404(login, viewer, superuser):
    for user in (viewer, superuser):
        response = login(user).get(reverse("failed-task-counter", args=["0" * 32, "ecs"]))
        assert response.status_code == 404


@pytest.mark.parametrize("who", ["viewer", "operator", "project_admin", "superuser"])
def test_every_role_sees_the_count(request, login, project_a, project_b, who):
    record(project_a)
    record(project_b)
    record(project_b)
    user = request.getfixturevalue(who)
    html = login(user).get(url(project_a)).content.decode()
    assert 'class="counter-number">1<' in html
    other = login(user).get(url(project_b))
    if who == "superuser":
        assert 'class="counter-number">2<' in other.content.decode()
    else:
        assert other.status_code == 404


def test_the_poll_decides_access_as_every_page_does(
    viewer, operator, project_admin, outsider, superuser, project_a, project_b
):
    """member_with_role (the poll's and the dialog's one query) against project_for
    (every other page), for every kind of user and project, including ones that do
    not exist: the same role, and the same project; and the values read with them,
    the poll's number and the dialog's tallies, as they are read on their own."""
    inactive = make_user("ivan", project_a, Role.VIEWER, is_active=False)
    record(project_a)
    record(project_a, job_type="createServer", failure_status="", status=TaskStatus.RUNNING)
    record(project_a, error_code="Ecs.0013")
    for user in (viewer, operator, project_admin, outsider, superuser, inactive):
        for project_id in (project_a.pk, project_b.pk, "f" * 32, "not-a-project"):
            polled_user, polled_project, role, (count, tallies) = member_with_role(
                user.pk, project_id, TaskTally.objects.failed_in_sql(project_id, "ecs"),
                TaskTally.objects.for_service_in_sql(project_id, "ecs"),
            )
            assert polled_user == user
            assert polled_user.password == user.password
            try:
                project, expected_role = project_for(user, project_id)
            except NotFound:
                assert role is None, (user, project_id)
            else:
                assert role == expected_role, (user, project_id)
                assert count == TaskTally.objects.for_service(project, "ecs").failed
                assert Tallies.of_json(tallies) == TaskTally.objects.for_service(project, "ecs")
                assert [getattr(polled_project, f.attname) for f in Project._meta.concrete_fields] \
                    == [getattr(project, f.attname) for f in Project._meta.concrete_fields]
