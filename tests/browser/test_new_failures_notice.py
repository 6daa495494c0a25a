"""New failures while the dialog is open: a polite notice and "Show", never a jump."""

import re

import pytest
from playwright.sync_api import expect

from console.tenancy.models import Role
from tests.browser.conftest import (
    log_in,
    open_dialog,
    screenshot,
    serious_accessibility_violations,
    settled,
)
from tests.conftest import PASSWORD, make_user, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def quick_poll(settings):
    settings.NEW_FAILURES_POLL_SECONDS = 1


def resize_failure(project, name, minutes_ago=0):
    return record(project, "ecs", resource_name=name, error_code="Ecs.0013",
                  minutes_ago=minutes_ago)


def test_a_new_failure_is_announced_and_shown_in_place(page, operator, project_a):
    resize_failure(project_a, "web-01", minutes_ago=5)
    resize_failure(project_a, "web-02", minutes_ago=4)
    resize_failure(project_a, "db-01", minutes_ago=3)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/ecs/")
    dialog = open_dialog(page)
    dialog.get_by_role("tab", name=re.compile("Operation Failures")).click()
    expect(dialog.get_by_role("tab", name=re.compile("Operation Failures"))).to_have_attribute(
        "aria-selected", "true")
    dialog.get_by_label("Search by name, ID or error code").fill("web")
    dialog.get_by_role("button", name="Search", exact=True).click()
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(2)
    settled(page)

    resize_failure(project_a, "db-02")  # not in this search: no notice
    resize_failure(project_a, "web-03")
    status = dialog.get_by_role("status")
    expect(status).to_contain_text("1 new failed task")
    expect(status).not_to_contain_text("1 new failed tasks")
    # The list did not change under the reader.
    expect(rows).to_have_count(2)
    expect(dialog.get_by_text("web-03")).to_have_count(0)
    screenshot(page, "new-failures-notice-en")
    assert serious_accessibility_violations(page) == []

    show = status.get_by_role("button", name="Show")
    expect(show).to_be_visible()
    settled(page)
    show.click()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("web-03")  # newest failure first
    expect(status).not_to_contain_text("new failed task")
    expect(dialog.get_by_role("button", name="Show")).to_have_count(0)
    # The place is kept: the tab and the search.
    expect(dialog.get_by_role("tab", name=re.compile("Operation Failures"))).to_have_attribute(
        "aria-selected", "true")
    expect(dialog.get_by_label("Search by name, ID or error code")).to_have_value("web")
    expect(dialog).to_be_visible()


def test_show_keeps_the_page(page, operator, project_a):
    for n in range(12):
        record(project_a, "css", resource_name=f"css-{n:02d}", minutes_ago=60 - n)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/css/")
    dialog = open_dialog(page)
    dialog.get_by_role("link", name="Next").click()
    expect(dialog.get_by_text("Page 2 of 2")).to_be_visible()
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(2)
    settled(page)

    record(project_a, "css", resource_name="css-new")
    record(project_a, "css", resource_name="css-newer")
    status = dialog.get_by_role("status")
    expect(status).to_contain_text("2 new failed tasks")
    expect(rows).to_have_count(2)
    settled(page)
    status.get_by_role("button", name="Show").click()
    # Still page 2, which now starts where page 1 ends with two more before it.
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("css-03")
    expect(dialog.get_by_text("Page 2 of 2")).to_be_visible()
    expect(status).not_to_contain_text("new failed task")


def test_the_notice_in_chinese_at_320_px(page_factory, project_a):
    make_user("mei", project_a, Role.OPERATOR)
    record(project_a, "css", resource_name="css-logs", minutes_ago=5)
    page = page_factory(width=320, timezone_id="Asia/Shanghai")
    log_in(page, "mei", PASSWORD)
    page.goto(f"/console/{project_a.pk}/css/")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    dialog = open_dialog(page, "失败任务")
    expect(dialog.locator("tbody tr")).to_have_count(1)
    settled(page)
    record(project_a, "css", resource_name="css-search")
    record(project_a, "css", resource_name="css-analytics")
    status = dialog.get_by_role("status")
    expect(status).to_contain_text("2 个新的失败任务")
    expect(status.get_by_role("button", name="显示")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "new-failures-notice-zh-320")
    settled(page)
    status.get_by_role("button", name="显示").click()
    expect(dialog.locator("tbody tr")).to_have_count(3)
    expect(status).not_to_contain_text("新的失败任务")


def test_without_javascript_the_list_is_a_page_to_reload(page_factory, operator, project_a):
    record(project_a, "css", resource_name="css-logs")
    page = page_factory(javascript=False)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/css/failed-tasks/")
    expect(page.locator("tbody tr")).to_have_count(1)
    record(project_a, "css", resource_name="css-search")
    page.reload()
    expect(page.locator("tbody tr")).to_have_count(2)
