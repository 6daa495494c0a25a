"""Delete All: GET confirms with the count and a signed confirmation of what it
showed; POST deletes exactly that, as of the revision the confirmation read."""

import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from console.tenancy.models import Role
from failedtasks import confirmations
from failedtasks.models import (
    DeletedTask,
    Deletion,
    FailedTask,
    ProjectRevision,
    Scope,
    TaskStatus,
    TaskTally,
)
from failedtasks.services import record_failure
from tests.conftest import (
    HTMX_LIST,
    assert_list_region_after_deletion,
    assert_sends_to_sign_in,
    confirmation_token,
    fragment_html,
    make_user,
    record,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "confirm-root"}


def url(project, service="css"):
    return reverse("failed-tasks-delete-all", args=[project.pk, service])


def assert_nothing_deleted(response, remaining: int, message: bytes = b"") -> None:
    """A refused Delete All: a 400 that says why, every task kept, no deletion recorded."""
    assert response.status_code == 400
    assert message in response.content
    assert FailedTask.objects.count() == remaining
    assert not Deletion.objects.exists()


def list_url(project, service="css"):
    return reverse("failed-tasks", args=[project.pk, service])


token_in = confirmation_token


def confirm(client, project, service="css", **params):
    response = client.get(url(project, service), params)
    assert response.status_code == 200
    return response.content.decode()


def ecs_tasks(project):
    """Creation failures, a running creation and operation failures, some matching "web"."""
    record(project, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="web-create")
    record(project, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="db-create")
    record(project, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
           failure_status="", resource_name="web-creating")
    record(project, "ecs", resource_name="web-resize")
    record(project, "ecs", resource_name="web-stop", job_type="stopServer", failure_status="")
    record(project, "ecs", resource_name="db-resize")


def names():
    return set(FailedTask.objects.values_list("resource_name", flat=True))


# --- The confirmation ------------------------------------------------------------

def test_it_confirms_with_the_count_and_the_first_names(login, operator, project_a):
    for i in range(13):
        record(project_a, "css", resource_name=f"task-{i:02d}", minutes_ago=i)
    html = confirm(login(operator), project_a)
    assert "<html" in html
    assert 'role="alertdialog"' in html
    assert '<h2 id="confirm-title">Delete All Failed Tasks</h2>' in html
    assert "Are you sure you want to delete these 13 failed tasks?" in html
    assert html.count('<span class="cell-name">') == 10
    assert "task-00" in html and "task-09" in html
    assert "task-10" not in html
    assert '<li class="more">and 3 more</li>' in html
    pinned = confirmations.verify(token_in(html), operator, project_a.pk, "css")
    assert pinned.revision == ProjectRevision.objects.current(project_a.pk)
    assert (pinned.tab, pinned.search, pinned.task_pk) == ("", "", None)
    assert f'action="{url(project_a)}"' in html
    assert FailedTask.objects.count() == 13  # a GET changes nothing
    assert not Deletion.objects.exists()


def test_it_confirms_one_task_in_the_singular(login, operator, project_a):
    record(project_a, "css", resource_name="only-one")
    html = confirm(login(operator), project_a)
    assert "Are you sure you want to delete this failed task?" in html
    assert "only-one" in html
    assert "more</li>" not in html


def test_it_confirms_in_a_dialog_with_htmx(login, operator, project_a):
    record(project_a, "css", resource_name="only-one")
    response = login(operator).get(url(project_a), headers=HTMX)
    html = fragment_html(response)
    assert html.strip().startswith('<dialog class="modal" role="alertdialog"')
    assert "only-one" in html
    token_in(html)


def test_with_nothing_to_delete_it_offers_no_form(login, operator, project_a):
    html = confirm(login(operator), project_a)
    assert "There are no failed tasks to delete." in html
    assert 'name="confirmation"' not in html
    assert f'action="{url(project_a)}"' not in html


def test_the_confirmation_counts_only_the_tab_and_search(login, operator, project_a):
    ecs_tasks(project_a)
    html = confirm(login(operator), project_a, "ecs", tab="operation", q="web")
    assert "Are you sure you want to delete these 2 failed tasks?" in html
    assert "Only the tasks under “Operation Failures”." in html
    assert "Only the tasks matching “web”." in html
    assert "web-resize" in html and "web-stop" in html
    assert "db-resize" not in html and "web-create" not in html
    assert '<input type="hidden" name="tab" value="operation">' in html
    assert '<input type="hidden" name="q" value="web">' in html


