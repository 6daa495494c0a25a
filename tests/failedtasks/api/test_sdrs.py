"""The SDRS face over plain HTTP with a Keystone token."""

import re

import pytest

from failedtasks.models import DeletedTask, Deletion, FailedTask, TaskStatus, TaskTally
from tests.conftest import record

pytestmark = pytest.mark.django_db

GROUP = "a1b2c3d4-0000-4000-8000-000000000001"
SEED_FIELDS = {"job_status", "resource_id", "resource_name", "resource_type", "failure_status",
               "job_id", "job_type", "begin_time", "error_code", "fail_reason"}


def jobs_url(project, suffix=""):
    return f"/v1/{project.pk}/task-center/failure-jobs{suffix}"


@pytest.fixture
def sdrs_jobs(project_a):
    group_level = record(project_a, "sdrs", job_type="createServerGroup", failure_status="createFail",
                         resource_type="server_groups", resource_name="pg-web", minutes_ago=5)
    in_group = [
        record(project_a, "sdrs", job_id=f"ff80808268{n}", job_type="createProtectedInstance",
               failure_status="createFail", resource_type="protected_instances",
               resource_name=f"Protected-Instance-{n}", parent_id=GROUP, error_code="EVS.2024",
               fail_reason="SdrsGenerateNativeServerParamsTask-fail:volume is error!",
               minutes_ago=n)
        for n in range(3)
    ]
    return group_level, in_group


def test_it_lists_group_level_jobs_with_the_seeds_fields(client, operator, project_a, sdrs_jobs,
                                                        token_for):
    response = client.get(jobs_url(project_a), headers=token_for(operator, project_a))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    job = body["failure_jobs"][0]
    assert set(job) == SEED_FIELDS
    assert job["job_status"] == "FAIL" and job["resource_type"] == "server_groups"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", job["begin_time"])


def test_a_groups_jobs_newest_first(client, operator, project_a, sdrs_jobs, token_for):
    response = client.get(jobs_url(project_a), {"server_group_id": GROUP},
                          headers=token_for(operator, project_a))
    body = response.json()
    assert body["count"] == 3
    assert [j["job_id"] for j in body["failure_jobs"]] == ["ff808082680", "ff808082681", "ff808082682"]
    assert body["failure_jobs"][0]["error_code"] == "EVS.2024"


@pytest.mark.parametrize("params,expected", [
    ({"limit": "2"}, 2), ({"limit": "0"}, 0), ({"offset": "2"}, 1), ({"offset": "9"}, 0),
    ({"failure_status": "createFail"}, 3), ({"failure_status": "failoverFail"}, 0),
    ({"resource_type": "protected_instances"}, 3), ({"resource_type": "replications"}, 0),
    ({"resource_name": "instance-1"}, 1),
])
def test_filters_and_paging(client, operator, project_a, sdrs_jobs, token_for, params, expected):
    response = client.get(jobs_url(project_a), {"server_group_id": GROUP, **params},
                          headers=token_for(operator, project_a))
    assert response.status_code == 200
    assert len(response.json()["failure_jobs"]) == expected


@pytest.mark.parametrize("params", [
    {"limit": "1001"}, {"limit": "-1"}, {"limit": "ten"}, {"limit": "1.5"}, {"offset": "-1"},
    {"offset": "9" * 30}, {"failure_status": "brokenFail"}, {"resource_type": "servers"},
    {"resource_name": "x" * 300}, {"server_group_id": "g\x00"},
])
def test_bad_input_is_a_400_in_the_sdrs_body(client, operator, project_a, sdrs_jobs, token_for,
                                             params):
    response = client.get(jobs_url(project_a), params, headers=token_for(operator, project_a))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SDRS.0201"
    assert response.json()["error"]["message"]


def test_running_jobs_are_not_listed(client, operator, project_a, token_for):
    record(project_a, "sdrs", job_type="createServerGroup", status=TaskStatus.RUNNING)
    assert client.get(jobs_url(project_a), headers=token_for(operator, project_a)).json()["count"] == 0


def test_delete_one(client, operator, project_a, sdrs_jobs, token_for):
    headers = token_for(operator, project_a)
    response = client.delete(jobs_url(project_a, "/ff808082681"), headers=headers)
    assert response.status_code == 200
    assert not FailedTask.objects.filter(job_id="ff808082681").exists()
    deletion = Deletion.objects.get()
    assert deletion.channel == "token" and deletion.actor == operator
    assert client.delete(jobs_url(project_a, "/ff808082681"), headers=headers).status_code == 404


def test_delete_group_level_batch_leaves_the_groups(client, operator, project_a, sdrs_jobs, token_for):
    response = client.delete(jobs_url(project_a, "/batch"), headers=token_for(operator, project_a))
    assert response.status_code == 200
    assert FailedTask.objects.filter(service="sdrs").count() == 3
    assert TaskTally.objects.for_service(project_a, "sdrs").failed == 3


