"""The Storage Disaster Recovery Service face: /v1/{project_id}/task-center/...

Fields, filters, limits and the begin_time format follow the SDRS API reference
("Querying Failed Tasks"); errors are {"error": {"code": "SDRS.xxxx", "message": ...}}.
"""


from django.db.models.functions import Coalesce
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from console.lib.api_faces import FaceView
from console.lib.api_fields import ItemShape
from console.lib.query_params import ChoiceField, QueryParameters, TextField, WholeNumberField
from console.lib.time_formats import UtcMillisText
from console.tenancy.cloud_services import Service
from console.tenancy.models import Role
from failedtasks.api.common import api_actor, api_project, delete_by_job_id
from failedtasks.counting import COUNT_LIMIT, bounded_count, count_beside_page
from failedtasks.models import FailedTask, FailureStatus, SdrsResourceType
from failedtasks.services import delete_all_now

ERROR_CODES = {400: "SDRS.0201", 401: "SDRS.0002", 403: "SDRS.0005", 404: "SDRS.0404"}
# The stored fields a job's answer shows (FAILURE_JOB reads them, its begin time as the
# database writes it; the benchmark's yardstick reads them as they are).
FIELDS = ("status", "resource_id", "resource_name", "resource_type", "failure_status",
          "job_id", "job_type", "begin_time", "failed_at", "error_code", "fail_reason")


# A failed job as the reference names its fields: output name -> (schema, source).
FAILURE_JOB = ItemShape("SdrsFailureJob", {
    "job_status": (serializers.CharField(), "status"),
    "resource_id": (serializers.CharField(), "resource_id"),
    "resource_name": (serializers.CharField(), "resource_name"),
    "resource_type": (serializers.CharField(), "resource_type"),
    "failure_status": (serializers.CharField(), "failure_status"),
    "job_id": (serializers.CharField(), "job_id"),
    "job_type": (serializers.CharField(), "job_type"),
    # yyyy-MM-ddTHH:mm:ss.SSSZ, as in the reference's example (2019-01-21T12:56:35.754Z);
    # the failure time for a job reported without a begin time.
    "begin_time": (serializers.CharField(), UtcMillisText(Coalesce("begin_time", "failed_at"))),
    "error_code": (serializers.CharField(), "error_code"),
    "fail_reason": (serializers.CharField(), "fail_reason"),
})
GROUP_ID_LENGTH = 64


class FailureJobsQuery(QueryParameters):
    """The list's query, in the order its parameters are checked."""

    limit = WholeNumberField(low=0, high=1000, default=1000)
    offset = WholeNumberField(low=0, high=2**31 - 1, default=0)
    failure_status = ChoiceField(FailureStatus.values)
    resource_type = ChoiceField(SdrsResourceType.values)
    server_group_id = TextField(
        max_length=GROUP_ID_LENGTH,
        help_text="A protection group's id: that group's jobs instead of group-level ones.")
    resource_name = TextField(max_length=255, help_text="Part of the resource name, any case.")


def _failed_jobs(project):
    return FailedTask.objects.for_project(project).for_service(Service.SDRS).failed()


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

# The list's answer: the count and a page of jobs, defined once for response and schema.
FAILURE_JOBS = ItemShape("SdrsFailureJobs", {
    "count": (serializers.IntegerField(help_text=COUNT_HELP), "count"),
    "failure_jobs": (FAILURE_JOB.many(), lambda page: FAILURE_JOB.items(page["rows"])),
})


class FailureJobs(SdrsView):
    """GET the protection-group-level failed jobs, or one group's with server_group_id."""

    @extend_schema(
        operation_id="sdrs_list_failure_jobs", tags=["SDRS"],
        parameters=[FailureJobsQuery],
        responses={200: FAILURE_JOBS.serializer},
    )
    def get(self, request, project_id):
        project = api_project(request, project_id)
        query = FailureJobsQuery.read(request)
        limit, offset = query["limit"], query["offset"]
        jobs = _failed_jobs(project).in_group(query["server_group_id"] or "")
        if query["failure_status"]:
            jobs = jobs.filter(failure_status=query["failure_status"])
        if query["resource_type"]:
            jobs = jobs.filter(resource_type=query["resource_type"])
        if query["resource_name"]:
            jobs = jobs.named_like(query["resource_name"])
        # One row past the page tells whether more follow it.
        rows = list(FAILURE_JOB.values(jobs.newest_first().page(offset, offset + limit + 1)))
        # The tallies do not know protection groups, so the jobs are counted, but
        # only so far: never every row of a million (COUNT_HELP).
        count = count_beside_page(bounded_count(jobs), offset, limit, len(rows))
        return Response(FAILURE_JOBS({"count": count, "rows": rows[:limit]}))


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
        if "\x00" in server_group_id:  # no recorded id holds one, and PostgreSQL refuses it
            raise exceptions.ValidationError("server_group_id cannot contain a NUL character.")
        return self.delete_group(request, project_id, server_group_id)
