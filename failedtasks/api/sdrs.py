"""The Storage Disaster Recovery Service face: /v1/{project_id}/task-center/...

Fields, filters, limits and the begin_time format follow the SDRS API reference
("Querying Failed Tasks"); errors are {"error": {"code": "SDRS.xxxx", "message": ...}}.
"""


from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from console.lib.api_faces import FaceView
from console.lib.query_params import ChoiceParam, IntegerParam, TextParam
from console.lib.time_formats import utc_millis
from console.tenancy.cloud_services import Service
from console.tenancy.models import Role
from failedtasks.api.common import api_actor, api_project, delete_by_job_id
from failedtasks.counting import COUNT_LIMIT, bounded_count, count_beside_page
from failedtasks.models import FailedTask, FailureStatus, SdrsResourceType
from failedtasks.services import delete_all_now

ERROR_CODES = {400: "SDRS.0201", 401: "SDRS.0002", 403: "SDRS.0005", 404: "SDRS.0404"}
FIELDS = ("status", "resource_id", "resource_name", "resource_type", "failure_status",
          "job_id", "job_type", "begin_time", "failed_at", "error_code", "fail_reason")


def sdrs_time(value) -> str:
    """yyyy-MM-ddTHH:mm:ss.SSSZ, as in the reference's example (2019-01-21T12:56:35.754Z)."""
    return utc_millis(value)


def failure_job(row: dict) -> dict:
    return {
        "job_status": row["status"],
        "resource_id": row["resource_id"],
        "resource_name": row["resource_name"],
        "resource_type": row["resource_type"],
        "failure_status": row["failure_status"],
        "job_id": row["job_id"],
        "job_type": row["job_type"],
        "begin_time": sdrs_time(row["begin_time"] or row["failed_at"]),
        "error_code": row["error_code"],
        "fail_reason": row["fail_reason"],
    }


GROUP_ID_LENGTH = 64
FAILURE_STATUS = ChoiceParam("failure_status", tuple(FailureStatus.values))
RESOURCE_NAME = TextParam("resource_name", 255, "Part of the resource name, any case.")
SERVER_GROUP_ID = TextParam("server_group_id", GROUP_ID_LENGTH,
                            "A protection group's id: that group's jobs instead of group-level ones.")
RESOURCE_TYPE = ChoiceParam("resource_type", tuple(SdrsResourceType.values))
LIMIT = IntegerParam("limit", default=1000, low=0, high=1000)
OFFSET = IntegerParam("offset", default=0, low=0, high=2**31 - 1)


def _failed_jobs(project):
    return FailedTask.objects.for_project(project).for_service(Service.SDRS).failed()


FailureJobSchema = inline_serializer("SdrsFailureJob", {
    name: serializers.CharField() for name in (
        "job_status", "resource_id", "resource_name", "resource_type", "failure_status",
        "job_id", "job_type", "begin_time", "error_code", "fail_reason")
})
NO_BODY = {200: None}
COUNT_HELP = (
    f"How many jobs match. Exact up to {COUNT_LIMIT:,}; past that, counting stops and count "
    "is a lower bound: at least that many, and more than offset + limit while another page "
    "follows, so paging on while offset + limit < count reaches every job. On the last page "
    "it is exact again."
)


class _SdrsErrorDetail(serializers.Serializer):
    code = serializers.SerializerMethodField()
    message = serializers.CharField()

    def get_code(self, error) -> str:
        return ERROR_CODES.get(error.status, f"SDRS.0{error.status}")


class SdrsError(serializers.Serializer):
    error = _SdrsErrorDetail(source="*")


class SdrsView(FaceView):
    error_serializer = SdrsError


class FailureJobs(SdrsView):
    """GET the protection-group-level failed jobs, or one group's with server_group_id."""

    @extend_schema(
        operation_id="sdrs_list_failure_jobs", tags=["SDRS"],
        parameters=[p.openapi for p in (FAILURE_STATUS, RESOURCE_NAME, SERVER_GROUP_ID,
                                        RESOURCE_TYPE, LIMIT, OFFSET)],
        responses={200: inline_serializer("SdrsFailureJobs", {
            "count": serializers.IntegerField(help_text=COUNT_HELP),
            "failure_jobs": FailureJobSchema.__class__(many=True)})},
    )
    def get(self, request, project_id):
        project = api_project(request, project_id)
        params = request.query_params
        limit, offset = LIMIT.read(params), OFFSET.read(params)
        failure_status, resource_type = FAILURE_STATUS.read(params), RESOURCE_TYPE.read(params)
        jobs = _failed_jobs(project).in_group(SERVER_GROUP_ID.read(params) or "")
        if failure_status:
            jobs = jobs.filter(failure_status=failure_status)
        if resource_type:
            jobs = jobs.filter(resource_type=resource_type)
        resource_name = RESOURCE_NAME.read(params)
        if resource_name:
            jobs = jobs.named_like(resource_name)
        # One row past the page tells whether more follow it.
        rows = list(jobs.newest_first().page(offset, offset + limit + 1).values(*FIELDS))
        # The tallies do not know protection groups, so the jobs are counted, but
        # only so far: never every row of a million (COUNT_HELP).
        count = count_beside_page(bounded_count(jobs), offset, limit, len(rows))
        return Response({"count": count, "failure_jobs": [failure_job(r) for r in rows[:limit]]})


class FailureJob(SdrsView):
    """DELETE one failed job by its job id."""

    @extend_schema(operation_id="sdrs_delete_failure_job", tags=["SDRS"], responses=NO_BODY)
    def delete(self, request, project_id, failure_job_id):
        project = api_project(request, project_id, need=Role.OPERATOR)
        delete_by_job_id(_failed_jobs(project), failure_job_id, api_actor(request))
        return HttpResponse(status=200)


class _BatchDelete(SdrsView):
    def delete_group(self, request, project_id, group_id: str):
        project = api_project(request, project_id, need=Role.OPERATOR)
        delete_all_now(project, _failed_jobs(project).in_group(group_id), api_actor(request),
                       service=Service.SDRS,
                       criteria={"server_group_id": group_id} if group_id else {})
        return HttpResponse(status=200)


class GroupLevelFailureJobsBatch(_BatchDelete):
    """DELETE every protection-group-level failed job."""

    @extend_schema(operation_id="sdrs_delete_all_server_group_failure_jobs", tags=["SDRS"],
                   responses=NO_BODY)
    def delete(self, request, project_id):
        return self.delete_group(request, project_id, "")


class ServerGroupFailureJobsBatch(_BatchDelete):
    """DELETE every failed job of one protection group."""

    @extend_schema(operation_id="sdrs_delete_server_group_failure_jobs", tags=["SDRS"],
                   responses=NO_BODY, parameters=[OpenApiParameter(
                       "server_group_id", {"type": "string", "pattern": "^[^/]+$",
                                           "maxLength": GROUP_ID_LENGTH}, OpenApiParameter.PATH)])
    def delete(self, request, project_id, server_group_id):
        if len(server_group_id) > GROUP_ID_LENGTH:
            raise exceptions.ValidationError("server_group_id is too long.")
        return self.delete_group(request, project_id, server_group_id)
