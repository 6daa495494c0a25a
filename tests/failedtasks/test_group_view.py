"""Group by cause: the dialog's list as one row per error code, the list narrowed
to one code, and Delete group through the Delete All confirmation."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from console.tenancy.models import Role
from failedtasks import confirmations
from failedtasks.models import Deletion, ErrorCode, FailedTask, TaskStatus, TaskTally
from tests.conftest import confirmation_token, current_revision, make_user, page_html, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in Chinese leaves Chinese active in this thread: later tests read English."""
    yield
    translation.activate("en")

DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}
REGION = {"HX-Request": "true", "HX-Target": "task-list"}
CONFIRM = {"HX-Request": "true", "HX-Target": "confirm-root"}


def url(project, service="css"):
    return reverse("failed-tasks", args=[project.pk, service])


def delete_all_url(project, service="css"):
    return reverse("failed-tasks-delete-all", args=[project.pk, service])


def group_rows(html: str) -> list[tuple[str, str]]:
    """(error code as shown, count) of each group row, in order."""
    return re.findall(
        r'class="cause-link"[^>]*>([^<]+)</a>.*?data-label="Failed Tasks">(\d+)</td>', html, re.S)


@pytest.fixture
def causes(project_a):
    """Three CSS.6004, two CSS.6000 and one without a code; a running task too."""
    for minutes in (30, 20, 10):
        record(project_a, "css", error_code="CSS.6004", minutes_ago=minutes)
    record(project_a, "css", error_code="CSS.6000", minutes_ago=50)
    record(project_a, "css", error_code="CSS.6000", minutes_ago=5)
    record(project_a, "css", error_code="", resource_name="no-code", minutes_ago=1)
    record(project_a, "css", error_code="CSS.6004", status=TaskStatus.RUNNING,
           job_type="createCluster", failure_status="", resource_name="still-running")
    ErrorCode.objects.update_or_create(code="CSS.6004", defaults={
        "cause_en": "The cluster is busy.", "cause_zh": "集群繁忙。",
        "solution_en": "Try again later.", "solution_zh": "请稍后重试。"})


# --- Render paths -------------------------------------------------------------

def test_it_groups_by_error_code(login, viewer, project_a, causes):
    response = login(viewer).get(url(project_a), {"group": "1"})
    html = page_html(response)
    assert 'aria-pressed="true"' in html
    for column in ("Error Code", "Failed Tasks", "First Failure", "Last Failure"):
        assert f'<th scope="col">{column}</th>' in html
    # Most tasks first; the running task is not a failure, so not counted.
    assert group_rows(html) == [("CSS.6004", "3"), ("CSS.6000", "2"), ("No error code", "1")]
    assert "The cluster is busy." in html and "Try again later." in html
    assert 'aria-label="Failure cause"' in html
    # A viewer sees no Delete group.
    assert "Delete group" not in html
    assert "Delete All" not in html


def test_the_list_is_not_grouped_by_default(login, operator, project_a, causes):
    html = login(operator).get(url(project_a)).content.decode()
    assert 'aria-pressed="false"' in html
    assert 'class="cause-link"' not in html
    # Without JavaScript the toggle is a form that asks for the group view.
    assert '<input type="hidden" name="group" value="1">' in html


def test_it_returns_the_region_with_htmx(login, operator, project_a, causes):
    response = login(operator).get(url(project_a), {"group": "1"}, headers=REGION)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="task-list"')
    assert len(group_rows(html)) == 3
    assert html.count("Delete group") == 3


def test_the_dialog_opens_grouped(login, operator, project_a, causes):
    html = login(operator).get(url(project_a), {"group": "1"}, headers=DIALOG).content.decode()
    assert html.strip().startswith("<dialog")
    assert len(group_rows(html)) == 3


