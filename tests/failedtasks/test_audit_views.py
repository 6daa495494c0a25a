"""The audit trail page, its detail and its CSV export: admins only, read-only."""

import csv
import io

import pytest
from django.urls import reverse

from console.identity.models import Channel
from console.tenancy.models import Role
from failedtasks.actors import Actor
from failedtasks.models import Deletion, FailedTask
from failedtasks.services import delete_all_seen, delete_task
from tests.conftest import current_revision, make_user, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(project_a, project_b, operator, outsider):
    record(project_a, "ecs", resource_name="<b>web-1</b>", error_code="=HYPERLINK(1)")
    record(project_a, "css", resource_name="css-logs")
    delete_task(FailedTask.objects.filter(project=project_a), FailedTask.objects.get(
        resource_name="css-logs").pk, Actor(operator, remote_addr="10.1.2.3"))
    scope = FailedTask.objects.filter(project=project_a)
    delete_all_seen(project_a, scope, current_revision(project_a), Actor(operator, Channel.TOKEN),
                    service="ecs")
    record(project_b, "kps", resource_name="b-secret")
    scope_b = FailedTask.objects.filter(project=project_b)
    delete_all_seen(project_b, scope_b, current_revision(project_b), Actor(outsider))


def test_a_project_admin_sees_their_projects_deletions(login, project_admin, trail):
    html = login(project_admin).get(reverse("audit")).content.decode()
    assert "olivia" in html and "10.1.2.3" in html and "API token" in html
    assert "oscar" not in html  # project B's deletion


def test_a_superuser_sees_every_project(login, superuser, trail):
    html = login(superuser).get(reverse("audit")).content.decode()
    assert "olivia" in html and "oscar" in html


@pytest.mark.parametrize("persona", ["operator", "viewer"])
def test_operators_and_viewers_get_403(login, request, trail, persona):
    response = login(request.getfixturevalue(persona)).get(reverse("audit"))
    assert response.status_code == 403
    assert b"for project admins" in response.content


@pytest.mark.parametrize("params,shown", [
    ({"user": "OLIVIA"}, 2), ({"user": "nobody"}, 0), ({"service": "css"}, 1),
    ({"channel": "token"}, 1), ({"since": "2000-01-01"}, 2), ({"until": "2000-01-01"}, 0),
])
def test_filters(login, superuser, project_a, trail, params, shown):
    response = login(superuser).get(reverse("audit"), {"project": project_a.pk, **params})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == shown


@pytest.mark.parametrize("params", [
    {"since": "yesterday"}, {"until": "2026-13-01"}, {"service": "rds"}, {"channel": "fax"},
    {"project": "x"}, {"since": "2026-02-01", "until": "2026-01-01"},
])
def test_bad_filters_say_why_with_a_400(login, superuser, trail, params):
    response = login(superuser).get(reverse("audit"), params)
    assert response.status_code == 400
    assert b"must" in response.content and b"Traceback" not in response.content


def test_the_detail_shows_the_snapshot_escaped(login, project_admin, trail):
    deletion = Deletion.objects.get(service="ecs")
    html = login(project_admin).get(reverse("audit-detail", args=[deletion.pk])).content.decode()
    assert "&lt;b&gt;web-1&lt;/b&gt;" in html and "<b>web-1</b>" not in html


def test_another_projects_deletion_is_a_404(login, project_admin, project_b, trail):
    deletion = Deletion.objects.get(project=project_b)
    assert login(project_admin).get(reverse("audit-detail", args=[deletion.pk])).status_code == 404


