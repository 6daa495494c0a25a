"""Delete one failed task: GET confirms (signing what it showed), POST deletes
through the service module."""

import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from console.identity.models import Channel
from failedtasks import confirmations
from failedtasks.models import DeletedTask, Deletion, FailedTask, Scope, TaskStatus, TaskTally
from failedtasks.services import record_failure
from tests import conftest
from tests.conftest import (
    HTMX_LIST,
    assert_list_region_after_deletion,
    assert_sends_to_sign_in,
    record,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "confirm-root"}


def url(project, task, service="css"):
    return reverse("failed-task-delete", args=[project.pk, service, task.pk])


def list_url(project, service="css"):
    return reverse("failed-tasks", args=[project.pk, service])


def confirmed(client, project, task, service="css", **place):
    return conftest.confirmed(client, url(project, task, service), **place)


# --- The confirmation ----------------------------------------------------------

def test_it_confirms_first(login, operator, project_a):
    task = record(project_a, "css", resource_name="orders-cluster", error_code="CSS.6000")
    response = login(operator).get(url(project_a, task))
    html = conftest.page_html(response)
    assert 'role="alertdialog"' in html
    assert 'aria-labelledby="confirm-title"' in html
    assert '<h2 id="confirm-title">Delete Failed Task</h2>' in html
    assert "Are you sure you want to delete the failed task orders-cluster?" in html
    assert "CSS.6000" in html
    assert f'action="{url(project_a, task)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'href="{list_url(project_a)}"' in html  # "No" goes back to the list
    assert FailedTask.objects.filter(pk=task.pk).exists()  # a GET changes nothing
    assert not Deletion.objects.exists()


def test_it_names_the_job_when_the_task_has_no_name(login, operator, project_a):
    task = record(project_a, "css", job_id="job-without-name", resource_name="")
    html = login(operator).get(url(project_a, task)).content.decode()
    assert "Are you sure you want to delete the failed task job-without-name?" in html


def test_it_confirms_in_a_dialog_with_htmx(login, operator, project_a):
    task = record(project_a, "css", resource_name="orders-cluster")
    response = login(operator).get(url(project_a, task), headers=HTMX)
    html = conftest.fragment_html(response)
    assert html.strip().startswith('<dialog class="modal" role="alertdialog"')
    assert html.strip().endswith("</dialog>")
    assert "Delete Failed Task" in html
    assert "orders-cluster" in html
    assert 'hx-post="' + url(project_a, task) + '"' in html
    assert '<form method="dialog">' in html  # "No" closes the dialog


def test_the_confirmation_keeps_the_lists_place(login, operator, project_a):
    task = record(project_a, "ecs", resource_name="resize-me")
    html = login(operator).get(
        url(project_a, task, "ecs"), {"tab": "operation", "q": "resize", "page": "2"}
    ).content.decode()
    assert '<input type="hidden" name="tab" value="operation">' in html
    assert '<input type="hidden" name="q" value="resize">' in html
    assert '<input type="hidden" name="page" value="2">' in html


