"""The dialog's "Failure Time" range: part of the list's place, it narrows the list,
its counts and Delete All, whose confirmation fixes and signs the cutoff."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from failedtasks import confirmations
from failedtasks.models import Deletion, FailedTask, TaskStatus
from tests.conftest import confirmation_token, record

pytestmark = pytest.mark.django_db

REGION = {"HX-Request": "true", "HX-Target": "task-list"}
DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}
CONFIRM = {"HX-Request": "true", "HX-Target": "confirm-root"}
HOUR, DAY = 60, 24 * 60  # in minutes, as record() takes them


def url(project, service="css"):
    return reverse("failed-tasks", args=[project.pk, service])


def delete_all_url(project, service="css"):
    return reverse("failed-tasks-delete-all", args=[project.pk, service])


def spread(project, service="css", **fields):
    """One task an hour, three days, ten days and sixty days old."""
    for name, minutes in (("hour-old", HOUR), ("three-days-old", 3 * DAY),
                          ("ten-days-old", 10 * DAY), ("sixty-days-old", 60 * DAY)):
        record(project, service, minutes_ago=minutes, resource_name=name, **fields)


def listed(html: str) -> set[str]:
    return set(re.findall(r'<span class="cell-name">([^<]+)</span>', html))


# --- The choices --------------------------------------------------------------------

@pytest.mark.parametrize("period,names", [
    ("24h", {"hour-old"}),
    ("7d", {"hour-old", "three-days-old"}),
    ("30d", {"hour-old", "three-days-old", "ten-days-old"}),
    ("", {"hour-old", "three-days-old", "ten-days-old", "sixty-days-old"}),
])
def test_each_period_narrows_the_list(login, viewer, project_a, period, names):
    spread(project_a)
    response = login(viewer).get(url(project_a), {"period": period})
    assert response.status_code == 200
    assert listed(response.content.decode()) == names


@pytest.mark.parametrize("bad", ["1h", "24H", "all", "x" * 500, "24h\x00", "-1d"])
def test_an_unknown_period_falls_back_to_all_time(login, viewer, project_a, bad):
    spread(project_a)
    response = login(viewer).get(url(project_a), {"period": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert len(listed(html)) == 4
    assert '<option value="" selected>All time</option>' in html


def test_the_select_offers_the_periods_with_all_time_by_default(login, viewer, project_a):
    html = login(viewer).get(url(project_a)).content.decode()
    assert '<label for="task-period">Failure Time</label>' in html
    select = html[html.index('<select id="task-period"'):]
    select = select[:select.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', select)
    assert options == [("24h", "", "Last 24 hours"), ("7d", "", "Last 7 days"),
                       ("30d", "", "Last 30 days"), ("", " selected", "All time")]


def test_the_select_works_without_javascript(login, viewer, project_a):
    """A GET form with a submit button; htmx submits it on change instead."""
    record(project_a, "ecs", resource_name="op", minutes_ago=HOUR)
    html = login(viewer).get(url(project_a, "ecs"), {"tab": "operation", "q": "op"}).content.decode()
    form = re.search(r'<form class="time-range" method="get" action="([^"]+)"[^>]*>(.*?)</form>',
                     html, re.S)
    assert form and form.group(1) == url(project_a, "ecs")
    assert 'hx-trigger="change, submit"' in html
    assert '<input type="hidden" name="tab" value="operation">' in form.group(2)
    assert '<input type="hidden" name="q" value="op">' in form.group(2)
    assert '<button type="submit" class="button no-js-only">Apply</button>' in form.group(2)


def test_the_chosen_period_is_selected_and_in_chinese(login, viewer, project_a):
    html = login(viewer).get(url(project_a), {"period": "7d"},
                             headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<option value="7d" selected>最近7天</option>' in html
    assert '<label for="task-period">失败时间</label>' in html
    assert '<option value="" >全部时间</option>' not in html and ">全部时间</option>" in html


# --- Both render paths --------------------------------------------------------------

def test_the_region_keeps_the_period(login, viewer, project_a):
    spread(project_a)
    response = login(viewer).get(url(project_a), {"period": "7d"}, headers=REGION)
    html = response.content.decode()
    assert html.strip().startswith('<div id="task-list"')
    assert "<html" not in html
    assert listed(html) == {"hour-old", "three-days-old"}
    assert '<option value="7d" selected>' in html


def test_the_dialog_keeps_the_period(login, viewer, project_a):
    spread(project_a)
    html = login(viewer).get(url(project_a), {"period": "24h"}, headers=DIALOG).content.decode()
    assert html.strip().startswith("<dialog")
    assert listed(html) == {"hour-old"}


# --- Keeping the place ----------------------------------------------------------------

def test_tabs_search_pages_and_export_keep_the_period(login, viewer, project_a):
    for n in range(12):
        record(project_a, "ecs", resource_name=f"web-{n:02d}", minutes_ago=HOUR + n)
    html = login(viewer).get(url(project_a, "ecs"),
                             {"tab": "operation", "period": "24h"}).content.decode()
    assert f'href="{url(project_a, "ecs")}?tab=creation&amp;period=24h"' in html
    assert f'{url(project_a, "ecs")}?tab=operation&amp;period=24h&amp;page=2' in html
    assert '<input type="hidden" name="period" value="24h">' in html  # search and Delete All
    export = reverse("failed-tasks-export", args=[project_a.pk, "ecs"])
    assert f'href="{export}?tab=operation&amp;period=24h" download>Export CSV</a>' in html


def test_a_search_within_a_period(login, viewer, project_a):
    record(project_a, "css", resource_name="web-new", minutes_ago=HOUR)
    record(project_a, "css", resource_name="web-old", minutes_ago=3 * DAY)
    record(project_a, "css", resource_name="db-new", minutes_ago=HOUR)
    html = login(viewer).get(url(project_a), {"period": "24h", "q": "web"}).content.decode()
    assert listed(html) == {"web-new"}


def test_an_empty_period_says_so(login, viewer, project_a):
    record(project_a, "css", minutes_ago=3 * DAY)
    html = login(viewer).get(url(project_a), {"period": "24h"}).content.decode()
    assert "No failed tasks in this period." in html


# --- Counts ---------------------------------------------------------------------------

def tab_counts(html: str) -> list[str]:
    return re.findall(r'<span class="tab-count">([^<]+)</span>', html)


def test_tab_counts_are_of_the_period(login, viewer, project_a):
    spread(project_a, "ecs")  # operation failures
    spread(project_a, "ecs", job_type="createServer", failure_status="createFail")
    record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
           failure_status="", minutes_ago=HOUR)  # a running creation lists too
    client = login(viewer)
    assert tab_counts(client.get(url(project_a, "ecs")).content.decode()) == ["5", "4"]
    assert tab_counts(client.get(url(project_a, "ecs"),
                                 {"period": "24h"}).content.decode()) == ["2", "1"]
    assert tab_counts(client.get(url(project_a, "ecs"),
                                 {"period": "30d"}).content.decode()) == ["4", "3"]


def test_the_page_count_is_of_the_period(login, viewer, project_a):
    for n in range(15):
        record(project_a, "css", minutes_ago=HOUR + n)
    for n in range(30):
        record(project_a, "css", minutes_ago=3 * DAY + n)
    client = login(viewer)
    assert "Page 1 of 5" in client.get(url(project_a)).content.decode()
    assert "Page 1 of 2" in client.get(url(project_a), {"period": "24h"}).content.decode()


def test_counts_past_the_limit_say_more_than(login, viewer, project_a, monkeypatch):
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 12)
    for n in range(14):
        record(project_a, "ecs", minutes_ago=HOUR + n)
    client = login(viewer)
    html = client.get(url(project_a, "ecs"), {"tab": "operation", "period": "24h"}).content.decode()
    assert tab_counts(html) == ["0", "more than 12"]
    assert '<span class="pager-position">Page 1</span>' in html  # not "of 2"


@pytest.mark.parametrize("n", [3, 25])
def test_a_period_costs_what_all_time_costs(login, viewer, project_a, django_assert_num_queries, n):
    for i in range(n):
        record(project_a, "ecs", error_code=f"CSS.60{i % 3:02d}", minutes_ago=i * 2 * HOUR)
        record(project_a, "css", error_code=f"CSS.60{i % 3:02d}", minutes_ago=i * 2 * HOUR)
    for i in range(11):  # a second page, so that the pager shows "Page 1 of N"
        record(project_a, "css", minutes_ago=HOUR)
    client = login(viewer)
    # 1 the session's row, the user with their role, the project and its revision
    # (for the new-failures notice), 2 the page's rows with their catalog entries and
    # resource rows, 3 the header's projects, 4 both tabs counted up to COUNT_LIMIT
    # in one statement (in place of the tally rows)
    with django_assert_num_queries(4):
        response = client.get(url(project_a, "ecs"), {"tab": "operation", "period": "24h"})
    assert response.status_code == 200
    # The region: no header
    with django_assert_num_queries(3):
        response = client.get(url(project_a, "ecs"), {"tab": "operation", "period": "7d"},
                              headers=REGION)
    assert response.status_code == 200
    # Another service: 1, 2 rows, 3 the list counted up to COUNT_LIMIT for the pager
    with django_assert_num_queries(3):
        response = client.get(url(project_a, "css"), {"period": "30d"}, headers=REGION)
    assert response.status_code == 200
    # A search in a period is not counted (no tabs): 1, 2 rows
    with django_assert_num_queries(2):
        response = client.get(url(project_a, "css"), {"period": "30d", "q": "res"}, headers=REGION)
    assert response.status_code == 200


# --- Delete All within a period ---------------------------------------------------------

def test_the_confirmation_lists_and_counts_only_the_period(login, operator, project_a):
    spread(project_a)
    html = login(operator).get(delete_all_url(project_a), {"period": "7d"}).content.decode()
    assert "Are you sure you want to delete these 2 failed tasks?" in html
    assert listed(html) == {"hour-old", "three-days-old"}
    assert "Only the tasks that failed in the period “Last 7 days”, since" in html
    assert '<input type="hidden" name="period" value="7d">' in html


def test_the_confirmation_signs_the_cutoff(login, operator, project_a):
    record(project_a, "css", minutes_ago=HOUR)
    before = timezone.now()
    html = login(operator).get(delete_all_url(project_a), {"period": "24h"}).content.decode()
    pinned = confirmations.verify(confirmation_token(html), operator, project_a.pk, "css")
    assert pinned.period == "24h"
    assert before - timedelta(hours=24) <= pinned.since <= timezone.now() - timedelta(hours=24)


def test_delete_all_deletes_only_the_period(login, operator, project_a):
    spread(project_a)
    client = login(operator)
    token = confirmation_token(client.get(delete_all_url(project_a), {"period": "7d"}).content.decode())
    later = record(project_a, "css", resource_name="after-the-confirmation")
    response = client.post(delete_all_url(project_a), {"confirmation": token, "period": "7d"})
    assert response.status_code == 302
    assert response.url == url(project_a) + "?period=7d"
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {
        "ten-days-old", "sixty-days-old", later.resource_name}
    deletion = Deletion.objects.get()
    assert deletion.deleted_count == 2 and deletion.kept_count == 1
    assert deletion.criteria["period"] == "7d"
    assert deletion.criteria["since"].startswith(str((timezone.now() - timedelta(days=7)).year))


def test_delete_all_keeps_the_cutoff_the_confirmation_fixed(login, operator, project_a,
                                                            monkeypatch):
    """A task 23 hours old when the confirmation opened is still deleted when Yes is
    pressed two hours later: "the last 24 hours" means the tasks that were shown."""
    record(project_a, "css", resource_name="nearly-a-day-old", minutes_ago=23 * HOUR)
    record(project_a, "css", resource_name="two-days-old", minutes_ago=2 * DAY)
    client = login(operator)
    token = confirmation_token(client.get(delete_all_url(project_a), {"period": "24h"}).content.decode())
    two_hours_later = timezone.now() + timedelta(hours=2)
    from failedtasks import listing
    monkeypatch.setattr(listing, "timezone", SimpleNamespace(now=lambda: two_hours_later))
    response = client.post(delete_all_url(project_a), {"confirmation": token, "period": "24h"},
                           headers=REGION)
    assert response.status_code == 200
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {"two-days-old"}


def test_the_form_cannot_widen_the_period(login, operator, project_a):
    """The deletion follows the signed period, whatever the form sends beside it."""
    spread(project_a)
    client = login(operator)
    token = confirmation_token(client.get(delete_all_url(project_a), {"period": "24h"}).content.decode())
    client.post(delete_all_url(project_a), {"confirmation": token, "period": ""})
    assert FailedTask.objects.count() == 3
    assert not FailedTask.objects.filter(resource_name="hour-old").exists()


def test_an_altered_cutoff_is_refused(login, operator, project_a):
    spread(project_a)
    client = login(operator)
    token = confirmation_token(client.get(delete_all_url(project_a), {"period": "24h"}).content.decode())
    payload = signing.loads(token, salt=confirmations.SALT)
    payload["f"] = None  # all time
    forged = signing.dumps(payload, salt=confirmations.SALT, key="not the key", compress=True)
    for altered in (forged, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        response = client.post(delete_all_url(project_a), {"confirmation": altered})
        assert response.status_code == 400
    assert FailedTask.objects.count() == 4
    assert not Deletion.objects.exists()


def test_the_htmx_delete_keeps_the_period_in_the_list(login, operator, project_a):
    spread(project_a)
    client = login(operator)
    token = confirmation_token(client.get(delete_all_url(project_a), {"period": "24h"},
                                          headers=CONFIRM).content.decode())
    response = client.post(delete_all_url(project_a), {"confirmation": token, "period": "24h"},
                           headers=REGION)
    html = response.content.decode()
    assert "failedTasksChanged" in response["HX-Trigger"]
    assert '<option value="24h" selected>' in html
    assert "Deleted 1 failed task." in html


def test_a_confirmation_past_the_limit_says_every_task_goes(login, operator, project_a,
                                                            monkeypatch):
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 3)
    for n in range(5):
        record(project_a, "css", minutes_ago=HOUR + n)
    client = login(operator)
    html = client.get(delete_all_url(project_a), {"period": "24h"}).content.decode()
    assert "Are you sure you want to delete these more than 3 failed tasks?" in html
    assert "A period is counted up to 3 tasks." in html
    client.post(delete_all_url(project_a), {"confirmation": confirmation_token(html)})
    assert not FailedTask.objects.exists()


def test_the_confirmation_costs_the_same_at_any_size(login, operator, project_a,
                                                     django_assert_num_queries):
    for n in range(25):
        record(project_a, "css", minutes_ago=HOUR * n)
    client = login(operator)
    # 1 the session's row, the user with their role and the project (one statement),
    # 2 the revision and the period's tasks counted up to COUNT_LIMIT in one
    # statement, 3 the first ten tasks
    with django_assert_num_queries(3):
        response = client.get(delete_all_url(project_a), {"period": "24h"}, headers=CONFIRM)
    assert "Are you sure you want to delete these 24 failed tasks?" in response.content.decode()