def test_csv_export_streams_one_line_per_deleted_task(login, superuser, trail):
    response = login(superuser).get(reverse("audit-export"), {"user": "olivia"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["resource_name"] for row in rows} == {"<b>web-1</b>", "css-logs"}
    assert {row["remote_addr"] for row in rows} >= {"10.1.2.3"}
    # A cell a spreadsheet would run as a formula is defused.
    assert [row["error_code"] for row in rows if row["resource_name"] == "<b>web-1</b>"] == [
        "'=HYPERLINK(1)"]


def test_the_trail_cannot_be_changed_from_the_ui(login, superuser, trail):
    client = login(superuser)
    assert client.post(reverse("audit")).status_code == 405
    deletion = Deletion.objects.first()
    assert client.post(reverse("audit-detail", args=[deletion.pk])).status_code == 405
    assert client.delete(reverse("audit-detail", args=[deletion.pk])).status_code == 405


def test_the_page_costs_the_same_at_any_size(login, superuser, project_a, operator,
                                             django_assert_num_queries):
    client = login(superuser)
    for n in range(12):
        task = record(project_a, "ecs")
        delete_task(FailedTask.objects.all(), task.pk, Actor(operator))
        if n in (2, 11):
            # 1 session, 2 user, 3 the reviewed projects (also the filter's options),
            # 4 count, 5 the page with projects, 6 the header's projects
            with django_assert_num_queries(6):
                assert client.get(reverse("audit")).status_code == 200


def test_an_admin_of_one_project_with_a_role_elsewhere_sees_only_theirs(project_a, project_b,
                                                                       login, trail):
    from console.tenancy.models import Membership

    mixed = make_user("mia", project_a, Role.ADMIN)
    Membership.objects.create(user=mixed, project=project_b, role=Role.OPERATOR)
    html = login(mixed).get(reverse("audit")).content.decode()
    assert "oscar" not in html and "olivia" in html


def test_the_trail_pages_and_keeps_its_filters(login, superuser, project_a, operator):
    for _ in range(55):
        task = record(project_a, "ecs")
        delete_task(FailedTask.objects.all(), task.pk, Actor(operator))
    client = login(superuser)
    html = client.get(reverse("audit"), {"user": "olivia"}).content.decode()
    assert "Page 1 of 2" in html and 'href="?user=olivia&amp;page=2"' in html
    page_two = client.get(reverse("audit"), {"user": "olivia", "page": "2"})
    assert len(page_two.context["page"].object_list) == 5


@pytest.mark.parametrize("view", ["audit", "audit-export"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])
@pytest.mark.parametrize("params", [
    {"until": "9999-12-31"}, {"since": "9999-12-31"}, {"since": "0001-01-01"},
    {"until": "0001-01-01"}, {"since": "1969-12-31", "until": "9999-12-30"},
])
def test_dates_out_of_range_are_a_400_in_any_time_zone(login, superuser, trail, view, zone,
                                                        params):
    client = login(superuser)
    client.cookies["tz"] = zone
    response = client.get(reverse(view), params)
    assert response.status_code == 400
    assert b"must be a date from 1970-01-01 to 9998-12-31" in response.content


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_the_widest_range_allowed_works_in_any_time_zone(login, superuser, trail, zone):
    client = login(superuser)
    client.cookies["tz"] = zone
    params = {"since": "1970-01-01", "until": "9998-12-31"}
    assert client.get(reverse("audit"), params).status_code == 200
    response = client.get(reverse("audit-export"), params)
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).splitlines()) == 4  # header and 3 tasks


def test_a_user_name_longer_than_any_is_a_400_not_a_prefix_match(login, superuser, trail):
    long_name = "o" * 150
    make_user(long_name)
    response = login(superuser).get(reverse("audit"), {"user": long_name + "x"})
    assert response.status_code == 400
    assert b"user must be at most 150 characters" in response.content


def test_the_csv_export_defuses_every_cell_and_quotes_them_all(login, superuser, project_a,
                                                                 operator):
    names = [" =1+1", "\t=cmd|' /C calc'!A0", "\r@SUM(A1)", "－2+3", "a,b", 'say "hi"']
    for name in names:
        record(project_a, "css", resource_name=name, fail_reason="line 1\n=line 2")
    scope = FailedTask.objects.filter(project=project_a)
    delete_all_seen(project_a, scope, current_revision(project_a), Actor(operator), service="css")
    response = login(superuser).get(reverse("audit-export"))
    text = b"".join(response.streaming_content).decode()
    assert all(line.startswith('"') and line.endswith('"') for line in text.split("\r\n") if line)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["resource_name"] for row in rows) == sorted(
        "'" + name if name not in ("a,b", 'say "hi"') else name for name in names)
    assert {row["fail_reason"] for row in rows} == {"line 1\n=line 2"}