def test_the_confirmation_escapes_the_name(login, operator, project_a):
    task = record(project_a, "css", resource_name="<script>alert(1)</script>")
    html = login(operator).get(url(project_a, task)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Deleting --------------------------------------------------------------------

def test_it_deletes_through_the_service_module(login, operator, project_a):
    task = record(project_a, "css", resource_name="orders-cluster", error_code="CSS.6000")
    keep = record(project_a, "css", resource_name="stays")
    client = login(operator)
    response = client.post(url(project_a, task), confirmed(client, project_a, task))
    assert response.status_code == 302

    assert not FailedTask.objects.filter(pk=task.pk).exists()
    assert FailedTask.objects.filter(pk=keep.pk).exists()
    deletion = Deletion.objects.get()
    assert deletion.actor == operator
    assert deletion.actor_name == "olivia"
    assert deletion.channel == Channel.CONSOLE
    assert deletion.scope == Scope.ONE
    assert deletion.project == project_a
    assert deletion.service == "css"
    assert deletion.deleted_count == 1
    assert deletion.remote_addr == "127.0.0.1"
    snapshot = DeletedTask.objects.get(deletion=deletion)
    assert snapshot.task_pk == task.pk
    assert snapshot.job_id == task.job_id
    assert snapshot.resource_name == "orders-cluster"
    assert snapshot.error_code == "CSS.6000"
    assert TaskTally.objects.for_service(project_a, "css").failed == 1


def test_without_htmx_it_redirects_back_to_the_list(login, operator, project_a):
    for i in range(25):
        record(project_a, "ecs", resource_name=f"keep-{i:02d}", minutes_ago=i)
    task = FailedTask.objects.get(resource_name="keep-12")
    client = login(operator)
    response = client.post(url(project_a, task, "ecs"), confirmed(
        client, project_a, task, "ecs", tab="operation", q="keep", page="2"))
    assert response.status_code == 302
    assert response.url == list_url(project_a, "ecs") + "?tab=operation&q=keep&page=2"

    html = client.get(response.url).content.decode()
    assert "Deleted the failed task keep-12." in html
    assert "keep-12" not in html.replace("Deleted the failed task keep-12.", "")
    assert '<span class="pager-position">Page 2</span>' in html  # searching: not counted
    # The message is shown once.
    assert "Deleted the failed task" not in client.get(response.url).content.decode()


def test_without_htmx_it_steps_back_from_an_emptied_page(login, operator, project_a):
    for i in range(11):
        record(project_a, "css", resource_name=f"task-{i:02d}", minutes_ago=i)
    last = FailedTask.objects.get(resource_name="task-10")  # alone on page 2
    client = login(operator)
    response = client.post(url(project_a, last), confirmed(client, project_a, last, page="2"))
    assert response.status_code == 302
    assert response.url == list_url(project_a)


def test_with_htmx_it_returns_the_list_region(login, operator, project_a):
    task = record(project_a, "css", resource_name="orders-cluster")
    record(project_a, "css", resource_name="billing-cluster")
    client = login(operator)
    response = client.post(url(project_a, task), confirmed(client, project_a, task),
                           headers=HTMX_LIST)
    html = assert_list_region_after_deletion(
        response, project_a, "css", "Deleted the failed task orders-cluster.")
    assert "billing-cluster" in html


def test_with_htmx_it_keeps_the_tab_and_search(login, operator, project_a):
    task = record(project_a, "ecs", resource_name="resize-a")
    record(project_a, "ecs", resource_name="resize-b")
    record(project_a, "ecs", resource_name="other-c")
    client = login(operator)
    html = client.post(
        url(project_a, task, "ecs"),
        confirmed(client, project_a, task, "ecs", tab="operation", q="resize"), headers=HTMX_LIST,
    ).content.decode()
    assert 'aria-selected="true"' in html.split('id="tab-operation"', 1)[1].split(">", 1)[0]
    assert "resize-b" in html
    assert "other-c" not in html
    assert 'value="resize"' in html


def test_a_second_post_is_a_404(login, operator, project_a):
    task = record(project_a, "css")
    client = login(operator)
    form = confirmed(client, project_a, task)
    assert client.post(url(project_a, task), form).status_code == 302
    response = client.post(url(project_a, task), form)
    assert response.status_code == 404
    assert b"does not exist or was deleted already" in response.content
    assert Deletion.objects.count() == 1
    assert DeletedTask.objects.count() == 1


def test_an_unknown_task_is_a_404(login, operator, project_a):
    response = login(operator).post(
        reverse("failed-task-delete", args=[project_a.pk, "css", 987654])
    )
    assert response.status_code == 404
    beyond_any_id = reverse("failed-task-delete", args=[project_a.pk, "css", 10**23])
    assert login(operator).post(beyond_any_id).status_code == 404
    assert not Deletion.objects.exists()


def test_a_running_task_cannot_be_deleted(login, operator, project_a):
    task = record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
                  failure_status="")
    client = login(operator)
    assert client.get(url(project_a, task, "ecs")).status_code == 404
    assert client.post(url(project_a, task, "ecs")).status_code == 404
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


def test_a_task_recorded_again_after_the_confirmation_is_kept(login, operator, project_a):
    task = record(project_a, "css", job_id="job-again", resource_name="first-report",
                  error_code="CSS.6000")
    client = login(operator)
    form = confirmed(client, project_a, task)
    # The same job fails again, with another cause, while the confirmation is open.
    record_failure(project_a, service="css", job_id="job-again", resource_name="second-report",
                   error_code="CSS.6004")
    response = client.post(url(project_a, task), form)
    assert response.status_code == 400
    assert b"recorded again after the confirmation opened" in response.content
    assert FailedTask.objects.get(pk=task.pk).error_code == "CSS.6004"
    assert not Deletion.objects.exists()


@pytest.mark.parametrize("forged", ["", "abc", str(2**63 - 1)])
def test_a_missing_or_forged_confirmation_is_a_400(login, operator, project_a, forged):
    task = record(project_a, "css")
    response = login(operator).post(url(project_a, task), {"confirmation": forged})
    assert response.status_code == 400
    assert b"missing or was altered, so nothing was deleted" in response.content
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


def test_another_tasks_confirmation_is_refused(login, operator, project_a):
    task = record(project_a, "css")
    other = record(project_a, "css")
    client = login(operator)
    response = client.post(url(project_a, other), confirmed(client, project_a, task))
    assert response.status_code == 400
    assert FailedTask.objects.count() == 2


def test_an_expired_confirmation_is_a_400(login, operator, project_a, monkeypatch):
    task = record(project_a, "css")
    client = login(operator)
    with monkeypatch.context() as patch:
        opened = time.time() - confirmations.MAX_AGE_SECONDS - 60
        patch.setattr(signing.time, "time", lambda: opened)
        form = confirmed(client, project_a, task)
    response = client.post(url(project_a, task), form)
    assert response.status_code == 400
    assert b"This confirmation has expired" in response.content
    assert FailedTask.objects.filter(pk=task.pk).exists()


