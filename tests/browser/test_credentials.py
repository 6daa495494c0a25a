"""My Credentials in Chromium: create an access key, see its secret once, delete it."""

import re

import pytest
from playwright.sync_api import expect

from console.identity.credentials import create_access_key, issue_token, secret_for
from console.identity.models import AccessKey
from tests.browser.conftest import log_in, screenshot, serious_accessibility_violations
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_an_access_key_see_the_secret_once_and_delete_it(page, operator, project_a):
    issue_token(operator, project_a)  # one live token to list
    log_in(page, "olivia", PASSWORD)

    page.get_by_role("link", name="My Credentials").click()
    expect(page).to_have_url(re.compile(r"/console/credentials/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My Credentials")
    expect(page.get_by_text("You have no access keys.")).to_be_visible()

    page.get_by_label("Description (optional)").fill("nightly export")
    page.get_by_role("button", name="Create access key").click()

    new_key = page.get_by_role("region", name="New access key created")
    expect(new_key).to_be_visible()
    expect(new_key).to_contain_text("will not be shown again")
    key = AccessKey.objects.get()
    secret = secret_for(key)
    expect(page.locator("#new-access-key")).to_have_text(key.access_key)
    expect(page.locator("#new-secret-key")).to_have_text(secret)
    assert page.get_by_role("row").filter(has_text=key.access_key).count() == 1
    assert serious_accessibility_violations(page) == []
    screenshot(page, "credentials-en")

    # Once: the next visit lists the key but not its secret.
    page.goto("/console/credentials/")
    expect(page.get_by_role("row").filter(has_text="nightly export")).to_be_visible()
    expect(page.get_by_role("region", name="New access key created")).to_have_count(0)
    assert secret not in page.content()

    page.get_by_role("row").filter(has_text=key.access_key).get_by_role(
        "link", name=re.compile("^Delete")
    ).click()
    confirmation = page.get_by_role("alertdialog", name="Delete Access Key")
    expect(confirmation).to_contain_text(key.access_key)
    expect(confirmation.get_by_role("link", name="No")).to_be_focused()  # the safe default
    assert serious_accessibility_violations(page) == []
    screenshot(page, "credentials-confirm-delete-en")
    confirmation.get_by_role("button", name="Yes").click()

    expect(page).to_have_url(re.compile(r"/console/credentials/$"))
    # (The page has a second, empty status region for htmx notices: name the message.)
    expect(page.get_by_role("status").filter(has_text="Deleted the access key")).to_contain_text(
        f"Deleted the access key {key.access_key}."
    )
    expect(page.get_by_text("You have no access keys.")).to_be_visible()
    assert not AccessKey.objects.exists()


def test_no_leaves_the_key_alone(page, operator):
    key, _secret = create_access_key(operator, "keep me")
    log_in(page, "olivia", PASSWORD)
    page.goto("/console/credentials/")
    page.get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("alertdialog", name="Delete Access Key").get_by_role("link", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My Credentials")
    expect(page.get_by_role("row").filter(has_text="keep me")).to_be_visible()
    assert AccessKey.objects.filter(pk=key.pk).exists()


def test_the_page_with_a_new_secret_at_320_px(page_factory, operator, project_a):
    issue_token(operator, project_a)
    page = page_factory(width=320)
    log_in(page, "olivia", PASSWORD)
    page.goto("/console/credentials/")
    page.get_by_role("button", name="Create access key").click()
    expect(page.get_by_role("region", name="New access key created")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "credentials-en-320")
