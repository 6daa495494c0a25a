"""The cloud's own SDK clients, unchanged, against a live console with an access key.

huaweicloudsdksdrs and huaweicloudsdkkps sign every call with AK/SK
(SDK-HMAC-SHA256) and, without a project id, look it up through
GET /v3/projects?name=<region>: exactly what a user of the cloud would run.
"""


import pytest

from console.identity.credentials import create_access_key
from failedtasks.models import Deletion, FailedTask, TaskStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db(transaction=True)

GROUP = "5fd2c6b4-0c58-4a6f-9a8e-000000000001"


@pytest.fixture(scope="module", autouse=True)
def sdk_home(tmp_path_factory):
    # Importing the SDK writes an application id under $HOME: keep it in a temporary one.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("sdk-home")))
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield


def credentials(user, project=None, iam=None, secret=None):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials

    key, real_secret = create_access_key(user)
    creds = BasicCredentials(key.access_key, secret or real_secret, project.pk if project else None)
    if iam:
        creds = creds.with_iam_endpoint(iam)
    return creds


def kps_client(live_server, creds):
    from huaweicloudsdkkps.v3 import KpsClient

    return KpsClient.new_builder().with_credentials(creds).with_endpoints([live_server.url]).build()


def sdrs_client(live_server, creds, region=None):
    from huaweicloudsdksdrs.v1 import SdrsClient

    builder = SdrsClient.new_builder().with_credentials(creds)
    if region:
        from huaweicloudsdkcore.region.region import Region

        return builder.with_region(Region(region, live_server.url)).build()
    return builder.with_endpoints([live_server.url]).build()


@pytest.fixture
def kps_data(project_a):
    record(project_a, "kps", job_id="aee8d2fe-5484-4753-9177-5a38dc15546c", job_type="resetKeypair",
           resource_name="KeyPair-xt", fail_reason="Update public key error", minutes_ago=3,
           extra={"operate_type": "FAILED_RESET", "server_name": "Test",
                  "server_id": "c9aa197b-a6b6-4c33-b3a6-fa0b4ec50006", "keypair_name": "KeyPair-xt"})
    record(project_a, "kps", job_id="kps-2", job_type="unbindKeypair", resource_name="KeyPair-ops",
           error_code="KPS.0003", minutes_ago=2)
    record(project_a, "kps", job_id="kps-running", job_type="resetKeypair",
           status=TaskStatus.RUNNING, minutes_ago=1)


def test_kps_client_lists_pages_and_deletes(live_server, operator, project_a, kps_data):
    from huaweicloudsdkkps.v3 import (
        DeleteAllFailedTaskRequest,
        DeleteFailedTaskRequest,
        ListFailedTaskRequest,
    )

    client = kps_client(live_server, credentials(operator, project_a))
    listed = client.list_failed_task(ListFailedTaskRequest())
    assert listed.total == 3
    assert [t.task_id for t in listed.tasks] == [
        "kps-running", "kps-2", "aee8d2fe-5484-4753-9177-5a38dc15546c"]
    reset = listed.tasks[2]
    assert (reset.operate_type, reset.task_error_msg, reset.server_name, reset.keypair_name) == (
        "FAILED_RESET", "Update public key error", "Test", "KeyPair-xt")
    assert reset.task_error_code is None and reset.task_time.isdigit()

    page = client.list_failed_task(ListFailedTaskRequest(limit=1, offset=1))
    assert [t.task_id for t in page.tasks] == ["kps-2"]

    client.delete_failed_task(DeleteFailedTaskRequest(task_id="kps-2"))
    client.delete_all_failed_task(DeleteAllFailedTaskRequest())
    assert list(FailedTask.objects.values_list("job_id", flat=True)) == ["kps-running"]
    assert set(Deletion.objects.values_list("channel", flat=True)) == {"access_key"}


@pytest.fixture
def sdrs_data(project_a):
    record(project_a, "sdrs", job_type="createServerGroup", failure_status="createFail",
           resource_type="server_groups", resource_name="protection-group-reports", minutes_ago=9)
    for n, name in enumerate(("Protected-Instance-ab14", "Protected-Instance-5e2e")):
        record(project_a, "sdrs", job_id=f"ff808082686f229a0168707b{n}", parent_id=GROUP,
               job_type="createProtectedInstance", failure_status="createFail",
               resource_type="protected_instances", resource_name=name, error_code="EVS.2024",
               fail_reason="SdrsGenerateNativeServerParamsTask-fail:volume is error!", minutes_ago=n)


