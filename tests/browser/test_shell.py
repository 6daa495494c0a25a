"""Log in, see the counter, switch project and language: in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from console.tenancy.models import Role
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_projects(project_a, project_b):
    user = make_user("dana", project_a, Role.OPERATOR)
    from console.tenancy.models import Membership

    Membership.objects.create(user=user, project=project_b, role=Role.VIEWER)
    for _ in range(3):
        record(project_a, "ecs")
    record(project_b, "ecs")
    record(project_b, "css")
    return user


def test_log_in_switch_project_and_see_the_counter(page, two_projects, project_a, project_b):
    log_in(page, "dana", PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Elastic Cloud Server")
    expect(page.get_by_role("button", name="Failed Tasks 3")).to_be_visible()
    screenshot(page, "service-ecs-en")

    page.get_by_label("Project").select_option(label=project_b.name)
    expect(page).to_have_url(re.compile(f"/console/{project_b.pk}/ecs/"))
    expect(page.get_by_role("button", name="Failed Tasks 1")).to_be_visible()

    page.get_by_role("navigation", name="Service List").get_by_role(
        "link", name="Key Pair Service", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Key Pair Service")
    expect(page.get_by_role("button", name=re.compile("^Failed Tasks"))).to_have_count(0)


def test_the_counter_appears_when_a_failure_is_recorded_elsewhere(
    page, two_projects, project_a, settings
):
    log_in(page, "dana", PASSWORD)
    page.get_by_role("navigation", name="Service List").get_by_role(
        "link", name="Cloud Search Service", exact=True
    ).click()
    expect(page.get_by_role("button", name=re.compile("^Failed Tasks"))).to_have_count(0)

    record(project_a, "css")  # as another system would, through the service module

    expect(page.get_by_role("button", name="Failed Tasks 1")).to_be_visible(timeout=12_000)


def test_the_page_works_in_chinese_and_at_320_px(page_factory, two_projects):
    page = page_factory(width=320)
    log_in(page, "dana", PASSWORD)
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("弹性云服务器")
    expect(page.get_by_role("button", name="失败信息 3")).to_be_visible()
    # Nothing spills past the viewport but the tables that scroll in their panel.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 320
    screenshot(page, "service-ecs-zh-320")


def test_without_javascript_the_selects_have_buttons(page_factory, two_projects, project_b):
    page = page_factory(javascript=False)
    log_in(page, "dana", PASSWORD)
    page.get_by_label("Project").select_option(label=project_b.name)
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(f"/console/{project_b.pk}/ecs/"))
    page.get_by_role("button", name="Failed Tasks 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed Tasks")


def test_the_tabs_of_one_browser_share_one_poller(page, two_projects, project_a):
    """A hidden tab sends no poll, yet shows a new failure as soon as the visible
    tab's poll sees it; an unchanged poll comes back empty (304)."""
    log_in(page, "dana", PASSWORD)
    visible = page
    hidden = visible.context.new_page()
    for tab in (visible, hidden):
        tab.goto(f"/console/{project_a.pk}/ecs/")
        expect(tab.get_by_role("button", name="Failed Tasks 3")).to_be_visible()
    hidden.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    hidden_polls = []
    hidden.on("request", lambda r: hidden_polls.append(r.url) if "/counter/" in r.url else None)

    visible.wait_for_event(
        "response", lambda r: "/counter/" in r.url and r.status == 304, timeout=15_000)
    record(project_a, "ecs")
    expect(visible.get_by_role("button", name="Failed Tasks 4")).to_be_visible(timeout=15_000)
    expect(hidden.get_by_role("button", name="Failed Tasks 4")).to_be_visible(timeout=15_000)
    assert hidden_polls == []