def test_a_broad_search_counts_up_to_the_limit_and_says_more_than(login, operator, project_a,
                                                                  monkeypatch):
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 12)
    for i in range(14):
        record(project_a, "css", resource_name=f"web-{i:02d}")
    client = login(operator)
    html = confirm(client, project_a, q="web")
    assert "Are you sure you want to delete these more than 12 failed tasks?" in html
    assert "and many more" in html
    assert "A search is counted up to 12 tasks. Every matching task is deleted" in html
    html = confirm(client, project_a, q="web-1")  # web-10 to web-13
    assert "Are you sure you want to delete these 4 failed tasks?" in html
    assert "and many more" not in html and "A search is counted" not in html


def test_a_search_for_an_error_code_counts_its_tasks_from_the_tallies(
    login, operator, project_a, monkeypatch, django_assert_num_queries
):
    """The tasks a search finds by the code it names are tallied, so they are
    counted exactly however many; only those it finds by name or id are counted."""
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 12)
    for i in range(14):
        record(project_a, "css", resource_name=f"cluster-{i:02d}", error_code="CSS.6004")
    record(project_a, "css", resource_name="css.6004-named", error_code="CSS.6000")
    record(project_a, "css", resource_name="css.6004-both", error_code="CSS.6004")
    record(project_a, "css", resource_name="unrelated", error_code="CSS.6000")
    record(project_a, "kps", resource_name="other-service", error_code="CSS.6004")
    client = login(operator)
    # 1 the session's row, the user with their role and the project (one statement),
    # 2 the revision, the tallies of the code and the tasks found by name or id, in
    # one statement, 3 the first ten, 4 the header's projects (a page)
    with django_assert_num_queries(4):
        html = confirm(client, project_a, q="css.6004")
    assert "Are you sure you want to delete these 16 failed tasks?" in html
    assert "A search is counted" not in html


def test_the_confirmation_leaves_running_creations_out(login, operator, project_a):
    ecs_tasks(project_a)
    html = confirm(login(operator), project_a, "ecs", tab="creation")
    assert "Are you sure you want to delete these 2 failed tasks?" in html
    assert "web-creating" not in html


# --- Deleting ----------------------------------------------------------------------

def test_it_deletes_what_the_confirmation_showed(login, operator, project_a):
    for i in range(3):
        record(project_a, "css", resource_name=f"task-{i}")
    other = record(project_a, "kps", resource_name="kps-task")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    response = client.post(url(project_a), {"confirmation": token})
    assert response.status_code == 302
    assert response.url == list_url(project_a)
    assert names() == {"kps-task"}
    assert FailedTask.objects.filter(pk=other.pk).exists()
    assert TaskTally.objects.for_service(project_a, "css").failed == 0
    assert TaskTally.objects.for_service(project_a, "kps").failed == 1

    deletion = Deletion.objects.get()
    assert deletion.scope == Scope.ALL
    assert deletion.actor == operator
    assert deletion.channel == "console"
    assert deletion.service == "css"
    assert deletion.deleted_count == 3
    assert deletion.kept_count == 0
    assert deletion.watermark == ProjectRevision.objects.current(project_a.pk)
    assert deletion.criteria == {}
    assert set(DeletedTask.objects.values_list("resource_name", flat=True)) == {
        "task-0", "task-1", "task-2"
    }

    html = client.get(response.url).content.decode()
    assert "Deleted 3 failed tasks." in html
    assert "No failed tasks" in html


def test_a_task_recorded_after_the_confirmation_is_kept(login, operator, project_a):
    record(project_a, "css", resource_name="seen-1")
    record(project_a, "css", resource_name="seen-2")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    record(project_a, "css", resource_name="arrived-later")
    response = client.post(url(project_a), {"confirmation": token})
    assert response.status_code == 302
    assert names() == {"arrived-later"}
    deletion = Deletion.objects.get()
    assert (deletion.deleted_count, deletion.kept_count) == (2, 1)
    html = client.get(response.url).content.decode()
    assert "Deleted 2 failed tasks. 1 newer one was kept." in html
    assert TaskTally.objects.for_service(project_a, "css").failed == 1


