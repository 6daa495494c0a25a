"""The open list's poll: "N new failed tasks" since the list was shown, and "Show"."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from failedtasks.actors import Actor
from failedtasks.models import TaskStatus
from failedtasks.new_failures import NOTICE_LIMIT
from failedtasks.services import delete_task
from tests.conftest import current_revision, record

pytestmark = pytest.mark.django_db

DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}
REGION = {"HX-Request": "true", "HX-Target": "task-list"}
POLL = {"HX-Request": "true", "HX-Target": "new-failures"}


def list_url(project, service="ecs"):
    return reverse("failed-tasks", args=[project.pk, service])


def poll_url_in(html: str) -> str:
    """The URL the list's notice polls, as the page carries it."""
    match = re.search(r'<div id="new-failures"[^>]*hx-get="([^"]+)"', html)
    assert match, "no new-failures poll in the list"
    return html_lib.unescape(match.group(1))


def opened(client, project, service="ecs", headers=DIALOG, **place) -> str:
    """Open the list as the person would; the poll URL it carries."""
    response = client.get(list_url(project, service), place, headers=headers)
    assert response.status_code == 200
    return poll_url_in(response.content.decode())


def creation(project, **fields):
    return record(project, "ecs", job_type="createServer", failure_status="createFail", **fields)


# --- The list carries its poll ------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, DIALOG, REGION], ids=["page", "dialog", "region"])
def test_every_render_of_the_list_carries_its_revision(login, viewer, project_a, headers):
    creation(project_a)
    poll = opened(login(viewer), project_a, headers=headers, tab="creation", q="res", page="2")
    assert poll.startswith(reverse("failed-tasks-new-count", args=[project_a.pk, "ecs"]) + "?")
    assert "tab=creation" in poll and "q=res" in poll and "page=2" in poll
    assert f"since={current_revision(project_a)}" in poll and "shown=0" in poll


def test_the_notice_is_empty_when_the_list_is_shown(login, viewer, project_a):
    creation(project_a)
    html = login(viewer).get(list_url(project_a), headers=DIALOG).content.decode()
    assert re.search(r'<div id="new-failures"[^>]*data-poll-while-visible></div>', html)
    assert "new failed task" not in html


def test_the_poll_interval_is_a_setting(login, viewer, project_a, settings):
    settings.NEW_FAILURES_POLL_SECONDS = 2
    html = login(viewer).get(list_url(project_a, "css"), headers=DIALOG).content.decode()
    assert 'hx-trigger="every 2s, visibilitychange from:document"' in html


# --- What the poll answers -------------------------------------------------------------

