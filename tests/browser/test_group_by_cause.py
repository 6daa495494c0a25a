"""Group by cause in the Failed Tasks dialog, end to end in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from console.tenancy.models import Role
from failedtasks.models import Deletion, FailedTask
from tests.browser.conftest import (
    log_in,
    open_dialog,
    screenshot,
    serious_accessibility_violations,
    settled,
)
from tests.conftest import PASSWORD, make_user, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def css_tasks(project_a):
    """Three CSS.6000 (in the catalog), one unknown code and one without a code."""
    for n in range(3):
        record(project_a, "css", job_type="createCluster", failure_status="createFail",
               resource_name=f"css-busy-{n}", error_code="CSS.6000", minutes_ago=n + 1)
    record(project_a, "css", resource_name="css-odd", error_code="ZZZ.0001", minutes_ago=5)
    record(project_a, "css", resource_name="css-plain", error_code="", minutes_ago=6)
    return project_a


@pytest.fixture
def operator_page(page, operator, css_tasks):
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")
    return page


def group_rows(dialog):
    return dialog.locator("table.cause-table tbody tr")


def test_toggle_read_a_cause_and_narrow(operator_page):
    page = operator_page
    dialog = open_dialog(page)
    toggle = dialog.get_by_role("button", name="Group by cause")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()

    expect(dialog.get_by_role("button", name="Group by cause")).to_have_attribute(
        "aria-pressed", "true")
    for header in ("Error Code", "Failed Tasks", "First Failure", "Last Failure"):
        expect(dialog.get_by_role("columnheader", name=header)).to_be_visible()
    rows = group_rows(dialog)
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("CSS.6000")
    expect(rows.first.locator("td").nth(1)).to_have_text("3")
    settled(page)

    cause = rows.first.get_by_role("button", name="Failure cause")
    cause.click()
    expect(cause).to_have_attribute("aria-expanded", "true")
    expect(rows.first).to_contain_text("Failed to create the cluster because of an internal error")
    screenshot(page, "group-by-cause-en")

    rows.first.get_by_role("link", name="CSS.6000").click()
    expect(dialog.get_by_role("button", name="Group by cause")).to_have_attribute(
        "aria-pressed", "false")
    task_rows = dialog.locator("table.task-table:not(.cause-table) tbody tr")
    expect(task_rows).to_have_count(3)
    expect(dialog).to_contain_text("Error code: CSS.6000")
    settled(page)
    dialog.get_by_role("link", name="Remove the filter “Error code: CSS.6000”").click()
    expect(task_rows).to_have_count(5)


def test_toggle_by_keyboard(operator_page):
    page = operator_page
    dialog = open_dialog(page)
    settled(page)
    dialog.get_by_role("button", name="Group by cause").focus()
    page.keyboard.press("Enter")
    toggle = dialog.get_by_role("button", name="Group by cause")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(group_rows(dialog)).to_have_count(3)
    settled(page)
    # htmx gives the new button the focus back, so the next key press toggles again.
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(dialog.locator("tbody tr")).to_have_count(5)
    settled(page)
    expect(toggle).to_be_focused()


def test_delete_group_with_its_confirmation(operator_page, css_tasks):
    page = operator_page
    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Group by cause").click()
    rows = group_rows(dialog)
    expect(rows).to_have_count(3)
    settled(page)

    rows.first.get_by_role("button", name="Delete group").click()
    confirm = page.get_by_role("alertdialog", name="Delete All Failed Tasks")
    expect(confirm).to_contain_text("these 3 failed tasks")
    expect(confirm).to_contain_text("Only the tasks with error code “CSS.6000”.")
    expect(confirm).not_to_contain_text("css-odd")
    expect(confirm.get_by_role("button", name="No")).to_be_focused()
    record(css_tasks, "css", resource_name="css-late", error_code="CSS.6000")
    confirm.get_by_role("button", name="Yes").click()

    expect(dialog.get_by_role("status")).to_contain_text(
        "Deleted 3 failed tasks. 1 newer one was kept.")
    expect(dialog.get_by_role("button", name="Group by cause")).to_have_attribute(
        "aria-pressed", "true")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("td").nth(1)).to_have_text("1")
    expect(page.get_by_role("button", name="Failed Tasks 3")).to_be_attached()
    assert Deletion.objects.get().criteria == {"error_code": "CSS.6000"}
    assert FailedTask.objects.filter(error_code="CSS.6000").get().resource_name == "css-late"


def test_a_viewer_sees_no_delete_group(page, viewer, css_tasks):
    log_in(page, "victor", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")
    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Group by cause").click()
    expect(group_rows(dialog)).to_have_count(3)
    expect(dialog.get_by_role("button", name="Delete group")).to_have_count(0)


def test_without_javascript(page_factory, operator, css_tasks):
    page = page_factory(javascript=False)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/failed-tasks/")
    page.get_by_role("button", name="Group by cause").click()
    expect(page.get_by_role("button", name="Group by cause")).to_have_attribute(
        "aria-pressed", "true")
    rows = page.locator("table.cause-table tbody tr")
    expect(rows).to_have_count(3)
    # The causes show inline without the question mark's script.
    expect(rows.first).to_contain_text("Failed to create the cluster")

    rows.nth(1).get_by_role("button", name="Delete group").click()  # one task, "" before "Z"
    confirm = page.get_by_role("alertdialog", name="Delete All Failed Tasks")
    expect(confirm).to_contain_text("Only the tasks without an error code.")
    confirm.get_by_role("button", name="Yes").click()
    expect(page.locator("main")).to_contain_text("Deleted 1 failed task.")
    expect(rows).to_have_count(2)

    rows.first.get_by_role("link", name="CSS.6000").click()
    expect(page.locator("table.task-table:not(.cause-table) tbody tr")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"\?code=CSS\.6000$"))


def test_chinese_at_320_px(page_factory, project_a):
    make_user("mei", project_a, Role.OPERATOR)
    record(project_a, "ecs", error_code="Ecs.0013", resource_name="ecs-app-01")
    record(project_a, "ecs", error_code="Ecs.0013", resource_name="ecs-app-02")
    record(project_a, "ecs", error_code="EVS.2024", resource_name="ecs-app-03")
    page = page_factory(width=320, timezone_id="Asia/Shanghai")
    log_in(page, "mei", PASSWORD)
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("button", name="失败信息 3").click()
    dialog = page.get_by_role("dialog", name="失败信息")
    dialog.get_by_role("tab", name=re.compile("操作失败")).click()
    expect(dialog.get_by_role("tab", name=re.compile("操作失败"))).to_have_attribute(
        "aria-selected", "true")
    settled(page)
    dialog.get_by_role("button", name="按原因分组").click()
    rows = group_rows(dialog)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ecs.0013")
    settled(page)
    rows.first.get_by_role("button", name="失败原因").click()
    expect(rows.first).to_contain_text("EIP配额不足")
    expect(dialog.get_by_role("button", name="删除该组")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "group-by-cause-zh-320")


def test_no_serious_accessibility_violations(operator_page):
    page = operator_page
    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Group by cause").click()
    expect(group_rows(dialog)).to_have_count(3)
    settled(page)
    group_rows(dialog).first.get_by_role("button", name="Failure cause").click()
    assert serious_accessibility_violations(page) == []
