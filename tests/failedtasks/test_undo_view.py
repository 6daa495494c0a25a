"""Undo a recent deletion: only its author, only once, only within the window."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.tenancy.models import Role
from failedtasks.models import Deletion, FailedTask, TaskTally
from tests.conftest import HTMX_LIST, confirmed, fragment_html, make_user, record

pytestmark = pytest.mark.django_db


def url(project, deletion, service="css"):
    return reverse("failed-task-undo", args=[project.pk, service, deletion.pk])


def delete_one(client, project, task, service="css"):
    delete_url = reverse("failed-task-delete", args=[project.pk, service, task.pk])
    response = client.post(delete_url, confirmed(client, delete_url))
    assert response.status_code == 302
    return Deletion.objects.latest("id")


@pytest.fixture
def deleted(login, operator, project_a):
    """An operator's client and a deletion of one CSS task that they just made."""
    record(project_a, "css", resource_name="stays")
    task = record(project_a, "css", job_id="job-undo-me", resource_name="orders-cluster",
                  error_code="CSS.6000", fail_reason="boom")
    client = login(operator)
    deletion = delete_one(client, project_a, task)
    assert TaskTally.objects.for_service(project_a, "css").failed == 1
    return client, deletion


def signed_in(user, **options) -> Client:
    """A second browser, signed in as `user`."""
    client = Client(**options)
    client.force_login(user)
    return client


def assert_not_undone(deletion):
    """The task stays deleted and the deletion is not marked undone."""
    assert not FailedTask.objects.filter(job_id="job-undo-me").exists()
    deletion.refresh_from_db()
    assert deletion.restored_at is None


def test_it_works(deleted, project_a, operator):
    client, deletion = deleted
    response = client.post(url(project_a, deletion))
    assert response.status_code == 302
    assert response.url == reverse("failed-tasks", args=[project_a.pk, "css"])

    task = FailedTask.objects.get(job_id="job-undo-me")
    assert task.project == project_a
    assert task.service == "css"
    assert task.resource_name == "orders-cluster"
    assert task.error_code == "CSS.6000"
    assert task.fail_reason == "boom"
    assert TaskTally.objects.for_service(project_a, "css").failed == 2
    deletion.refresh_from_db()
    assert deletion.restored_at is not None
    assert deletion.restored_by == operator
    assert deletion.tasks.count() == 1  # the audit keeps the snapshot

    html = client.get(response.url).content.decode()
    assert "Restored 1 failed task." in html
    assert "orders-cluster" in html


def test_with_htmx_it_returns_the_list_region(deleted, project_a):
    client, deletion = deleted
    response = client.post(url(project_a, deletion), headers=HTMX_LIST)
    html = fragment_html(response)
    assert html.strip().startswith('<div id="task-list"')
    assert "Restored 1 failed task." in html
    assert "orders-cluster" in html
    assert ">Undo</button>" not in html  # an undo cannot itself be undone
    assert "failedTasksChanged" in response.headers["HX-Trigger"]


def test_it_restores_a_delete_all(login, operator, project_a):
    for i in range(3):
        record(project_a, "css", resource_name=f"task-{i}")
    client = login(operator)
    delete_all_url = reverse("failed-tasks-delete-all", args=[project_a.pk, "css"])
    client.post(delete_all_url, confirmed(client, delete_all_url))
    deletion = Deletion.objects.get()
    assert not FailedTask.objects.exists()

    response = client.post(url(project_a, deletion), headers=HTMX_LIST)
    assert response.status_code == 200
    assert "Restored 3 failed tasks." in response.content.decode()
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {
        "task-0", "task-1", "task-2"
    }
    assert TaskTally.objects.for_service(project_a, "css").failed == 3


def test_undo_twice_is_a_400(deleted, project_a):
    client, deletion = deleted
    assert client.post(url(project_a, deletion)).status_code == 302
    response = client.post(url(project_a, deletion))
    assert response.status_code == 400
    assert b"This deletion can no longer be undone." in response.content
    assert FailedTask.objects.filter(job_id="job-undo-me").count() == 1
    assert TaskTally.objects.for_service(project_a, "css").failed == 2


def test_undo_after_the_window_is_a_400(deleted, project_a):
    client, deletion = deleted
    Deletion.objects.filter(pk=deletion.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.post(url(project_a, deletion))
    assert response.status_code == 400
    assert_not_undone(deletion)
    assert TaskTally.objects.for_service(project_a, "css").failed == 1


def test_another_operator_cannot_undo(deleted, project_a):
    _client, deletion = deleted
    colleague = signed_in(make_user("otto", project_a, Role.OPERATOR))
    assert colleague.post(url(project_a, deletion)).status_code == 404
    assert_not_undone(deletion)


def test_it_checks_the_role(deleted, project_a, viewer):
    _client, deletion = deleted
    assert signed_in(viewer).post(url(project_a, deletion)).status_code == 403
    assert_not_undone(deletion)


def test_it_checks_scope(deleted, project_a, outsider):
    _client, deletion = deleted
    assert signed_in(outsider).post(url(project_a, deletion)).status_code == 404
    assert not FailedTask.objects.filter(job_id="job-undo-me").exists()


def test_it_checks_the_service(deleted, project_a):
    client, deletion = deleted
    assert client.post(url(project_a, deletion, "kps")).status_code == 404
    assert not FailedTask.objects.filter(job_id="job-undo-me").exists()


def test_an_unknown_deletion_is_a_404(login, operator, project_a):
    response = login(operator).post(
        reverse("failed-task-undo", args=[project_a.pk, "css", 424242])
    )
    assert response.status_code == 404


def test_a_job_recorded_again_is_not_duplicated(deleted, project_a):
    client, deletion = deleted
    record(project_a, "css", job_id="job-undo-me", resource_name="recorded-again")
    response = client.post(url(project_a, deletion), headers=HTMX_LIST)
    assert response.status_code == 200
    assert "Restored 0 failed tasks." in response.content.decode()
    assert FailedTask.objects.get(job_id="job-undo-me").resource_name == "recorded-again"
    assert TaskTally.objects.for_service(project_a, "css").failed == 2


def test_it_rejects_get(deleted, project_a, django_assert_num_queries):
    client, deletion = deleted
    with django_assert_num_queries(0):
        response = client.get(url(project_a, deletion))
    assert response.status_code == 405
    assert not FailedTask.objects.filter(job_id="job-undo-me").exists()


def test_it_enforces_csrf(deleted, project_a, operator):
    _client, deletion = deleted
    client = signed_in(operator, enforce_csrf_checks=True)
    assert client.post(url(project_a, deletion)).status_code == 403
    assert not FailedTask.objects.filter(job_id="job-undo-me").exists()


def test_the_query_count(deleted, project_a, django_assert_num_queries):
    client, deletion = deleted
    # 1 session, 2 user, 3 project with role, 4 the deletion (by its actor, in
    # scope), 5 SAVEPOINT, 6 the deletion again FOR UPDATE, 7 INSERT ... SELECT
    # the snapshot rows back (unstamped), 8 count them per tally, 9 raise the
    # tallies, 10 take the project's revision, 11 stamp it on them, 12 mark the
    # deletion restored, 13 RELEASE SAVEPOINT
    with django_assert_num_queries(13):
        response = client.post(url(project_a, deletion))
    assert response.status_code == 302
