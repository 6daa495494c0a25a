"""The Storage Disaster Recovery Service face: /v1/{project_id}/task-center/...

Fields, filters, limits and the begin_time format follow the SDRS API reference
("Querying Failed Tasks"); errors are {"error": {"code": "SDRS.xxxx", "message": ...}}.
"""

from datetime import timezone as dt_timezone

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from console.api_faces import FaceView
from console.cloud_services import Service
from console.models import Role
from failedtasks.api.common import (
    api_actor,
    api_project,
    delete_by_job_id,
    integer_param,
    text_param,
)
from failedtasks.counting import COUNT_LIMIT, bounded_count, count_beside_page
from failedtasks.models import FailedTask, FailureStatus, SdrsResourceType
from failedtasks.services import delete_all_now

ERROR_CODES = {400: "SDRS.0201", 401: "SDRS.0002", 403: "SDRS.0005", 404: "SDRS.0404"}
FIELDS = ("status", "resource_id", "resource_name", "resource_type", "failure_status",
          "job_id", "job_type", "begin_time", "failed_at", "error_code", "fail_reason")


def sdrs_time(value) -> str:
    """yyyy-MM-ddTHH:mm:ss.SSSZ, as in the reference's example (2019-01-21T12:56:35.754Z)."""
    value = value.astimezone(dt_timezone.utc)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


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


class SdrsView(FaceView):
    def error_body(self, status, message):
        return {"error": {"code": ERROR_CODES.get(status, f"SDRS.0{status}"), "message": message}}


class FailureJobs(SdrsView):
    """GET the protection-group-level failed jobs, or one group's with server_group_id."""

    @extend_schema(
        operation_id="sdrs_list_failure_jobs", tags=["SDRS"],
        parameters=[
            OpenApiParameter("failure_status", str, enum=FailureStatus.values),
            OpenApiParameter("resource_name", str, description="Part of the name, any case."),
            OpenApiParameter("server_group_id", str),
            OpenApiParameter("resource_type", str, enum=SdrsResourceType.values),
            OpenApiParameter("limit", int, description="0 to 1000, default 1000."),
            OpenApiParameter("offset", int, description="0 or more, default 0."),
        ],
        responses={200: inline_serializer("SdrsFailureJobs", {
            "count": serializers.IntegerField(help_text=COUNT_HELP),
            "failure_jobs": FailureJobSchema.__class__(many=True)})},
    )
    def get(self, request, project_id):
        project = api_project(request, project_id)
        params = request.query_params
        limit = integer_param(params, "limit", 1000, 0, 1000)
        offset = integer_param(params, "offset", 0, 0, 2**31 - 1)
        failure_status = text_param(params, "failure_status", 32)
        resource_type = text_param(params, "resource_type", 64)
        if failure_status is not None and failure_status not in FailureStatus.values:
            raise exceptions.ValidationError(
                f"failure_status must be one of {', '.join(FailureStatus.values)}.")
        if resource_type is not None and resource_type not in SdrsResourceType.values:
            raise exceptions.ValidationError(
                f"resource_type must be one of {', '.join(SdrsResourceType.values)}.")
        jobs = _failed_jobs(project).in_group(text_param(params, "server_group_id", 64) or "")
        if failure_status:
            jobs = jobs.filter(failure_status=failure_status)
        if resource_type:
            jobs = jobs.filter(resource_type=resource_type)
        resource_name = text_param(params, "resource_name")
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
                   responses=NO_BODY)
    def delete(self, request, project_id, server_group_id):
        if len(server_group_id) > 64:
            raise exceptions.ValidationError("server_group_id is too long.")
        return self.delete_group(request, project_id, server_group_id)
