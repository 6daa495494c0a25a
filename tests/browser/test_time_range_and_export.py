"""The dialog's "Failure Time" range and "Export CSV", end to end in Chromium."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from console.tenancy.models import Role
from failedtasks.models import FailedTask
from tests.browser.conftest import (
    log_in,
    open_dialog,
    screenshot,
    serious_accessibility_violations,
    settled,
)
from tests.conftest import PASSWORD, make_user, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 24 * 60  # minutes


@pytest.fixture
def ecs_tasks(project_a):
    """Operation failures an hour, three days and forty days old; a creation failure."""
    record(project_a, "ecs", resource_name="web-hour-old", minutes_ago=60, error_code="Ecs.0013")
    record(project_a, "ecs", resource_name="web-three-days-old", minutes_ago=3 * DAY)
    record(project_a, "ecs", resource_name="db-forty-days-old", minutes_ago=40 * DAY)
    record(project_a, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="app-create", minutes_ago=2 * DAY)
    return project_a


def names(locator) -> list[str]:
    return [text.strip() for text in locator.locator("tbody .cell-name").all_inner_texts()]


def test_a_range_narrows_the_list_and_keeps_its_place(page, operator, ecs_tasks):
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{ecs_tasks.pk}/ecs/")
    dialog = open_dialog(page)
    dialog.get_by_role("tab", name=re.compile("Operation Failures")).click()
    expect(dialog.locator("tbody tr")).to_have_count(3)
    settled(page)

    period = dialog.get_by_label("Failure Time")
    expect(period).to_have_value("")  # All time
    period.focus()  # as a person choosing with the keyboard or the mouse would
    period.select_option(label="Last 7 days")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    # The tab stays, and both tabs count within the range.
    expect(dialog.get_by_role("tab", name=re.compile("Operation Failures"))).to_have_attribute(
        "aria-selected", "true")
    expect(dialog.get_by_role("tab", name=re.compile("Operation Failures"))).to_contain_text("2")
    expect(dialog.get_by_role("tab", name=re.compile("Creation Failures"))).to_contain_text("1")
    expect(dialog.get_by_label("Failure Time")).to_have_value("7d")
    expect(dialog.get_by_label("Failure Time")).to_be_focused()  # htmx keeps focus by id
    screenshot(page, "time-range-en")

    # A search within the range keeps it; so does changing the range within a search.
    dialog.get_by_role("searchbox").fill("web")
    dialog.get_by_role("button", name="Search").click()
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    dialog.get_by_label("Failure Time").select_option(label="Last 24 hours")
    expect(dialog.locator("tbody tr")).to_have_count(1)
    settled(page)
    assert names(dialog) == ["web-hour-old"]
    expect(dialog.get_by_role("searchbox")).to_have_value("web")

    dialog.get_by_label("Failure Time").select_option(label="All time")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    assert serious_accessibility_violations(page) == []


def test_delete_all_in_a_range_leaves_the_rest(page, operator, ecs_tasks):
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{ecs_tasks.pk}/ecs/")
    dialog = open_dialog(page)
    dialog.get_by_role("tab", name=re.compile("Operation Failures")).click()
    expect(dialog.locator("tbody tr")).to_have_count(3)
    settled(page)
    dialog.get_by_label("Failure Time").select_option(label="Last 7 days")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    dialog.get_by_role("button", name="Delete All").click()
    confirm = page.get_by_role("alertdialog", name="Delete All Failed Tasks")
    expect(confirm).to_contain_text("Are you sure you want to delete these 2 failed tasks?")
    expect(confirm).to_contain_text("Last 7 days")
    expect(confirm).not_to_contain_text("db-forty-days-old")
    settled(page)
    confirm.get_by_role("button", name="Yes").click()
    expect(dialog).to_contain_text("Deleted 2 failed tasks.")
    expect(dialog).to_contain_text("No failed tasks in this period.")
    expect(dialog.get_by_label("Failure Time")).to_have_value("7d")
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {
        "db-forty-days-old", "app-create"}


def read_download(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8-sig") as file:  # -sig: past the BOM
        return list(csv.reader(io.StringIO(file.read())))


def test_export_csv_downloads_the_list(page, viewer, ecs_tasks):
    log_in(page, "victor", PASSWORD)
    page.goto(f"/console/{ecs_tasks.pk}/ecs/")
    dialog = open_dialog(page)
    dialog.get_by_role("tab", name=re.compile("Operation Failures")).click()
    expect(dialog.locator("tbody tr")).to_have_count(3)
    settled(page)
    dialog.get_by_label("Failure Time").select_option(label="Last 7 days")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    with page.expect_download() as download_info:
        dialog.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"failed-tasks-ecs-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = read_download(download)
    assert rows[0][:7] == ["Name", "ID", "Task", "Task Status", "Failure Time", "Error Code",
                           "Failure cause"]
    assert [row[0] for row in rows[1:]] == ["web-hour-old", "web-three-days-old"]
    expect(dialog).to_be_visible()  # the download leaves the dialog as it was


def test_without_javascript_the_range_is_a_form(page_factory, operator, ecs_tasks):
    page = page_factory(javascript=False)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{ecs_tasks.pk}/ecs/failed-tasks/?tab=operation")
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_label("Failure Time").select_option(label="Last 24 hours")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"\?tab=operation&period=24h$"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_label("Failure Time")).to_have_value("24h")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    assert [row[0] for row in read_download(download_info.value)[1:]] == ["web-hour-old"]


def test_it_works_in_chinese_at_320_px(page_factory, project_a, ecs_tasks):
    make_user("mei", project_a, Role.OPERATOR)
    record(project_a, "ecs", resource_name="应用服务器-01", minutes_ago=30)
    page = page_factory(width=320, timezone_id="Asia/Shanghai")
    log_in(page, "mei", PASSWORD)
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"/console/{project_a.pk}/ecs/")
    dialog = open_dialog(page, "失败信息")
    dialog.get_by_role("tab", name=re.compile("操作失败")).click()
    expect(dialog.locator("tbody tr")).to_have_count(4)
    settled(page)
    dialog.get_by_label("失败时间").select_option(label="最近24小时")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    settled(page)
    expect(dialog.get_by_role("link", name="导出 CSV")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "time-range-zh-320")
    with page.expect_download() as download_info:
        dialog.get_by_role("link", name="导出 CSV").click()
    rows = read_download(download_info.value)
    assert rows[0][:3] == ["名称", "ID", "任务"]
    assert [row[0] for row in rows[1:]] == ["应用服务器-01", "web-hour-old"]
