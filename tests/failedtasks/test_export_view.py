"""Export CSV: the list a person is looking at (tab, search, period, every page) as a
UTF-8 spreadsheet file, streamed, with formula-like cells defused."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from failedtasks.models import ErrorCode, TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db

HEADER = ["Name", "ID", "Task", "Task Status", "Failure Time", "Error Code", "Failure cause",
          "Solution", "Details", "Job ID"]


def url(project, service="css"):
    return reverse("failed-tasks-export", args=[project.pk, service])


def download(client, project, service="css", **params):
    response = client.get(url(project, service), params)
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content).decode("utf-8")


def rows_of(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")  # Excel then reads UTF-8, Chinese included
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_works(login, viewer, project_a):
    """Viewers may export: it reads only."""
    ErrorCode.objects.update_or_create(code="CSS.6002", defaults={
        "service": "css", "cause_en": "The disk is full.", "cause_zh": "磁盘已满。",
        "solution_en": "Expand the disk.", "solution_zh": "扩容磁盘。"})
    task = record(project_a, "css", resource_name="logs-01", resource_id="r-1",
                  job_type="restartCluster", failure_status="", error_code="CSS.6002",
                  fail_reason="disk full at node 3")
    response, body = download(login(viewer), project_a)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localtime().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == (
        f'attachment; filename="failed-tasks-css-{today}.csv"')
    header, row = rows_of(body)
    assert header == HEADER
    assert row == ["logs-01", "r-1", "Restart cluster", "Failed",
                   task.failed_at.astimezone(timezone.get_current_timezone())
                   .isoformat(timespec="seconds"),
                   "CSS.6002", "The disk is full.", "Expand the disk.", "disk full at node 3",
                   task.job_id]


def test_an_unknown_code_gives_the_reported_cause(login, viewer, project_a):
    task = record(project_a, "css", resource_name="", resource_id="", error_code="X.1",
                  fail_reason="it broke", job_type="madeUp", failure_status="")
    _response, body = download(login(viewer), project_a)
    (_header, row) = rows_of(body)
    # No resource: the job's id names it, as in the dialog.
    assert row[:4] == [task.job_id, task.job_id, "madeUp", "Failed"]
    assert row[5:9] == ["X.1", "it broke", "", ""]


def test_every_page_of_the_list_in_its_order(login, viewer, project_a):
    for n in range(25):
        record(project_a, "css", resource_name=f"task-{n:02d}", minutes_ago=25 - n)
    _response, body = download(login(viewer), project_a, page="2")
    names = [row[0] for row in rows_of(body)[1:]]
    assert names == [f"task-{n:02d}" for n in reversed(range(25))]


def test_it_exports_the_tab_search_and_period(login, viewer, project_a):
    record(project_a, "ecs", resource_name="web-op-new", minutes_ago=60)
    record(project_a, "ecs", resource_name="web-op-old", minutes_ago=3 * 24 * 60)
    record(project_a, "ecs", resource_name="db-op-new", minutes_ago=60)
    record(project_a, "ecs", resource_name="web-create", job_type="createServer",
           failure_status="createFail", minutes_ago=60)
    record(project_a, "ecs", resource_name="web-creating", job_type="createServer",
           status=TaskStatus.RUNNING, failure_status="", minutes_ago=60)
    client = login(viewer)

    def names(**params):
        return [row[0] for row in rows_of(download(client, project_a, "ecs", **params)[1])[1:]]

    assert sorted(names(tab="operation")) == ["db-op-new", "web-op-new", "web-op-old"]
    assert sorted(names(tab="operation", q="web")) == ["web-op-new", "web-op-old"]
    assert names(tab="operation", q="web", period="24h") == ["web-op-new"]
    assert sorted(names(tab="creation")) == ["web-create", "web-creating"]  # as the list shows


def test_formula_like_cells_are_defused(login, viewer, project_a):
    record(project_a, "css", resource_name="=HYPERLINK(\"http://evil\")", resource_id="+1",
           fail_reason="@SUM(A1)", error_code="", job_type="-2")
    rows = rows_of(download(login(viewer), project_a)[1])
    assert rows[1][:3] == ["'=HYPERLINK(\"http://evil\")", "'+1", "'-2"]
    assert rows[1][6] == "'@SUM(A1)"


def test_chinese_text_and_headers(login, viewer, project_a):
    record(project_a, "css", resource_name="日志集群-01", fail_reason="磁盘已满",
           job_type="restartCluster", failure_status="")
    client = login(viewer)
    response = client.get(url(project_a), headers={"Accept-Language": "zh-hans"})
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # EF BB BF
    header, row = rows_of(body.decode("utf-8"))
    assert header[:4] == ["名称", "ID", "任务", "任务状态"]
    assert row[0] == "日志集群-01"
    assert row[2] == "重启集群"
    assert row[6] == "磁盘已满"


def test_it_checks_scope(login, outsider, project_a):
    record(project_a, "css")
    assert login(outsider).get(url(project_a)).status_code == 404


def test_it_needs_a_session(client, project_a):
    response = client.get(url(project_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_it_rejects_post(login, viewer, project_a, django_assert_num_queries):
    client = login(viewer)
    with django_assert_num_queries(0):
        response = client.post(url(project_a))
    assert response.status_code == 405


def test_the_dialog_links_to_it(login, viewer, project_a):
    html = login(viewer).get(reverse("failed-tasks", args=[project_a.pk, "css"]),
                             {"q": "web", "period": "7d", "page": "3"}).content.decode()
    assert f'<a class="button" href="{url(project_a)}?q=web&amp;period=7d" download>' \
           "Export CSV</a>" in html


@pytest.mark.parametrize("n", [3, 40])
def test_it_costs_the_same_at_any_size(login, viewer, project_a, django_assert_num_queries,
                                       monkeypatch, n):
    from failedtasks import export

    monkeypatch.setattr(export, "CHUNK_SIZE", 10)  # several chunks of rows and of lines
    for i in range(n):
        record(project_a, "css", error_code=f"CSS.60{i % 3:02d}", minutes_ago=i)
    client = login(viewer)
    # 1 session, 2 user, 3 project with role, 4 the catalog, 5 the rows, fetched a
    # chunk at a time from one statement
    with django_assert_num_queries(5):
        _response, body = download(client, project_a, period="30d")
    assert len(rows_of(body)) == n + 1
