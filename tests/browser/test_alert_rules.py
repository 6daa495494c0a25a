"""Alert Rules in Chromium: create a rule from the Review navigation, send a test and
watch the delivery log fill in by itself, delete with confirmation; without JavaScript,
in Chinese and at 320 px."""

import re

import pytest
from playwright.sync_api import expect

from failedtasks.alerts.models import AlertRule
from failedtasks.alerts.worker import deliver_due
from tests.browser.conftest import log_in, screenshot, serious_accessibility_violations
from tests.conftest import PASSWORD, record
from tests.failedtasks.alerts import conftest as alerts_fixtures
from tests.failedtasks.alerts.conftest import SECRET, make_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A real webhook receiver on loopback, which the settings allow, as in the alerts tests.
receiver = alerts_fixtures.receiver
allow_loopback = alerts_fixtures.allow_loopback


def test_create_a_rule_send_a_test_and_read_the_log(page, project_admin, project_a, receiver):
    log_in(page, "ada", PASSWORD)
    page.get_by_role("navigation", name="Service List").get_by_role(
        "link", name="Alert Rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert Rules")
    expect(page.get_by_label("Failures")).to_have_value("1")
    expect(page.get_by_label("Within (minutes)")).to_have_value("5")

    page.get_by_label("Service", exact=True).select_option(label="Elastic Cloud Server")
    page.get_by_label("Error code (optional)").fill("Ecs.0013")
    page.get_by_label("Failures").fill("3")
    page.get_by_label("Target URL").fill(receiver.url)
    page.get_by_label("Secret").fill(SECRET)
    page.get_by_role("button", name="Create rule").click()

    rule = AlertRule.objects.get()
    expect(page).to_have_url(re.compile(rf"/alerts/{rule.pk}/$"))
    expect(page.get_by_role("status").filter(has_text="Created alert rule")).to_be_visible()
    expect(page.get_by_text("3 failures within 5 minutes")).to_be_visible()
    expect(page.get_by_text("No deliveries yet.")).to_be_visible()

    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("1 delivery not finished yet")).to_be_visible()
    deliver_due()  # what the worker beside the server does
    # The log polls while something waits: the attempt appears without a reload.
    log = page.get_by_role("table")
    expect(log.get_by_role("row").filter(has_text="Delivered")).to_be_visible(timeout=15_000)
    expect(log).to_contain_text("204")
    expect(page.get_by_text("1 delivery not finished yet")).to_have_count(0)
    assert receiver.requests[0].json["type"] == "test"
    assert serious_accessibility_violations(page) == []
    screenshot(page, "alert-rule-log-en")

    page.get_by_role("link", name="Alert Rules").first.click()
    row = page.get_by_role("row").filter(has_text=receiver.url)
    expect(row).to_contain_text("Elastic Cloud Server")
    expect(row).to_contain_text("Delivered")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "alert-rules-en")

    row.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("row").filter(has_text=receiver.url)).to_contain_text("Disabled")

    page.get_by_role("row").filter(has_text=receiver.url).get_by_role(
        "link", name=re.compile("^Delete")).click()
    confirmation = page.get_by_role("alertdialog", name="Delete Alert Rule")
    expect(confirmation).to_contain_text("1 attempt")
    expect(confirmation.get_by_role("link", name="No")).to_be_focused()
    screenshot(page, "alert-rule-confirm-delete-en")
    confirmation.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status").filter(has_text="Deleted alert rule")).to_contain_text(
        "and its 1 logged delivery attempt.")
    expect(page.get_by_text("No alert rules yet.")).to_be_visible()
    assert not AlertRule.objects.exists()


def test_without_javascript_it_works_as_plain_forms(page_factory, project_admin, project_a,
                                                    receiver):
    page = page_factory(javascript=False)
    log_in(page, "ada", PASSWORD)
    page.goto("/alerts/")
    page.get_by_label("Target URL").fill(receiver.url)
    page.get_by_label("Secret").fill(SECRET)
    page.get_by_role("button", name="Create rule").click()
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("1 delivery not finished yet")).to_be_visible()
    deliver_due()
    page.get_by_role("link", name="Refresh").click()
    expect(page.get_by_role("table").get_by_role("row").filter(has_text="Delivered")).to_be_visible()


def test_in_chinese_and_at_320_px(page_factory, project_admin, project_a, allow_loopback):
    rule = make_rule(project_a, "http://127.0.0.1:9/hooks/failed-tasks", service="sdrs",
                     error_code="EVS.2024", threshold=5, window_minutes=15)
    make_rule(project_a, "https://hooks.example.com/a/very/long/path/that/has/to/wrap?x=1")
    for _ in range(5):
        record(project_a, "sdrs", error_code="EVS.2024")
    deliver_due()  # the test target refuses connections: a failed attempt to show

    page = page_factory(width=320)
    log_in(page, "ada", PASSWORD)
    page.goto("/alerts/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_accessibility_violations(page) == []
    screenshot(page, "alert-rules-en-320")

    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("告警规则")
    expect(page.get_by_label("目标 URL")).to_be_visible()
    expect(page.get_by_label("密钥")).to_be_visible()
    expect(page.get_by_role("button", name="创建规则")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "alert-rules-zh-320")

    page.goto(f"/alerts/{rule.pk}/")
    expect(page.get_by_text("15 分钟内 5 次失败")).to_be_visible()
    expect(page.get_by_text("无法连接到目标。")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "alert-rule-log-zh-320")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/alerts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("告警规则")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "alert-rules-zh")
