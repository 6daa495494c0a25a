"""The Key Pair Service face: /v3/{project_id}/failed-tasks.

Fields follow the KPS API reference ("Querying Task Failure Information");
errors are {"error_code": "KPS.xxxx", "error_msg": ...}.
"""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from console.lib.api_faces import FaceView
from console.lib.query_params import IntegerParam
from console.tenancy.cloud_services import Service
from console.tenancy.models import Role
from failedtasks.api.common import api_actor, api_project, delete_by_job_id
from failedtasks.models import FailedTask, TaskStatus
from failedtasks.services import delete_all_now, tallies_for

ERROR_CODES = {400: "KPS.0400", 401: "KPS.0401", 403: "KPS.0403", 404: "KPS.0404"}
FIELDS = ("job_id", "job_type", "status", "failed_at", "error_code", "fail_reason",
          "resource_name", "extra")


def operate_type(row: dict) -> str:
    """FAILED_RESET, RUNNING_UNBIND...: as recorded, or from the job type and status."""
    recorded = (row["extra"] or {}).get("operate_type")
    if recorded:
        return recorded
    verb = row["job_type"].removesuffix("Keypair").upper() or "TASK"
    return f"{'RUNNING' if row['status'] == TaskStatus.RUNNING else 'FAILED'}_{verb}"


def failed_task(row: dict) -> dict:
    extra = row["extra"] or {}
    return {
        "task_id": row["job_id"],
        "operate_type": operate_type(row),
        "task_time": str(int(row["failed_at"].timestamp() * 1000)),
        "task_error_code": row["error_code"] or None,
        "task_error_msg": row["fail_reason"],
        "server_name": extra.get("server_name", ""),
        "server_id": extra.get("server_id", ""),
        "keypair_name": extra.get("keypair_name") or row["resource_name"],
    }


LIMIT = IntegerParam("limit", default=1000, low=1, high=1000)
OFFSET = IntegerParam("offset", default=0, low=0, high=2**31 - 1)


def _kps_tasks(project):
    return FailedTask.objects.for_project(project).for_service(Service.KPS)


TaskSchema = inline_serializer("KpsFailedTask", {
    "task_id": serializers.CharField(), "operate_type": serializers.CharField(),
    "task_time": serializers.CharField(help_text="Epoch milliseconds."),
    "task_error_code": serializers.CharField(allow_null=True),
    "task_error_msg": serializers.CharField(), "server_name": serializers.CharField(),
    "server_id": serializers.CharField(), "keypair_name": serializers.CharField(),
})


class KpsError(serializers.Serializer):
    error_code = serializers.SerializerMethodField()
    error_msg = serializers.CharField(source="message")

    def get_error_code(self, error) -> str:
        return ERROR_CODES.get(error.status, f"KPS.0{error.status}")


class KpsView(FaceView):
    error_serializer = KpsError


class FailedTasks(KpsView):
    """GET the key pair tasks (failed and still running); DELETE every failed one."""

    @extend_schema(
        operation_id="kps_list_failed_task", tags=["KPS"],
        parameters=[LIMIT.openapi, OFFSET.openapi],
        responses={200: inline_serializer("KpsFailedTasks", {
            "total": serializers.IntegerField(help_text=(
                "Every key pair task of the project, failed or running: exact, from kept "
                "tallies rather than a count of rows.")),
            "tasks": TaskSchema.__class__(many=True)})},
    )
    def get(self, request, project_id):
        project = api_project(request, project_id)
        limit, offset = LIMIT.read(request.query_params), OFFSET.read(request.query_params)
        tasks = _kps_tasks(project)
        rows = tasks.newest_first().page(offset, offset + limit).values(*FIELDS)
        # The total from the tallies: the same number as a COUNT, at any size.
        total = tallies_for(project, Service.KPS).listed
        return Response({"total": total, "tasks": [failed_task(r) for r in rows]})

    @extend_schema(operation_id="kps_delete_all_failed_task", tags=["KPS"], responses={200: None})
    def delete(self, request, project_id):
        project = api_project(request, project_id, need=Role.OPERATOR)
        delete_all_now(project, _kps_tasks(project).failed(), api_actor(request),
                       service=Service.KPS)
        return HttpResponse(status=200)


class FailedTaskDetail(KpsView):
    """DELETE one failed task by its task id."""

    @extend_schema(operation_id="kps_delete_failed_task", tags=["KPS"], responses={200: None})
    def delete(self, request, project_id, task_id):
        project = api_project(request, project_id, need=Role.OPERATOR)
        delete_by_job_id(_kps_tasks(project).failed(), task_id, api_actor(request))
        return HttpResponse(status=200)