def test_it_counts_the_failures_recorded_since(login, viewer, project_a):
    client = login(viewer)
    poll = opened(client, project_a, "css")
    record(project_a, "css")
    response = client.get(poll, headers=POLL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.startswith('<div id="new-failures"')
    assert '<p class="notice new-failures-text">1 new failed task</p>' in html
    assert ">Show</button>" in html
    assert response.headers["Cache-Control"] == "no-store"
    # The notice polls on with what it shows now.
    assert "shown=1" in poll_url_in(html)

    record(project_a, "css")
    html = client.get(poll, headers=POLL).content.decode()
    assert "2 new failed tasks" in html


def test_a_task_recorded_again_is_new(login, viewer, project_a):
    record(project_a, "css", job_id="job-again")
    client = login(viewer)
    poll = opened(client, project_a, "css")
    record(project_a, "css", job_id="job-again", error_code="CSS.6001")
    assert "1 new failed task" in client.get(poll).content.decode()


def test_a_creation_that_fails_after_running_is_new(login, viewer, project_a):
    creation(project_a, job_id="job-running", status=TaskStatus.RUNNING)
    client = login(viewer)
    poll = opened(client, project_a, tab="creation")
    assert client.get(poll).status_code == 204
    creation(project_a, job_id="job-running")
    assert "1 new failed task" in client.get(poll).content.decode()


def test_it_counts_only_the_lists_scope(login, viewer, project_a, project_b):
    client = login(viewer)
    poll = opened(client, project_a, tab="creation", q="web")
    record(project_b, "ecs", resource_name="web-b", job_type="createServer")  # another project
    record(project_a, "css", resource_name="web-css")  # another service
    record(project_a, "ecs", resource_name="web-resize")  # the other tab
    creation(project_a, resource_name="db-01")  # not matching the search
    creation(project_a, resource_name="web-02", status=TaskStatus.RUNNING)  # not failed
    assert client.get(poll, headers=POLL).status_code == 204
    creation(project_a, resource_name="web-01")
    assert "1 new failed task" in client.get(poll, headers=POLL).content.decode()


def test_a_task_deleted_since_is_not_new(login, operator, project_a):
    client = login(operator)
    poll = opened(client, project_a, "css")
    task = record(project_a, "css")
    delete_task(project_a.failed_tasks.all(), task.pk, Actor(user=operator, channel="console"))
    assert client.get(poll).status_code == 204


def test_it_says_more_than_past_its_limit(login, viewer, project_a):
    client = login(viewer)
    poll = opened(client, project_a, "kps")
    for _ in range(NOTICE_LIMIT + 2):
        record(project_a, "kps")
    html = client.get(poll).content.decode()
    assert f"More than {NOTICE_LIMIT} new failed tasks" in html
    assert client.get(poll_url_in(html)).status_code == 204


def test_it_speaks_chinese(login, viewer, project_a):
    client = login(viewer)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    poll = opened(client, project_a, "css")
    record(project_a, "css")
    record(project_a, "css")
    html = client.get(poll).content.decode()
    assert "2 个新的失败任务" in html and ">显示</button>" in html


def test_show_reloads_the_list_in_its_place(login, viewer, project_a):
    client = login(viewer)
    poll = opened(client, project_a, tab="operation", q="web", page="2")
    record(project_a, "ecs", resource_name="web-new")
    html = client.get(poll).content.decode()
    form = re.search(r'<form method="get" action="([^"]+)" hx-get="([^"]+)"\s+'
                     r'hx-target="#task-list" hx-swap="outerHTML" data-show-new-failures>(.*?)</form>',
                     html, re.S)
    assert form, html
    assert form.group(1) == form.group(2) == list_url(project_a)
    for name, value in (("tab", "operation"), ("q", "web"), ("page", "2")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in form.group(3)
    # Shown again, the list carries a newer revision: nothing is new any more.
    again = opened(client, project_a, headers=REGION, tab="operation", q="web")
    assert client.get(again).status_code == 204


# --- Unchanged, cheap ----------------------------------------------------------------------

def test_an_unchanged_poll_answers_no_content(login, viewer, project_a, django_assert_num_queries):
    record(project_a, "css")
    client = login(viewer)
    poll = opened(client, project_a, "css")
    # 1 session, 2 user, 3 the project with the role and its revision in one;
    # nothing was recorded in the project since, so nothing is counted
    with django_assert_num_queries(3):
        response = client.get(poll, headers=POLL)
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize("n", [1, 30])
def test_a_changed_poll_costs_the_same_at_any_size(
    login, viewer, project_a, django_assert_num_queries, n
):
    client = login(viewer)
    poll = opened(client, project_a, tab="creation", q="web")
    for i in range(n):
        creation(project_a, resource_name=f"web-{i}")
    # 1 session, 2 user, 3 the project with the role and its revision, 4 the
    # failures recorded since, counted up to the notice's limit
    with django_assert_num_queries(4):
        response = client.get(poll, headers=POLL)
    assert response.status_code == 200


# --- Refusals ------------------------------------------------------------------------------

def test_it_checks_scope(login, outsider, viewer, project_a):
    poll = opened(login(viewer), project_a, "css")
    response = login(outsider).get(poll)
    assert response.status_code == 404


def test_it_requires_login(client, project_a):
    response = client.get(reverse("failed-tasks-new-count", args=[project_a.pk, "css"]),
                          {"since": 0, "shown": 0})
    assert response.status_code == 302


def test_a_signed_out_poll_stops_polling(client, project_a, django_assert_num_queries):
    # no session cookie, so nothing is read
    with django_assert_num_queries(0):
        response = client.get(reverse("failed-tasks-new-count", args=[project_a.pk, "css"]),
                              {"since": 0, "shown": 0}, headers=POLL)
    assert response.status_code == 286
    assert response.content == b""


def test_it_rejects_post(login, viewer, project_a, django_assert_num_queries):
    client = login(viewer)
    with django_assert_num_queries(0):
        response = client.post(reverse("failed-tasks-new-count", args=[project_a.pk, "css"]))
    assert response.status_code == 405


@pytest.mark.parametrize("params", [
    {}, {"since": "x", "shown": "0"}, {"since": "-1", "shown": "0"}, {"since": "0"},
    {"since": "0", "shown": str(NOTICE_LIMIT + 2)}, {"since": "9" * 30, "shown": "0"},
    {"since": "0\x00", "shown": "0"},
])
def test_bad_input_is_a_400(login, viewer, project_a, params):
    response = login(viewer).get(
        reverse("failed-tasks-new-count", args=[project_a.pk, "css"]), params)
    assert response.status_code == 400
    assert "Could not check for new failed tasks" in response.content.decode()


def test_a_revision_from_the_future_finds_nothing(login, viewer, project_a):
    record(project_a, "css")
    response = login(viewer).get(
        reverse("failed-tasks-new-count", args=[project_a.pk, "css"]),
        {"since": current_revision(project_a) + 10, "shown": 0})
    assert response.status_code == 204