def test_sdrs_client_lists_filters_and_deletes(live_server, operator, project_a, sdrs_data):
    from huaweicloudsdksdrs.v1 import (
        DeleteAllServerGroupFailureJobsRequest,
        DeleteFailureJobRequest,
        DeleteServerGroupFailureJobsRequest,
        ListFailureJobsRequest,
    )

    client = sdrs_client(live_server, credentials(operator, project_a))
    group_level = client.list_failure_jobs(ListFailureJobsRequest())
    assert group_level.count == 1
    assert group_level.failure_jobs[0].resource_type == "server_groups"

    in_group = client.list_failure_jobs(ListFailureJobsRequest(server_group_id=GROUP))
    assert in_group.count == 2
    job = in_group.failure_jobs[0]
    assert (job.job_status, job.error_code, job.job_type) == ("FAIL", "EVS.2024",
                                                               "createProtectedInstance")
    assert job.begin_time.endswith("Z") and len(job.begin_time) == 24
    filtered = client.list_failure_jobs(ListFailureJobsRequest(
        server_group_id=GROUP, failure_status="createFail", resource_type="protected_instances",
        resource_name="5e2e", limit=10, offset=0))
    assert [j.resource_name for j in filtered.failure_jobs] == ["Protected-Instance-5e2e"]

    client.delete_failure_job(DeleteFailureJobRequest(failure_job_id="ff808082686f229a0168707b0"))
    client.delete_server_group_failure_jobs(DeleteServerGroupFailureJobsRequest(server_group_id=GROUP))
    assert FailedTask.objects.filter(parent_id=GROUP).count() == 0
    client.delete_all_server_group_failure_jobs(DeleteAllServerGroupFailureJobsRequest())
    assert not FailedTask.objects.exists()


def test_the_sdk_finds_the_project_by_region_name(live_server, operator, project_a, sdrs_data):
    from huaweicloudsdksdrs.v1 import ListFailureJobsRequest

    # No project id: the SDK asks GET /v3/projects?name=cn-north-4, signed.
    creds = credentials(operator, iam=live_server.url)
    client = sdrs_client(live_server, creds, region=project_a.name)
    assert client.list_failure_jobs(ListFailureJobsRequest()).count == 1
    assert creds.project_id == project_a.pk


def refusal(call, request):
    """What the SDK raises when the console refuses `request`."""
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    with pytest.raises(ClientRequestException) as raised:
        call(request)
    return raised.value


def test_a_wrong_secret_is_a_401(live_server, operator, project_a, kps_data):
    from huaweicloudsdkkps.v3 import ListFailedTaskRequest

    client = kps_client(live_server, credentials(operator, project_a, secret="0" * 40))
    error = refusal(client.list_failed_task, ListFailedTaskRequest())
    assert (error.status_code, error.error_code) == (401, "KPS.0401")


def test_a_viewers_key_cannot_delete(live_server, viewer, project_a, kps_data):
    from huaweicloudsdkkps.v3 import DeleteAllFailedTaskRequest, ListFailedTaskRequest

    client = kps_client(live_server, credentials(viewer, project_a))
    assert client.list_failed_task(ListFailedTaskRequest()).total == 3
    assert refusal(client.delete_all_failed_task, DeleteAllFailedTaskRequest()).status_code == 403
    assert FailedTask.objects.count() == 3


def test_another_projects_id_is_a_404(live_server, outsider, project_a, sdrs_data):
    from huaweicloudsdksdrs.v1 import ListFailureJobsRequest

    client = sdrs_client(live_server, credentials(outsider, project_a))
    error = refusal(client.list_failure_jobs, ListFailureJobsRequest())
    assert (error.status_code, error.error_code) == (404, "SDRS.0404")


def test_a_deleted_access_key_is_a_401(live_server, operator, project_a, kps_data):
    from huaweicloudsdkkps.v3 import ListFailedTaskRequest

    from console.identity.models import AccessKey

    client = kps_client(live_server, credentials(operator, project_a))
    AccessKey.objects.all().delete()
    assert refusal(client.list_failed_task, ListFailedTaskRequest()).status_code == 401


