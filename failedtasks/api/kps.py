"""The Key Pair Service face: /v3/{project_id}/failed-tasks.

Fields follow the KPS API reference ("Querying Task Failure Information");
errors are {"error_code": "KPS.xxxx", "error_msg": ...}.
"""

from functools import lru_cache

from django.db.models import Value
from django.db.models.functions import NullIf
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from console.lib.api_faces import FaceView
from console.lib.api_fields import ItemShape
from console.lib.query_params import QueryParameters, WholeNumberField
from console.lib.time_formats import epoch_millis_text
from console.tenancy.cloud_services import Service
from console.tenancy.models import Role
from failedtasks.api.common import api_actor, api_project, delete_by_job_id
from failedtasks.models import FailedTask, TaskStatus, TaskTally
from failedtasks.services import delete_all_now

ERROR_CODES = {400: "KPS.0400", 401: "KPS.0401", 403: "KPS.0403", 404: "KPS.0404"}
# The stored fields a task's answer shows (FAILED_TASK reads them, the failure time as
# the database writes it; the benchmark's yardstick reads them as they are).
FIELDS = ("job_id", "job_type", "status", "failed_at", "error_code", "fail_reason",
          "resource_name", "extra")


def operate_type(row: dict) -> str:
    """FAILED_RESET, RUNNING_UNBIND...: as recorded, or from the job type and status."""
    return (row["extra"] or {}).get("operate_type") or _derived_operate_type(
        row["job_type"], row["status"])


@lru_cache(maxsize=256)  # a page holds few job types: derived once each, not once a row
def _derived_operate_type(job_type: str, status: str) -> str:
    verb = job_type.removesuffix("Keypair").upper() or "TASK"
    return f"{'RUNNING' if status == TaskStatus.RUNNING else 'FAILED'}_{verb}"


# A task as the reference names its fields: output name -> (schema, source).
FAILED_TASK = ItemShape("KpsFailedTask", {
    "task_id": (serializers.CharField(), "job_id"),
    "operate_type": (serializers.CharField(), operate_type),
    "task_time": (serializers.CharField(help_text="Epoch milliseconds."),
                  epoch_millis_text("failed_at")),
    "task_error_code": (serializers.CharField(allow_null=True), NullIf("error_code", Value(""))),
    "task_error_msg": (serializers.CharField(), "fail_reason"),
    "server_name": (serializers.CharField(), "extra.server_name"),
    "server_id": (serializers.CharField(), "extra.server_id"),
    "keypair_name": (serializers.CharField(),
                     lambda row: (row["extra"] or {}).get("keypair_name") or row["resource_name"]),
}, reads=("job_type", "status", "extra", "resource_name"))


class FailedTasksQuery(QueryParameters):
    limit = WholeNumberField(low=1, high=1000, default=1000)
    offset = WholeNumberField(low=0, high=2**31 - 1, default=0)


def _kps_tasks(project):
    return FailedTask.objects.for_project(project).for_service(Service.KPS)


class KpsError(serializers.Serializer):
    error_code = serializers.SerializerMethodField()
    error_msg = serializers.CharField(source="message")

    def get_error_code(self, error) -> str:
        return ERROR_CODES.get(error.status, f"KPS.0{error.status}")


class KpsView(FaceView):
    error_serializer = KpsError

# The list's answer: the total and a page of tasks, defined once for response and schema.
FAILED_TASKS = ItemShape("KpsFailedTasks", {
    "total": (serializers.IntegerField(help_text=(
        "Every key pair task of the project, failed or running: exact, from kept "
        "tallies rather than a count of rows.")), "total"),
    "tasks": (FAILED_TASK.many(), lambda page: FAILED_TASK.items(page["rows"])),
})


class FailedTasks(KpsView):
    """GET the key pair tasks (failed and still running); DELETE every failed one."""

    @extend_schema(
        operation_id="kps_list_failed_task", tags=["KPS"],
        parameters=[FailedTasksQuery],
        responses={200: FAILED_TASKS.serializer},
    )
    def get(self, request, project_id):
        # The total from the tallies (the same number as a COUNT, at any size), read
        # with the project.
        project = api_project(request, project_id, reads={
            "total": TaskTally.objects.in_service_sql(project_id, Service.KPS)})
        query = FailedTasksQuery.read(request)
        offset = query["offset"]
        rows = _kps_tasks(project).newest_first().page(offset, offset + query["limit"])
        return Response(FAILED_TASKS({"total": project.total, "rows": FAILED_TASK.values(rows)}))

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
