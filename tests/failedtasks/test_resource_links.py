"""A failed task's Name/ID links to its resource's row on the service page."""

import pytest
from django.urls import reverse

from console.tenancy.models import Resource
from tests.conftest import record

pytestmark = pytest.mark.django_db

DIALOG = {"HX-Request": "true", "HX-Target": "modal-root"}


def list_url(project, service="css"):
    return reverse("failed-tasks", args=[project.pk, service])


def resource(project, resource_id, service="css", **fields):
    fields.setdefault("name", resource_id)
    return Resource.objects.create(project=project, service=service, resource_id=resource_id,
                                   status="AVAILABLE", **fields)


def link_to(project, resource, service="css") -> str:
    return f'<a class="resource-link" href="{reverse("service", args=[project.pk, service])}' \
           f'#resource-{resource.pk}" data-resource-link>'


@pytest.mark.parametrize("headers", [{}, DIALOG], ids=["page", "dialog"])
def test_a_task_whose_resource_exists_links_to_its_row(login, viewer, project_a, headers):
    cluster = resource(project_a, "cluster-1")
    record(project_a, "css", resource_id="cluster-1", resource_name="css-logs")
    html = login(viewer).get(list_url(project_a), headers=headers).content.decode()
    assert link_to(project_a, cluster) in html
    link = html[html.index(link_to(project_a, cluster)):]
    assert link.index("css-logs") < link.index("cluster-1") < link.index("</a>")


def test_the_service_page_row_carries_the_id_the_link_targets(login, viewer, project_a):
    cluster = resource(project_a, "cluster-1")
    html = login(viewer).get(reverse("service", args=[project_a.pk, "css"])).content.decode()
    assert f'<tr id="resource-{cluster.pk}" class="resource-row" tabindex="-1">' in html


def test_a_resource_that_no_longer_exists_is_plain_text(login, viewer, project_a):
    cluster = resource(project_a, "cluster-1")
    record(project_a, "css", resource_id="cluster-1", resource_name="css-logs")
    cluster.delete()
    html = login(viewer).get(list_url(project_a), headers=DIALOG).content.decode()
    assert "css-logs" in html
    assert "data-resource-link" not in html


def test_another_projects_or_services_resource_is_not_linked(login, viewer, project_a, project_b):
    resource(project_b, "cluster-1")  # same id, another project
    resource(project_a, "cluster-2", service="ecs")  # same id, another service
    record(project_a, "css", resource_id="cluster-1")
    record(project_a, "css", resource_id="cluster-2")
    html = login(viewer).get(list_url(project_a), headers=DIALOG).content.decode()
    assert "data-resource-link" not in html


def test_a_resource_listed_under_another_links_to_that_row(login, viewer, project_a):
    group = resource(project_a, "pg-1", service="sdrs")
    resource(project_a, "pi-1", service="sdrs", parent=group)
    record(project_a, "sdrs", resource_id="pi-1", parent_id="pg-1")
    html = login(viewer).get(list_url(project_a, "sdrs"), headers=DIALOG).content.decode()
    assert link_to(project_a, group, "sdrs") in html


def test_markup_in_a_resource_name_stays_text(login, viewer, project_a):
    resource(project_a, "cluster-1")
    record(project_a, "css", resource_id="cluster-1", resource_name="<b>x</b>")
    html = login(viewer).get(list_url(project_a), headers=DIALOG).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


@pytest.mark.parametrize("n", [6, 10])
def test_the_look_up_costs_no_query_of_its_own(
    login, viewer, project_a, django_assert_num_queries, n
):
    for i in range(n):
        resource(project_a, f"cluster-{i}")
        record(project_a, "css", resource_id=f"cluster-{i}", error_code="CSS.6000")
        record(project_a, "css", resource_id=f"gone-{i}", minutes_ago=60)  # deleted long ago
    client = login(viewer)
    # 1 the session's row, the user with their role, the project, its revision and
    # the tally rows for the pager (two pages either way), 2 the page's rows with
    # their catalog entries and their resources' rows
    with django_assert_num_queries(2):
        response = client.get(list_url(project_a), headers=DIALOG)
    # The newest ten: the n whose resources exist, then some whose resources are gone.
    assert response.content.decode().count("data-resource-link") == n