def test_delete_one_groups_batch(client, operator, project_a, sdrs_jobs, token_for):
    response = client.delete(f"/v1/{project_a.pk}/task-center/{GROUP}/failure-jobs/batch",
                             headers=token_for(operator, project_a))
    assert response.status_code == 200
    assert list(FailedTask.objects.values_list("parent_id", flat=True)) == [""]
    assert DeletedTask.objects.count() == 3
    assert Deletion.objects.get().criteria == {"server_group_id": GROUP}


def test_a_viewer_cannot_delete(client, viewer, project_a, sdrs_jobs, token_for):
    headers = token_for(viewer, project_a)
    for path in ("/batch", "/ff808082681"):
        response = client.delete(jobs_url(project_a, path), headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "SDRS.0005"
    assert FailedTask.objects.count() == 4


def test_other_projects_are_404(client, outsider, operator, project_a, project_b, sdrs_jobs,
                                token_for):
    assert client.get(jobs_url(project_a), headers=token_for(outsider, project_b)).status_code == 404
    response = client.get("/v1/" + "f" * 32 + "/task-center/failure-jobs",
                          headers=token_for(operator, project_a))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "SDRS.0404"


def test_a_token_only_reaches_its_own_project(client, superuser, project_a, project_b, token_for):
    response = client.get(jobs_url(project_b), headers=token_for(superuser, project_a))
    assert response.status_code == 404


def test_no_credentials_is_a_401(client, project_a):
    response = client.get(jobs_url(project_a))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SDRS.0002"
    assert client.get(jobs_url(project_a), headers={"X-Auth-Token": "nope"}).status_code == 401


def test_the_list_costs_the_same_for_any_page(client, operator, project_a, token_for,
                                             django_assert_num_queries):
    for n in range(30):
        record(project_a, "sdrs", resource_name=f"pg-{n}")
    headers = token_for(operator, project_a)
    for limit in ("1", "30"):
        # 1 token with user, project and role, 2 the page of values (one row more than
        # asked), 3 the count, stopping at COUNT_LIMIT
        with django_assert_num_queries(3):
            client.get(jobs_url(project_a), {"limit": limit}, headers=headers)


# --- Counting ----------------------------------------------------------------------

@pytest.fixture
def seven_group_level_jobs(project_a):
    return [record(project_a, "sdrs", job_id=f"job-{n}", resource_type="server_groups",
                   resource_name=f"pg-{n}", minutes_ago=n) for n in range(7)]


def test_the_count_is_exact_below_the_limit(client, operator, project_a, seven_group_level_jobs,
                                            token_for):
    headers = token_for(operator, project_a)
    for params in ({}, {"limit": "2"}, {"limit": "0"}, {"offset": "6"}, {"offset": "50"},
                   {"resource_name": "PG-"}):
        assert client.get(jobs_url(project_a), params, headers=headers).json()["count"] == 7
    assert client.get(jobs_url(project_a), {"resource_name": "pg-3"},
                      headers=headers).json()["count"] == 1


def test_past_the_limit_the_count_still_leads_a_client_to_every_job(
    client, operator, project_a, seven_group_level_jobs, token_for, monkeypatch
):
    from failedtasks import counting

    monkeypatch.setattr(counting, "COUNT_LIMIT", 3)
    headers = token_for(operator, project_a)

    def page(offset, limit):
        return client.get(jobs_url(project_a), {"offset": str(offset), "limit": str(limit)},
                          headers=headers).json()

    # At least the limit, more than offset + limit while another page follows, exact
    # on the last page: a client paging while offset + limit < count sees every job.
    assert [page(0, 2)["count"], page(2, 2)["count"], page(4, 2)["count"]] == [3, 5, 7]
    assert page(6, 2)["count"] == 7
    assert page(50, 2)["count"] == 3  # past the end: at least the limit
    seen, offset = [], 0
    while True:
        body = page(offset, 2)
        seen += [job["job_id"] for job in body["failure_jobs"]]
        offset += 2
        if offset >= body["count"]:
            break
    assert seen == [f"job-{n}" for n in range(7)]


def test_a_deep_offset_returns_the_rows_of_a_plain_offset(client, operator, project_a,
                                                          seven_group_level_jobs, token_for):
    body = client.get(jobs_url(project_a), {"offset": "3", "limit": "3"},
                      headers=token_for(operator, project_a)).json()
    assert [job["job_id"] for job in body["failure_jobs"]] == ["job-3", "job-4", "job-5"]


def test_an_id_longer_than_any_is_a_404_and_deletes_nothing(client, operator, project_a,
                                                           token_for):
    job_id = "f" * 64
    record(project_a, "sdrs", job_id=job_id)
    response = client.delete(jobs_url(project_a, f"/{job_id}0"), headers=token_for(operator, project_a))
    assert response.status_code == 404 and response.json()["error"]["code"] == "SDRS.0404"
    assert FailedTask.objects.filter(job_id=job_id).exists()
    assert not Deletion.objects.exists()
