"""The Failed Tasks dialog, end to end in Chromium: every user flow of the seeds."""

import re

import pytest
from playwright.sync_api import expect

from console.tenancy.models import Role
from failedtasks.models import Deletion, FailedTask, TaskStatus
from tests.browser.conftest import (
    log_in,
    open_dialog,
    screenshot,
    serious_accessibility_violations,
)
from tests.conftest import PASSWORD, make_user, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def css_tasks(project_a):
    record(project_a, "css", job_type="createCluster", failure_status="createFail",
           resource_name="css-analytics", error_code="CSS.6000", minutes_ago=1,
           fail_reason="internal error while creating")
    record(project_a, "css", job_type="createSnapshot", resource_name="css-search",
           error_code="CSS.6008", minutes_ago=2)
    record(project_a, "css", job_type="restartCluster", resource_name="css-logs",
           error_code="ZZZ.0001", fail_reason="<b>raw</b> reason from the service", minutes_ago=3)
    return project_a


@pytest.fixture
def operator_page(page, operator, css_tasks):
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")
    return page


def test_open_read_a_cause_delete_one_and_undo(operator_page, css_tasks):
    page = operator_page
    expect(page.get_by_role("button", name="Failed Tasks 3")).to_be_visible()
    dialog = open_dialog(page)
    for header in ("Name/ID", "Task Status", "Failure Time", "Operation"):
        expect(dialog.get_by_role("columnheader", name=header)).to_be_visible()
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("css-analytics")  # newest failure first

    cause_button = rows.first.get_by_role("button", name="Failure cause")
    expect(cause_button).to_have_attribute("aria-expanded", "false")
    cause_button.click()
    expect(cause_button).to_have_attribute("aria-expanded", "true")
    expect(rows.first).to_contain_text("Failed to create the cluster because of an internal error")
    expect(rows.first).to_contain_text("Try again later or contact customer service.")
    # An unknown code still shows what the task carried, as text.
    rows.nth(2).get_by_role("button", name="Failure cause").click()
    expect(rows.nth(2)).to_contain_text("<b>raw</b> reason from the service")
    screenshot(page, "dialog-cause-en")

    rows.first.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog", name="Delete Failed Task")
    expect(confirm).to_contain_text("css-analytics")
    expect(confirm.get_by_role("button", name="No")).to_be_focused()  # the safe default
    confirm.get_by_role("button", name="Yes").click()

    expect(confirm).to_have_count(0)
    expect(dialog.get_by_role("status")).to_contain_text("Deleted the failed task css-analytics.")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("button", name="Failed Tasks 2")).to_be_attached()
    assert not FailedTask.objects.filter(resource_name="css-analytics").exists()

    dialog.get_by_role("button", name="Undo").click()
    expect(dialog.get_by_role("status")).to_contain_text("Restored 1 failed task.")
    expect(rows).to_have_count(3)
    expect(page.get_by_role("button", name="Failed Tasks 3")).to_be_attached()


def test_no_and_escape_cancel_a_deletion(operator_page):
    page = operator_page
    dialog = open_dialog(page)
    dialog.locator("tbody tr").first.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog", name="Delete Failed Task").get_by_role("button", name="No").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(dialog).to_be_visible()

    dialog.locator("tbody tr").first.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(dialog).to_be_visible()  # Escape closed only the confirmation
    assert FailedTask.objects.count() == 3
    assert not Deletion.objects.exists()


def test_delete_all_keeps_a_failure_that_arrived_while_confirming(operator_page, css_tasks):
    page = operator_page
    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Delete All").click()
    confirm = page.get_by_role("alertdialog", name="Delete All Failed Tasks")
    expect(confirm).to_contain_text("these 3 failed tasks")
    for name in ("css-analytics", "css-search", "css-logs"):
        expect(confirm).to_contain_text(name)

    record(css_tasks, "css", resource_name="css-late", error_code="CSS.6002")
    confirm.get_by_role("button", name="Yes").click()

    expect(dialog.get_by_role("status")).to_contain_text(
        "Deleted 3 failed tasks. 1 newer one was kept.")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("css-late")
    expect(page.get_by_role("button", name="Failed Tasks 1")).to_be_attached()