def test_several_newer_tasks_are_kept_in_the_plural(login, operator, project_a):
    record(project_a, "css", resource_name="seen")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    record(project_a, "css", resource_name="later-1")
    record(project_a, "css", resource_name="later-2")
    response = client.post(url(project_a), {"confirmation": token}, headers=HTMX_LIST)
    html = response.content.decode()
    assert "Deleted 1 failed task. 2 newer ones were kept." in html
    assert names() == {"later-1", "later-2"}


def test_with_htmx_it_returns_the_list_region(login, operator, project_a):
    for i in range(3):
        record(project_a, "css", resource_name=f"task-{i}")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    response = client.post(url(project_a), {"confirmation": token}, headers=HTMX_LIST)
    assert_list_region_after_deletion(response, project_a, "css", "Deleted 3 failed tasks.")


def test_on_ecs_it_acts_only_on_the_tab(login, operator, project_a):
    ecs_tasks(project_a)
    client = login(operator)
    token = token_in(confirm(client, project_a, "ecs", tab="operation"))
    response = client.post(url(project_a, "ecs"), {"confirmation": token, "tab": "operation"})
    assert response.status_code == 302
    assert response.url == list_url(project_a, "ecs") + "?tab=operation"
    assert names() == {"web-create", "db-create", "web-creating"}
    deletion = Deletion.objects.get()
    assert deletion.deleted_count == 3
    assert deletion.criteria == {"tab": "operation"}


def test_on_ecs_it_acts_only_on_the_search(login, operator, project_a):
    ecs_tasks(project_a)
    client = login(operator)
    token = token_in(confirm(client, project_a, "ecs", tab="operation", q="web"))
    response = client.post(
        url(project_a, "ecs"), {"confirmation": token, "tab": "operation", "q": "web"}
    )
    assert response.status_code == 302
    assert names() == {"web-create", "db-create", "web-creating", "db-resize"}
    deletion = Deletion.objects.get()
    assert deletion.deleted_count == 2
    assert deletion.criteria == {"tab": "operation", "q": "web"}


def test_it_never_deletes_running_tasks(login, operator, project_a):
    ecs_tasks(project_a)
    client = login(operator)
    token = token_in(confirm(client, project_a, "ecs", tab="creation"))
    response = client.post(url(project_a, "ecs"), {"confirmation": token, "tab": "creation"})
    assert response.status_code == 302
    assert names() == {"web-creating", "web-resize", "web-stop", "db-resize"}
    deletion = Deletion.objects.get()
    assert (deletion.deleted_count, deletion.kept_count) == (2, 0)
    assert deletion.criteria == {"tab": "creation"}
    assert FailedTask.objects.get(resource_name="web-creating").status == TaskStatus.RUNNING


def test_it_never_deletes_another_projects_tasks(login, operator, project_a, project_b):
    record(project_a, "css", resource_name="mine")
    record(project_b, "css", resource_name="theirs")
    client = login(operator)
    response = client.post(url(project_a), {"confirmation": token_in(confirm(client, project_a))})
    assert response.status_code == 302
    assert names() == {"theirs"}
    assert TaskTally.objects.for_service(project_b, "css").failed == 1


def test_the_search_and_tab_come_from_the_confirmation_not_the_form(login, operator, project_a):
    ecs_tasks(project_a)
    client = login(operator)
    token = token_in(confirm(client, project_a, "ecs", tab="operation", q="web"))
    # A form that claims a wider list (no search, the other tab) changes nothing.
    response = client.post(url(project_a, "ecs"), {"confirmation": token, "tab": "creation"})
    assert response.status_code == 302
    assert names() == {"web-create", "db-create", "web-creating", "db-resize"}
    assert Deletion.objects.get().criteria == {"tab": "operation", "q": "web"}


