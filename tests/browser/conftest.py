"""Browser tests: Playwright driving Debian's Chromium against a live server.

They skip, saying why, only when Chromium is not installed (a laptop); CI
installs it, so there they always run.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls that
# tests make around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI but is missing at {CHROMIUM}")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}; browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser, live_server):
    """New pages in fresh contexts; fails the test on any console error."""
    contexts, errors = [], []

    def new_page(*, width=1280, javascript=True, locale="en-US", timezone_id="UTC"):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript,
            locale=locale, timezone_id=timezone_id, base_url=live_server.url,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def page(page_factory):
    return page_factory()


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_dialog(page, name="Failed Tasks"):
    """Open the Failed Tasks dialog from its counter ("Failed Tasks 3"); the dialog."""
    page.get_by_role("button", name=re.compile(rf"^{re.escape(name)} \d+$")).click()
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    return dialog


def settled(page) -> None:
    """Wait until htmx has swapped, settled and wired up the new content, so that a
    key press reaches htmx's handlers and not the form's no-JavaScript default."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret injects a <style>, which the page's CSP refuses.
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, caret="initial")


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        f"{[n['target'] for n in v['nodes']][:3]})"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