def test_deleting_the_last_ones_empties_the_dialog_and_hides_the_counter(operator_page):
    page = operator_page
    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Delete All").click()
    page.get_by_role("alertdialog", name="Delete All Failed Tasks").get_by_role(
        "button", name="Yes").click()
    expect(dialog).to_contain_text("No failed tasks")
    expect(page.locator("#failed-task-counter .counter")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#main")).to_be_focused()  # the counter is gone: focus lands on the page


def test_the_keyboard_path(operator_page):
    page = operator_page
    counter = page.get_by_role("button", name="Failed Tasks 3")
    counter.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Failed Tasks")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")

    # Tab never leaves the dialog.
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.activeElement === document.body || "
            "document.activeElement.closest('dialog[open]') !== null"
        )
    delete = dialog.locator("tbody tr").first.get_by_role("button", name="Delete")
    delete.focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alertdialog", name="Delete Failed Task")
    expect(confirm.get_by_role("button", name="No")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(confirm.get_by_role("button", name="Yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.locator("tbody tr")).to_have_count(2)

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Failed Tasks 2")).to_be_focused()


def test_ecs_tabs_list_running_creations_and_operations(page, operator, project_a):
    record(project_a, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="ecs-app-03", error_code="Ecs.0013", minutes_ago=5)
    record(project_a, "ecs", job_type="createServer", status=TaskStatus.RUNNING,
           resource_name="ecs-app-05", minutes_ago=1)
    record(project_a, "ecs", job_type="resizeServer", failure_status="resizeFail",
           resource_name="ecs-db-01", error_code="Ecs.0029", minutes_ago=9)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/ecs/")
    dialog = open_dialog(page)

    creation = dialog.get_by_role("tab", name=re.compile("Creation Failures"))
    operation = dialog.get_by_role("tab", name=re.compile("Operation Failures"))
    expect(creation).to_have_attribute("aria-selected", "true")
    expect(creation).to_contain_text("2")
    running = dialog.locator("tbody tr", has_text="ecs-app-05")
    expect(running).to_contain_text("Creating")
    expect(running.get_by_role("button", name="Delete")).to_have_count(0)

    creation.focus()
    page.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("tab", name=re.compile("Operation Failures"))).to_have_attribute(
        "aria-selected", "true")
    expect(dialog.locator("tbody tr")).to_have_count(1)
    expect(dialog.locator("tbody tr").first).to_contain_text("Change specifications")
    expect(dialog.locator("tbody tr").first).to_contain_text("Ecs.0029")

    # Delete All from this tab leaves the creation tab alone.
    dialog.get_by_role("button", name="Delete All").click()
    confirm = page.get_by_role("alertdialog", name="Delete All Failed Tasks")
    expect(confirm).to_contain_text("Operation Failures")
    confirm.get_by_role("button", name="Yes").click()
    expect(dialog).to_contain_text("No failed tasks")
    assert FailedTask.objects.filter(resource_name="ecs-app-03").exists()
    expect(operation).to_have_count(1)


def test_search_and_paging(page, operator, project_a):
    for n in range(12):
        record(project_a, "kps", job_type="resetKeypair", resource_name=f"KeyPair-{n:02d}",
               minutes_ago=n)
    record(project_a, "kps", job_type="unbindKeypair", resource_name="special-key",
           error_code="KPS.4016", minutes_ago=30)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/kps/")
    dialog = open_dialog(page)
    expect(dialog.locator("tbody tr")).to_have_count(10)
    dialog.get_by_role("link", name="Next").click()
    expect(dialog.locator("tbody tr")).to_have_count(3)
    expect(dialog).to_contain_text("Page 2 of 2")

    dialog.get_by_role("searchbox").fill("kps.4016")
    dialog.get_by_role("button", name="Search").click()
    expect(dialog.locator("tbody tr")).to_have_count(1)
    expect(dialog.locator("tbody tr").first).to_contain_text("special-key")


def test_a_viewer_sees_no_delete_buttons(page, viewer, css_tasks):
    log_in(page, "victor", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")
    dialog = open_dialog(page)
    expect(dialog.locator("tbody tr")).to_have_count(3)
    expect(dialog.get_by_role("button", name="Delete")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Delete All")).to_have_count(0)


def test_it_works_in_chinese_at_320_px(page_factory, project_a):
    make_user("mei", project_a, Role.OPERATOR)
    record(project_a, "ecs", job_type="createServer", failure_status="createFail",
           resource_name="ecs-app-03", error_code="Ecs.0013")
    page = page_factory(width=320, timezone_id="Asia/Shanghai")
    log_in(page, "mei", PASSWORD)
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("button", name="失败信息 1").click()
    dialog = page.get_by_role("dialog", name="失败信息")
    expect(dialog.get_by_role("tab", name=re.compile("创建失败"))).to_be_visible()
    expect(dialog.get_by_role("tab", name=re.compile("操作失败"))).to_be_visible()
    dialog.get_by_role("button", name="失败原因").click()
    expect(dialog).to_contain_text("EIP配额不足")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "dialog-zh-320")
    dialog.get_by_role("button", name="删除", exact=True).click()
    page.get_by_role("alertdialog", name="删除失败任务").get_by_role("button", name="是").click()
    expect(dialog).to_contain_text("暂无失败任务")


def test_no_serious_accessibility_violations(operator_page):
    page = operator_page
    assert serious_accessibility_violations(page) == []
    dialog = open_dialog(page)
    dialog.locator("tbody tr").first.get_by_role("button", name="Failure cause").click()
    assert serious_accessibility_violations(page) == []
    dialog.get_by_role("button", name="Delete All").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert serious_accessibility_violations(page) == []


def test_without_javascript_everything_is_pages_and_forms(page_factory, operator, css_tasks):
    page = page_factory(javascript=False)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")
    page.get_by_role("button", name="Failed Tasks 3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed Tasks")
    # Causes show inline without the question mark's script.
    expect(page.locator("main")).to_contain_text("Failed to create the cluster")

    page.locator("tbody tr").first.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog", name="Delete Failed Task")
    expect(confirm).to_contain_text("css-analytics")
    confirm.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status").first).to_contain_text("Deleted the failed task css-analytics.")
    expect(page.locator("tbody tr")).to_have_count(2)

    page.get_by_role("button", name="Delete All").click()
    page.get_by_role("alertdialog", name="Delete All Failed Tasks").get_by_role(
        "button", name="Yes").click()
    expect(page.locator("main")).to_contain_text("Deleted 2 failed tasks.")
    expect(page.locator("main")).to_contain_text("No failed tasks")


def test_failure_times_show_in_the_browsers_time_zone(page_factory, operator, css_tasks):
    page = page_factory(timezone_id="Asia/Shanghai")
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{css_tasks.pk}/css/")  # the zone cookie is set by now
    dialog = open_dialog(page)
    time = dialog.locator("tbody tr").first.locator("time")
    expect(time).to_have_attribute("title", re.compile(r"GMT\+08:00 \(Asia/Shanghai\)$"))
    time.focus()  # the exact time is reachable by keyboard too
    expect(time).to_be_focused()


def test_the_counter_does_not_poll_while_the_tab_is_hidden(operator_page, settings):
    page = operator_page
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/failed-tasks/counter/" in r.url else None)
    page.wait_for_timeout(5_500)
    assert polls, "the counter polls while the tab is visible"
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    polls.clear()
    page.wait_for_timeout(6_000)
    assert polls == []