def test_a_running_task_that_failed_after_the_confirmation_is_kept(login, operator, project_a):
    record(project_a, "ecs", job_id="job-j", job_type="createServer", status=TaskStatus.RUNNING,
           resource_name="was-running")
    record(project_a, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="failed-before")
    client = login(operator)
    html = confirm(client, project_a, "ecs", tab="creation")
    assert "Are you sure you want to delete this failed task?" in html
    # The running creation fails after the confirmation opened: same task, same id.
    record_failure(project_a, service="ecs", job_id="job-j", job_type="createServer",
                   failure_status="createFail", resource_name="was-running")
    response = client.post(url(project_a, "ecs"), {"confirmation": token_in(html),
                                                   "tab": "creation"})
    assert response.status_code == 302
    assert names() == {"was-running"}
    deletion = Deletion.objects.get()
    assert (deletion.deleted_count, deletion.kept_count) == (1, 1)


@pytest.mark.parametrize("forged", [
    "abc", "", "9223372036854775807",
    signing.dumps({"u": 1, "p": "x", "s": "css", "r": 2**62, "t": "", "q": "", "k": None}),
])
def test_a_missing_forged_or_altered_confirmation_is_a_400(login, operator, project_a, forged):
    record(project_a, "css")
    record(project_a, "css")
    response = login(operator).post(url(project_a), {"confirmation": forged,
                                                     "watermark": "9223372036854775807"})
    assert_nothing_deleted(
        response, 2, b"This confirmation is missing or was altered, so nothing was deleted."
    )


def test_a_confirmation_with_a_changed_revision_is_refused(login, operator, project_a):
    record(project_a, "css")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    late = record(project_a, "css", resource_name="late")
    forged = signing.loads(token, salt=confirmations.SALT)
    forged["r"] += 1  # re-signed with another key, as an attacker without SECRET_KEY must
    altered = signing.dumps(forged, salt=confirmations.SALT, key="not-the-secret-key",
                            compress=True)
    assert altered != token
    response = client.post(url(project_a), {"confirmation": altered})
    assert response.status_code == 400
    assert FailedTask.objects.filter(pk=late.pk).exists()
    assert FailedTask.objects.count() == 2


def test_an_expired_confirmation_is_a_400(login, operator, project_a, monkeypatch):
    record(project_a, "css")
    client = login(operator)
    opened = time.time() - confirmations.MAX_AGE_SECONDS - 60
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: opened)
        token = token_in(confirm(client, project_a))
    response = client.post(url(project_a), {"confirmation": token})
    assert_nothing_deleted(response, 1, b"This confirmation has expired, so nothing was deleted.")


def test_another_users_confirmation_is_refused(login, operator, project_a):
    record(project_a, "css")
    colleague = make_user("colleague", project_a, Role.OPERATOR)
    token = token_in(confirm(login(colleague), project_a))
    response = login(operator).post(url(project_a), {"confirmation": token})
    assert_nothing_deleted(response, 1, b"made for another list")


def test_another_services_confirmation_is_refused(login, operator, project_a):
    record(project_a, "css")
    record(project_a, "kps")
    client = login(operator)
    token = token_in(confirm(client, project_a, "kps"))
    response = client.post(url(project_a, "css"), {"confirmation": token})
    assert_nothing_deleted(response, 2)


def test_no_confirmation_at_all_is_a_400(login, operator, project_a):
    record(project_a, "css")
    response = login(operator).post(url(project_a), headers=HTMX_LIST)
    assert_nothing_deleted(response, 1)
    assert b"<html" not in response.content


# --- Scope, role, method --------------------------------------------------------------

def test_it_checks_the_role(login, viewer, project_a):
    task = record(project_a, "css")
    client = login(viewer)
    assert client.get(url(project_a)).status_code == 403
    response = client.post(url(project_a), {"confirmation": "x"})
    assert response.status_code == 403
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


def test_the_confirmation_needs_a_live_session(client, operator, project_a):
    record(project_a, "css")
    assert_sends_to_sign_in(client.get(url(project_a)))
    client.force_login(operator)
    assert client.get(url(project_a)).status_code == 200
    operator.is_active = False
    operator.save()
    assert_sends_to_sign_in(client.get(url(project_a)))