def test_first_and_last_failure(login, operator, project_a, causes):
    html = login(operator).get(url(project_a), {"group": "1"}).content.decode()
    tasks = FailedTask.objects.filter(error_code="CSS.6004", status=TaskStatus.FAIL)
    first = min(t.failed_at for t in tasks).isoformat()
    last = max(t.failed_at for t in tasks).isoformat()
    row = html[html.index(">CSS.6004</a>"):html.index(">CSS.6000</a>")]
    assert f'datetime="{first}"' in row and f'datetime="{last}"' in row


def test_ecs_groups_per_tab(login, operator, project_a):
    record(project_a, "ecs", error_code="Ecs.0013", job_type="createServer",
           failure_status="createFail")
    record(project_a, "ecs", error_code="Ecs.0013")
    record(project_a, "ecs", error_code="Ecs.0013")
    record(project_a, "ecs", error_code="EVS.2024")
    client = login(operator)
    creation = client.get(url(project_a, "ecs"), {"group": "1"}).content.decode()
    assert group_rows(creation) == [("Ecs.0013", "1")]
    operation = client.get(url(project_a, "ecs"), {"group": "1", "tab": "operation"})
    assert group_rows(operation.content.decode()) == [("Ecs.0013", "2"), ("EVS.2024", "1")]
    # The tabs keep the grouping.
    assert "?tab=creation&amp;group=1" in operation.content.decode()


def test_a_search_groups_the_matching_tasks(login, operator, project_a, causes):
    html = login(operator).get(url(project_a), {"group": "1", "q": "css.6000"}).content.decode()
    assert group_rows(html) == [("CSS.6000", "2")]
    assert '<input type="hidden" name="group" value="1">' in html  # the search keeps it


def test_groups_page(login, operator, project_a):
    for n in range(12):
        record(project_a, "css", error_code=f"X.{n:02d}")
    client = login(operator)
    first = client.get(url(project_a), {"group": "1"}).content.decode()
    assert len(group_rows(first)) == 10
    assert "Page 1 of 2" in first
    second = client.get(url(project_a), {"group": "1", "page": "2"}).content.decode()
    assert [code for code, _n in group_rows(second)] == ["X.10", "X.11"]


def test_no_failed_tasks(login, operator, project_a):
    html = login(operator).get(url(project_a), {"group": "1"}).content.decode()
    assert "No failed tasks" in html


def test_it_checks_scope(login, outsider, project_a):
    response = login(outsider).get(url(project_a), {"group": "1"})
    assert response.status_code == 404


def test_it_rejects_post(login, operator, project_a, django_assert_num_queries):
    client = login(operator)
    with django_assert_num_queries(0):
        response = client.post(url(project_a) + "?group=1")
    assert response.status_code == 405


# --- Narrowing to one code -----------------------------------------------------

def test_the_link_narrows_the_list_to_the_code(login, operator, project_a, causes):
    client = login(operator)
    html = client.get(url(project_a), {"group": "1"}).content.decode()
    assert f'href="{url(project_a)}?code=CSS.6000"' in html
    narrowed = client.get(url(project_a), {"code": "CSS.6000"}).content.decode()
    assert narrowed.count('<span class="cell-name">') == 2
    assert "Error code: CSS.6000" in narrowed
    assert f'href="{url(project_a)}" hx-get' in narrowed  # remove the filter
    assert 'aria-pressed="false"' in narrowed


def test_the_code_filter_is_exact(login, operator, project_a, causes):
    client = login(operator)
    assert client.get(url(project_a), {"code": "css.6000"}).content.decode().count(
        '<span class="cell-name">') == 0
    assert client.get(url(project_a), {"code": "CSS.60"}).content.decode().count(
        '<span class="cell-name">') == 0


def test_the_tasks_without_a_code(login, operator, project_a, causes):
    client = login(operator)
    grouped = client.get(url(project_a), {"group": "1"}).content.decode()
    assert f'href="{url(project_a)}?code="' in grouped
    html = client.get(url(project_a) + "?code=").content.decode()
    assert html.count('<span class="cell-name">') == 1
    assert "no-code" in html
    assert "Without an error code" in html


