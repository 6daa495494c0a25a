"""The KPS face over plain HTTP with a Keystone token."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from failedtasks.models import Deletion, FailedTask, TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db

SEED_FIELDS = {"task_id", "operate_type", "task_time", "task_error_code", "task_error_msg",
               "server_name", "server_id", "keypair_name"}


@pytest.fixture
def kps_tasks(project_a):
    failed = record(project_a, "kps", job_id="aee8d2fe-5484-4753-9177-5a38dc15546c",
                    job_type="resetKeypair", resource_name="KeyPair-xt", minutes_ago=2,
                    fail_reason="Update public key error",
                    extra={"operate_type": "FAILED_RESET", "server_name": "Test",
                           "server_id": "c9aa197b-a6b6-4c33-b3a6-fa0b4ec50006",
                           "keypair_name": "KeyPair-xt"})
    running = record(project_a, "kps", job_id="run-1", job_type="unbindKeypair",
                     status=TaskStatus.RUNNING, resource_name="KeyPair-ops", minutes_ago=1)
    return failed, running


def url(project, suffix=""):
    return f"/v3/{project.pk}/failed-tasks{suffix}"


def test_it_lists_with_the_seeds_fields(client, operator, project_a, kps_tasks, token_for):
    response = client.get(url(project_a), headers=token_for(operator, project_a))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    running, failed = body["tasks"]
    assert set(failed) == SEED_FIELDS
    assert failed["task_id"] == "aee8d2fe-5484-4753-9177-5a38dc15546c"
    assert failed["operate_type"] == "FAILED_RESET"
    assert failed["task_error_code"] is None
    assert failed["task_error_msg"] == "Update public key error"
    assert failed["server_name"] == "Test" and failed["keypair_name"] == "KeyPair-xt"
    epoch = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
    assert failed["task_time"] == str((kps_tasks[0].failed_at - epoch) // timedelta(milliseconds=1))
    assert running["operate_type"] == "RUNNING_UNBIND"
    assert running["keypair_name"] == "KeyPair-ops"


def test_task_time_is_epoch_milliseconds(client, operator, project_a, token_for):
    record(project_a, "kps", failed_at=datetime(2018, 4, 10, 6, 35, 30, tzinfo=dt_timezone.utc))
    task = client.get(url(project_a), headers=token_for(operator, project_a)).json()["tasks"][0]
    assert task["task_time"] == "1523342130000"  # the reference's own example


def test_task_time_is_counted_in_whole_numbers(client, operator, project_a, token_for):
    # int(timestamp() * 1000) would be a millisecond short: the float product is 1094164270329.99...
    record(project_a, "kps", failed_at=datetime(2004, 9, 2, 22, 31, 10, 330000, tzinfo=dt_timezone.utc))
    task = client.get(url(project_a), headers=token_for(operator, project_a)).json()["tasks"][0]
    assert task["task_time"] == "1094164270330"


@pytest.mark.parametrize("params,count", [({"limit": "1"}, 1), ({"offset": "1"}, 1),
                                          ({"offset": "5"}, 0)])
def test_paging(client, operator, project_a, kps_tasks, token_for, params, count):
    response = client.get(url(project_a), params, headers=token_for(operator, project_a))
    assert len(response.json()["tasks"]) == count


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"limit": "x"},
                                    {"offset": "-3"}])
def test_bad_paging_is_a_400_in_the_kps_body(client, operator, project_a, token_for, params):
    response = client.get(url(project_a), params, headers=token_for(operator, project_a))
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "KPS.0400" and body["error_msg"]


def test_delete_one_and_all(client, operator, project_a, kps_tasks, token_for):
    headers = token_for(operator, project_a)
    assert client.delete(url(project_a, "/run-1"), headers=headers).status_code == 404  # running
    record(project_a, "kps", job_id="other")
    assert client.delete(url(project_a, "/other"), headers=headers).status_code == 200
    assert client.delete(url(project_a), headers=headers).status_code == 200
    assert list(FailedTask.objects.values_list("job_id", flat=True)) == ["run-1"]
    assert Deletion.objects.count() == 2


def test_roles_and_scope(client, viewer, outsider, project_a, project_b, kps_tasks, token_for):
    response = client.delete(url(project_a), headers=token_for(viewer, project_a))
    assert response.status_code == 403 and response.json()["error_code"] == "KPS.0403"
    assert client.get(url(project_a), headers=token_for(outsider, project_b)).status_code == 404
    assert client.get(url(project_a)).status_code == 401
    assert FailedTask.objects.count() == 2


def test_a_deep_offset_returns_the_rows_of_a_plain_offset(client, operator, project_a, token_for):
    for n in range(6):
        record(project_a, "kps", job_id=f"kps-{n}", job_type="resetKeypair", minutes_ago=n)
    body = client.get(url(project_a), {"offset": "2", "limit": "3"},
                      headers=token_for(operator, project_a)).json()
    assert [task["task_id"] for task in body["tasks"]] == ["kps-2", "kps-3", "kps-4"]
    assert body["total"] == 6


@pytest.mark.parametrize("who", ["operator", "superuser"])
@pytest.mark.parametrize("signed_in_by", ["token", "session"])
def test_the_total_is_the_same_however_the_caller_signs_in(
    client, request, project_a, project_b, token_for, who, signed_in_by
):
    """A token brings its project, so only the role and the total are read (a statement
    written as SQL); a session reads the project with them (the ORM's look-up): the
    same total either way, for a member and for a superuser."""
    for n in range(3):
        record(project_a, "kps", job_id=f"kps-{n}")
    record(project_a, "kps", job_id="running", status=TaskStatus.RUNNING)
    record(project_a, "ecs", job_id="ecs")
    record(project_b, "kps", job_id="elsewhere")
    user = request.getfixturevalue(who)
    headers = {}
    if signed_in_by == "token":
        headers = token_for(user, project_a)
    else:
        client.force_login(user)
    body = client.get(url(project_a), headers=headers).json()
    assert body["total"] == 4 and len(body["tasks"]) == 4


def test_the_list_costs_three_queries(client, operator, project_a, project_b, token_for,
                                      django_assert_num_queries):
    for n in range(3):
        record(project_a, "kps", job_id=f"kps-{n}")
    record(project_a, "kps", job_id="running", status=TaskStatus.RUNNING)
    record(project_a, "ecs", job_id="ecs")
    record(project_b, "kps", job_id="elsewhere")
    headers = token_for(operator, project_a)
    # 1 the token with its user and project, 2 the project with the caller's role and
    # the total (tallied), 3 the page of values
    with django_assert_num_queries(3):
        body = client.get(url(project_a), headers=headers).json()
    assert body["total"] == 4 and len(body["tasks"]) == 4
    # Past the last page the total is still read.
    assert client.get(url(project_a), {"offset": "9"}, headers=headers).json() == {
        "total": 4, "tasks": []}


def test_an_id_longer_than_any_is_a_404_and_deletes_nothing(client, operator, project_a,
                                                           token_for, django_assert_num_queries):
    job_id = "k" * 64
    record(project_a, "kps", job_id=job_id)
    headers = token_for(operator, project_a)
    # The token (with its user, project and the caller's role): the id itself needs
    # no query to be refused.
    with django_assert_num_queries(1):
        response = client.delete(url(project_a, f"/{job_id}x"), headers=headers)
    assert response.status_code == 404 and response.json()["error_code"] == "KPS.0404"
    assert FailedTask.objects.filter(job_id=job_id).exists()
    assert not Deletion.objects.exists()