def test_it_checks_scope(login, outsider, project_a):
    task = record(project_a, "css", resource_name="secret-name")
    client = login(outsider)
    response = client.get(url(project_a))
    assert response.status_code == 404
    assert b"secret-name" not in response.content
    assert client.post(url(project_a), {"confirmation": "x"}).status_code == 404
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


def test_it_requires_login(client, project_a):
    record(project_a, "css")
    response = client.post(url(project_a), {"confirmation": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert FailedTask.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_rejects_other_methods(login, operator, project_a, django_assert_num_queries, method):
    record(project_a, "css")
    client = login(operator)
    with django_assert_num_queries(0):
        response = getattr(client, method)(url(project_a))
    assert response.status_code == 405
    assert FailedTask.objects.count() == 1


def test_it_enforces_csrf(operator, project_a):
    task = record(project_a, "css")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(url(project_a), {"confirmation": "x"})
    assert response.status_code == 403
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert not Deletion.objects.exists()


# --- Cost ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [3, 30])
def test_the_post_costs_the_same_at_any_size(
    login, operator, project_a, django_assert_num_queries, n
):
    for i in range(n):
        record(project_a, "ecs", resource_name=f"resize-{i}")
        record(project_a, "ecs", job_type="createServer", failure_status="createFail",
               resource_name=f"create-{i}")
    client = login(operator)
    token = token_in(confirm(client, project_a, "ecs", tab="operation"))
    # 1 session, 2 user, 3 project with role, 4 SAVEPOINT, 5 INSERT the Deletion,
    # 6 snapshot INSERT ... SELECT of every row in scope, 7 DELETE those rows,
    # 8 count them per tally (6-8 are one WITH ... DELETE ... INSERT on PostgreSQL),
    # 9 COUNT the kept ones, 10 UPDATE the counts, 11 lower the tallies in one
    # upsert, 12 RELEASE SAVEPOINT
    with django_assert_num_queries(12 - 2 * int(connection.vendor == "postgresql")):
        response = client.post(url(project_a, "ecs"), {"confirmation": token, "tab": "operation"})
    assert response.status_code == 302
    assert Deletion.objects.get().deleted_count == n
    assert FailedTask.objects.count() == n  # the creation failures


def test_the_list_it_emptied_is_shown_from_the_tallies(
    login, operator, project_a, django_assert_num_queries
):
    """The deleted tasks' index entries stay until vacuum: the list shown after the
    POST asks the tallies, and does not walk them when nothing is left."""
    for i in range(3):
        record(project_a, "css", resource_name=f"task-{i}")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    # 1-10 or 12 as without htmx, then the tallies instead of the page's rows
    with django_assert_num_queries(13 - 2 * int(connection.vendor == "postgresql")):
        response = client.post(url(project_a), {"confirmation": token}, headers=HTMX_LIST)
    html = assert_list_region_after_deletion(response, project_a, "css", "Deleted 3 failed tasks.")
    assert 'class="empty-state">No failed tasks</p>' in html


def test_the_list_it_left_tasks_in_is_read_as_always(login, operator, project_a):
    for i in range(3):
        record(project_a, "css", resource_name=f"task-{i}")
    client = login(operator)
    token = token_in(confirm(client, project_a))
    record(project_a, "css", resource_name="later")
    response = client.post(url(project_a), {"confirmation": token}, headers=HTMX_LIST)
    html = assert_list_region_after_deletion(
        response, project_a, "css", "Deleted 3 failed tasks. 1 newer one was kept.")
    assert "later" in html
    assert "task-0" not in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_confirmation_costs_the_same_at_any_size(
    login, operator, project_a, django_assert_num_queries, n
):
    for i in range(n):
        record(project_a, "css")
    client = login(operator)
    # 1 the session's row, the user with their role and the project (one statement),
    # 2 the revision and the tallied count in one statement, 3 the first ten tasks
    with django_assert_num_queries(3):
        response = client.get(url(project_a), headers=HTMX)
    assert response.status_code == 200
    # A search: 2 the revision and the matches, counted up to COUNT_LIMIT, in one
    # statement, 3 the first ten matches
    with django_assert_num_queries(3):
        response = client.get(url(project_a), {"q": "res-"}, headers=HTMX)
    assert response.status_code == 200