@pytest.mark.parametrize("code", ["\x00", "x" * 500, "<script>", "  "])
def test_odd_codes_are_harmless(login, operator, project_a, causes, code):
    response = login(operator).get(url(project_a), {"code": code, "group": "1"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_actions_keep_the_grouping(login, operator, project_a, causes):
    html = login(operator).get(url(project_a), {"group": "1"}).content.decode()
    # Delete All carries the place, so the list comes back grouped.
    delete_all_form = html[html.index(f'action="{delete_all_url(project_a)}"'):]
    assert '<input type="hidden" name="group" value="1">' in delete_all_form[:600]


# --- Delete group ---------------------------------------------------------------

def test_delete_group_confirms_that_groups_tasks_only(login, operator, project_a, causes):
    client = login(operator)
    response = client.get(delete_all_url(project_a), {"group": "1", "code": "CSS.6004"},
                          headers=CONFIRM)
    html = response.content.decode()
    assert 'role="alertdialog"' in html
    assert "Delete All Failed Tasks" in html
    assert "Are you sure you want to delete these 3 failed tasks?" in html
    assert "Only the tasks with error code “CSS.6004”." in html
    assert "still-running" not in html
    pinned = confirmations.verify(confirmation_token(html), operator, project_a.pk, "css")
    assert pinned.error_code == "CSS.6004"
    assert pinned.revision == current_revision(project_a)


def test_no_on_a_group_confirmation_goes_back_to_every_group(login, operator, project_a, causes):
    """Without JavaScript the confirmation is a page: its No returns to the group
    view the Delete was pressed in, not to a view narrowed to that group's code."""
    page = login(operator).get(delete_all_url(project_a), {"group": "1", "code": "CSS.6004"})
    no = re.search(r'<a class="button" href="([^"]*)" autofocus>No</a>', page.content.decode())
    assert no.group(1) == url(project_a) + "?group=1"


def test_no_on_a_delete_all_confirmation_goes_back_to_the_list_as_it_was(
        login, operator, project_a, causes):
    page = login(operator).get(delete_all_url(project_a), {"code": "CSS.6004", "q": "x"})
    no = re.search(r'<a class="button" href="([^"]*)" autofocus>No</a>', page.content.decode())
    assert no.group(1).replace("&amp;", "&") == url(project_a) + "?q=x&code=CSS.6004"


def test_delete_group_deletes_only_what_was_confirmed(login, operator, project_a, causes):
    client = login(operator)
    page = client.get(delete_all_url(project_a), {"group": "1", "code": "CSS.6004"})
    token = confirmation_token(page.content.decode())
    later = record(project_a, "css", error_code="CSS.6004", resource_name="later")
    response = client.post(delete_all_url(project_a),
                           {"confirmation": token, "group": "1", "code": "CSS.6004"})
    assert response.status_code == 302
    assert response["Location"] == url(project_a) + "?group=1"
    left = FailedTask.objects.filter(error_code="CSS.6004")
    assert {t.resource_name for t in left} == {"later", "still-running"}
    assert FailedTask.objects.filter(error_code="CSS.6000").count() == 2
    deletion = Deletion.objects.get()
    assert deletion.deleted_count == 3 and deletion.kept_count == 1
    assert deletion.criteria == {"error_code": "CSS.6004"}
    assert later.pk in set(left.values_list("pk", flat=True))
    assert TaskTally.objects.for_service(project_a, "css").failed == 4


def test_delete_group_of_tasks_without_a_code(login, operator, project_a, causes):
    client = login(operator)
    page = client.get(delete_all_url(project_a) + "?group=1&code=")
    html = page.content.decode()
    assert "Only the tasks without an error code." in html
    response = client.post(delete_all_url(project_a), {
        "confirmation": confirmation_token(html), "group": "1", "code": ""}, headers=REGION)
    assert response.status_code == 200
    assert "failedTasksChanged" in response["HX-Trigger"]
    assert not FailedTask.objects.filter(error_code="").exists()
    assert Deletion.objects.get().criteria == {"error_code": ""}
    assert group_rows(response.content.decode()) == [("CSS.6004", "3"), ("CSS.6000", "2")]


def test_the_signed_code_wins_over_the_form(login, operator, project_a, causes):
    client = login(operator)
    token = confirmation_token(client.get(
        delete_all_url(project_a), {"group": "1", "code": "CSS.6000"}).content.decode())
    client.post(delete_all_url(project_a), {"confirmation": token, "group": "1",
                                             "code": "CSS.6004"})
    assert not FailedTask.objects.filter(error_code="CSS.6000").exists()
    assert FailedTask.objects.filter(error_code="CSS.6004").count() == 4


def test_a_viewer_cannot_delete_a_group(login, viewer, project_a, causes):
    response = login(viewer).get(delete_all_url(project_a), {"group": "1", "code": "CSS.6004"})
    assert response.status_code == 403


# --- Cost -----------------------------------------------------------------------

@pytest.mark.parametrize("n", [3, 30])
def test_the_group_view_costs_the_same_at_any_size(
    login, operator, project_a, django_assert_num_queries, n
):
    for i in range(n):
        record(project_a, "ecs", error_code=f"Ecs.{i % 12:04d}", minutes_ago=i)
    client = login(operator)
    # 1 the session's row, the user with their role, the project, its revision (for
    # the new failures notice) and the tally rows (tab counts and the groups' counts),
    # 2 the first and last failure of the page's groups, 3 the catalog entries of the
    # page's codes (no header: a fragment)
    with django_assert_num_queries(3):
        response = client.get(url(project_a, "ecs"), {"group": "1", "tab": "operation"},
                              headers=REGION)
    assert response.status_code == 200
    # A search groups its matches in one bounded query instead of reading times apart:
    # 2 the groups, 3 the catalog entries
    with django_assert_num_queries(3):
        response = client.get(url(project_a, "ecs"),
                              {"group": "1", "tab": "operation", "q": "res-"}, headers=REGION)
    assert response.status_code == 200


def test_the_full_group_page_costs_one_more(login, operator, project_a,
                                            django_assert_num_queries, causes):
    client = login(operator)
    # 1 the session's row, the user with their role, the project, its revision and
    # the tally rows, 2 the first and last failures, 3 the catalog entries, 4 the
    # header's projects
    with django_assert_num_queries(4):
        response = client.get(url(project_a), {"group": "1"})
    assert response.status_code == 200


def test_delete_group_posts_cost_what_delete_all_does(
    login, operator, project_a, causes, django_assert_num_queries
):
    from django.db import connection

    client = login(operator)
    token = confirmation_token(client.get(
        delete_all_url(project_a), {"group": "1", "code": "CSS.6004"}).content.decode())
    # As Delete All: 1 session, 2 user, 3 project with role, 4 SAVEPOINT, 5 INSERT the
    # Deletion, 6-8 snapshot, delete and count per tally (one statement on
    # PostgreSQL), 9 COUNT the kept ones, 10 UPDATE the counts, 11 lower the
    # tallies, 12 RELEASE SAVEPOINT
    with django_assert_num_queries(12 - 2 * int(connection.vendor == "postgresql")):
        response = client.post(delete_all_url(project_a),
                               {"confirmation": token, "group": "1", "code": "CSS.6004"})
    assert response.status_code == 302


def test_an_operator_elsewhere_sees_no_group(login, project_a, project_b, causes):
    user = make_user("eve", project_b, Role.OPERATOR)
    assert login(user).get(delete_all_url(project_a), {"code": "CSS.6004"}).status_code == 404


def test_it_speaks_chinese(client, operator, project_a, causes):
    client.force_login(operator)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url(project_a)})
    html = client.get(url(project_a), {"group": "1"}).content.decode()
    for text in ("按原因分组", "错误码", "失败任务", "首次失败", "最近失败", "删除该组", "无错误码",
                 "集群繁忙。", "请稍后重试。"):
        assert text in html, text
    narrowed = client.get(url(project_a), {"code": "CSS.6004"}).content.decode()
    assert "错误码：CSS.6004" in narrowed