# --- Scope, role, method ------------------------------------------------------------

def test_another_projects_task_is_a_404(login, operator, project_a, project_b):
    theirs = record(project_b, "css")
    client = login(operator)
    assert client.get(url(project_a, theirs)).status_code == 404
    assert client.post(url(project_a, theirs)).status_code == 404
    assert FailedTask.objects.filter(pk=theirs.pk).exists()
    assert not Deletion.objects.exists()
    assert TaskTally.objects.for_service(project_b, "css").failed == 1


def test_another_services_task_is_a_404(login, operator, project_a):
    kps_task = record(project_a, "kps")
    response = login(operator).post(url(project_a, kps_task, "css"))
    assert response.status_code == 404
    assert FailedTask.objects.filter(pk=kps_task.pk).exists()


def test_it_checks_scope(login, outsider, project_a):
    task = record(project_a, "css")
    client = login(outsider)
    assert client.get(url(project_a, task)).status_code == 404
    assert client.post(url(project_a, task)).status_code == 404
    assert FailedTask.objects.filter(pk=task.pk).exists()


def test_the_confirmation_needs_a_live_session(client, operator, project_a):
    task = record(project_a, "css")
    assert_sends_to_sign_in(client.get(url(project_a, task)))
    client.force_login(operator)
    assert client.get(url(project_a, task)).status_code == 200
    operator.set_password("a-new-password-1")  # a session from before a password change
    operator.save()
    assert_sends_to_sign_in(client.get(url(project_a, task)))


def test_it_checks_the_role(login, viewer, project_a):
    task = record(project_a, "css")
    client = login(viewer)
    response = client.get(url(project_a, task))
    assert response.status_code == 403
    assert b"Traceback" not in response.content
    assert client.post(url(project_a, task)).status_code == 403
    assert client.post(url(project_a, task), headers=HTMX_LIST).status_code == 403
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


def test_it_requires_login(client, project_a):
    task = record(project_a, "css")
    response = client.post(url(project_a, task))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert FailedTask.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_rejects_other_methods(login, operator, project_a, django_assert_num_queries, method):
    task = record(project_a, "css")
    client = login(operator)
    with django_assert_num_queries(0):
        response = getattr(client, method)(url(project_a, task))
    assert response.status_code == 405
    assert FailedTask.objects.filter(pk=task.pk).exists()


def test_it_enforces_csrf(operator, project_a):
    task = record(project_a, "css")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(url(project_a, task))
    assert response.status_code == 403
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()

    # With the token the confirmation carried, the same POST goes through.
    form = confirmed(client, project_a, task)
    token = client.cookies["csrftoken"].value
    response = client.post(url(project_a, task), {"csrfmiddlewaretoken": token, **form})
    assert response.status_code == 302
    assert not FailedTask.objects.filter(pk=task.pk).exists()


# --- Cost ---------------------------------------------------------------------------

# PostgreSQL snapshots, deletes and counts in one statement; SQLite needs three.
POSTGRES_SAVES_TWO = 2 * int(connection.vendor == "postgresql")

def test_the_post_query_count(login, operator, project_a, django_assert_num_queries):
    task = record(project_a, "css")
    record(project_a, "css")
    client = login(operator)
    form = confirmed(client, project_a, task)
    # 1 session, 2 user, 3 project with role (and revision), 4 SAVEPOINT, 5 the task in scope
    # (FOR UPDATE), 6 INSERT the Deletion, 7 snapshot INSERT ... SELECT, 8 DELETE
    # the task and 9 count it for the tallies (one WITH ... DELETE ... INSERT on
    # PostgreSQL), 10 UPDATE the deleted count, 11 lower the tally, 12 RELEASE
    # SAVEPOINT, 13 the snapshot for the message (in a cookie, not the session)
    with django_assert_num_queries(13 - POSTGRES_SAVES_TWO):
        response = client.post(url(project_a, task), form)
    assert response.status_code == 302


def test_the_htmx_post_query_count(login, operator, project_a, django_assert_num_queries):
    task = record(project_a, "css")
    record(project_a, "css")
    client = login(operator)
    form = confirmed(client, project_a, task)
    # 1-13 as without htmx (3 also reads the project's revision, which the
    # new-failures notice counts from), 14 the re-rendered page's rows with their
    # catalog entries and resource rows (one page, so no tallies for a pager)
    with django_assert_num_queries(14 - POSTGRES_SAVES_TWO):
        response = client.post(url(project_a, task), form, headers=HTMX_LIST)
    assert response.status_code == 200


def test_the_confirmation_query_count(login, operator, project_a, django_assert_num_queries):
    task = record(project_a, "css")
    client = login(operator)
    # 1 the session's row, the user with their role and the project (one statement),
    # 2 the task (its own revision is the pin)
    with django_assert_num_queries(2):
        response = client.get(url(project_a, task), headers=HTMX)
    assert response.status_code == 200
