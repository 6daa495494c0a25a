"""Failure insights in Chromium: open it from the Service List, change the period,
follow a bar to the list it counts."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot, serious_accessibility_violations
from tests.conftest import PASSWORD, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 24 * 60


@pytest.fixture
def month_of_failures(superuser, project_a, project_b):
    """A believable month: a few codes that recur, spread over days, in two projects."""
    spread = [
        (project_a, "ecs", "Ecs.0013", [10, 50, 200, 2 * DAY, 3 * DAY, 3 * DAY + 40, 20 * DAY]),
        (project_a, "css", "CSS.6000", [90, DAY + 30, 4 * DAY, 12 * DAY, 25 * DAY]),
        (project_a, "sdrs", "EVS.2024", [300, 6 * DAY, 18 * DAY]),
        (project_b, "ecs", "Ecs.0013", [20, 400, 9 * DAY, 15 * DAY]),
        (project_b, "kps", "KPS.0003", [5 * DAY, 22 * DAY]),
        (project_b, "css", "", [8 * DAY]),
    ]
    for project, service, code, ages in spread:
        for minutes_ago in ages:
            record(project, service, minutes_ago=minutes_ago, error_code=code)
    return superuser


def test_open_switch_period_and_follow_a_bar(page, month_of_failures, project_a):
    log_in(page, "root", PASSWORD)
    page.get_by_role("navigation", name="Service List").get_by_role(
        "link", name="Failure insights"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failure insights")
    period = page.get_by_role("navigation", name="Period")
    expect(period.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("group", name="By error code")).to_be_visible()

    period.get_by_role("link", name="Last 30 days").click()
    expect(period.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    expect(page.locator(".insights-summary")).to_contain_text("22 failed tasks between")
    by_code = page.get_by_role("table", name="By error code")
    expect(by_code.get_by_role("row", name=re.compile(r"^Ecs\.0013 11 "))).to_be_visible()
    assert serious_accessibility_violations(page) == []
    screenshot(page, "insights-30d-en")

    # The longest bar of the error code chart: Ecs.0013, most of it in project A's ECS.
    page.locator("svg.bar-chart a.chart-link").first.click()
    expect(page).to_have_url(re.compile(
        rf"/console/{project_a.pk}/ecs/failed-tasks/\?tab=operation&q=Ecs\.0013$"
    ))
    expect(page.get_by_label("Search by name, ID or error code")).to_have_value("Ecs.0013")
    expect(page.locator("tbody tr")).to_have_count(7)


def test_the_page_at_320_px(page_factory, month_of_failures):
    page = page_factory(width=320)
    log_in(page, "root", PASSWORD)
    page.goto("/insights/?period=24h")
    expect(page.get_by_role("img", name="Failed tasks per hour")).to_be_visible()
    # Nothing sticks out sideways: the charts scale to the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_accessibility_violations(page) == []
    screenshot(page, "insights-24h-en-320")
