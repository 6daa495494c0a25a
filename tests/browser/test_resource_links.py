"""From a failed task to its resource: the Name/ID link targets the resource's row."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.tenancy.models import Resource
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clusters(project_a):
    """Thirty clusters; the oldest, last on the page, has a failed task."""
    now = timezone.now()
    made = [
        Resource.objects.create(project=project_a, service="css", resource_id=f"cluster-{n:02d}",
                                name=f"css-cluster-{n:02d}", status="AVAILABLE",
                                created_at=now - timedelta(minutes=n))
        for n in range(30)
    ]
    record(project_a, "css", resource_id="cluster-29", resource_name="css-cluster-29",
           job_type="restartCluster", error_code="CSS.6008")
    record(project_a, "css", resource_id="cluster-gone", resource_name="css-gone",
           job_type="restartCluster", error_code="CSS.6008")
    return made


def test_the_name_link_goes_to_the_resources_row(page, operator, project_a, clusters):
    oldest = clusters[-1]
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/css/")
    page.get_by_role("button", name="Failed Tasks 2").click()
    dialog = page.get_by_role("dialog", name="Failed Tasks")
    expect(dialog).to_be_visible()
    # A resource that no longer exists is plain text.
    expect(dialog.get_by_role("link", name="css-gone")).to_have_count(0)
    expect(dialog.get_by_text("css-gone")).to_be_visible()
    screenshot(page, "resource-link-dialog-en")

    dialog.get_by_role("link", name="css-cluster-29").click()
    expect(dialog).to_have_count(0)
    row = page.locator(f"#resource-{oldest.pk}")
    expect(page.locator("tr:target")).to_have_id(f"resource-{oldest.pk}")
    expect(row).to_be_focused()
    expect(row).to_be_in_viewport()
    expect(row.locator("td").first).to_have_css("background-color", "rgb(255, 244, 214)")
    assert page.url.endswith(f"#resource-{oldest.pk}")
    screenshot(page, "resource-row-targeted-en")


def test_without_javascript_the_link_loads_the_service_page_at_the_row(
    page_factory, operator, project_a, clusters
):
    oldest = clusters[-1]
    page = page_factory(javascript=False, width=320)
    log_in(page, "olivia", PASSWORD)
    page.goto(f"/console/{project_a.pk}/css/failed-tasks/")
    page.get_by_role("link", name="css-cluster-29").click()
    page.wait_for_url(f"**/console/{project_a.pk}/css/#resource-{oldest.pk}")
    expect(page.locator("tr:target")).to_have_id(f"resource-{oldest.pk}")
    expect(page.locator(f"#resource-{oldest.pk}")).to_be_in_viewport()
    screenshot(page, "resource-row-targeted-320")
