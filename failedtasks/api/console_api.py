"""The console's own API, /api/v1/: record failed tasks, list, read and delete them.

Lists page by keyset (failed_at, id), so page ten thousand costs what page one
does; every list answer carries a watermark, and delete-all removes only tasks
at or below the watermark it is given, so a task recorded after the listing is
never deleted unseen. Errors: {"error": {"status", "code", "message", "fields"}}.
"""

import base64
import binascii
import json
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db.models import Max, Q
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from console.api_faces import FaceView
from console.cloud_services import Service
from console.models import Role
from failedtasks.api.common import api_actor, api_project, integer_param, text_param
from failedtasks.models import (
    FailedTask,
    FailureStatus,
    KpsOperateType,
    SdrsResourceType,
    TaskStatus,
)
from failedtasks.services import (
    NothingToDelete,
    delete_all_seen,
    delete_task,
    record_failure,
    tallies_for,
)

FIELDS = ("id", "service", "job_id", "job_type", "status", "category", "failure_status",
          "resource_id", "resource_name", "resource_type", "parent_id", "error_code",
          "fail_reason", "begin_time", "failed_at", "extra", "recorded_at")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_EXTRA_BYTES = 4096


def iso(value) -> str | None:
    if value is None:
        return None
    value = value.astimezone(dt_timezone.utc)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def task_json(row: dict) -> dict:
    """A task as the API shows it, from a values() row: no model instance per row."""
    body = {name: row[name] for name in FIELDS if name not in ("failed_at", "begin_time", "recorded_at")}
    body["begin_time"] = iso(row["begin_time"])
    body["fail_time"] = iso(row["failed_at"])
    body["recorded_at"] = iso(row["recorded_at"])
    return body


class ConsoleApiView(FaceView):
    CODES = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 415: "unsupported_media_type", 429: "throttled"}

    def error_body(self, status_code, message):
        return {"error": {"status": status_code, "code": self.CODES.get(status_code, "error"),
                          "message": message, "fields": getattr(self, "_field_errors", None)}}

    def get_exception_handler(self):
        handle = super().get_exception_handler()

        def with_fields(exc, context):
            if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
                self._field_errors = exc.detail
            return handle(exc, context)

        return with_fields


# --- Recording --------------------------------------------------------------

CODE_PATTERN = r"^[A-Za-z0-9_.\-]*$"
TOKEN_PATTERN = r"^[A-Za-z0-9_.:\-]+$"


class TaskIn(serializers.Serializer):
    """A failure as the systems that run operations report it (names follow SDRS)."""

    service = serializers.ChoiceField(choices=Service.choices)
    job_id = serializers.RegexField(TOKEN_PATTERN, max_length=64)
    job_type = serializers.RegexField(r"^[A-Za-z0-9_.\-]*$", max_length=64, required=False,
                                      allow_blank=True, default="")
    resource_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    resource_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    resource_type = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    parent_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=TaskStatus.choices, default=TaskStatus.FAIL)
    failure_status = serializers.RegexField(r"^[A-Za-z]*$", max_length=32, required=False,
                                            allow_blank=True, default="")
    error_code = serializers.RegexField(CODE_PATTERN, max_length=64, required=False,
                                        allow_blank=True, default="")
    fail_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                        default="", trim_whitespace=False)
    begin_time = serializers.DateTimeField(required=False, allow_null=True, default=None)
    fail_time = serializers.DateTimeField(required=False)
    extra = serializers.DictField(required=False, default=dict)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_extra(self, extra):
        if len(json.dumps(extra)) > MAX_EXTRA_BYTES:
            raise serializers.ValidationError(f"At most {MAX_EXTRA_BYTES} bytes of JSON.")
        for key, value in extra.items():
            if len(key) > 64 or not isinstance(value, str | int | float | bool | type(None)):
                raise serializers.ValidationError(
                    f"{key[:64]!r}: keys are up to 64 characters and values are plain strings, "
                    "numbers, booleans or null.")
            if isinstance(value, str) and "\x00" in value:
                raise serializers.ValidationError(f"{key!r}: NUL characters are not allowed.")
        return extra

    def validate(self, attrs):
        service = attrs["service"]
        if service == Service.SDRS:
            if attrs["failure_status"] and attrs["failure_status"] not in FailureStatus.values:
                raise exceptions.ValidationError({"failure_status": [
                    f"For sdrs one of {', '.join(FailureStatus.values)}."]})
            if attrs["resource_type"] and attrs["resource_type"] not in SdrsResourceType.values:
                raise exceptions.ValidationError({"resource_type": [
                    f"For sdrs one of {', '.join(SdrsResourceType.values)}."]})
        operate = attrs["extra"].get("operate_type")
        if service == Service.KPS and operate is not None and operate not in KpsOperateType.values:
            raise exceptions.ValidationError({"extra": [
                f"operate_type must be one of {', '.join(KpsOperateType.values)}."]})
        begin, failed = attrs.get("begin_time"), attrs.get("fail_time")
        if begin and failed and begin > failed:
            raise exceptions.ValidationError({"begin_time": ["Must not be after fail_time."]})
        return attrs


TaskOut = inline_serializer("FailedTask", {
    "id": serializers.IntegerField(), "service": serializers.CharField(),
    "job_id": serializers.CharField(), "job_type": serializers.CharField(),
    "status": serializers.CharField(), "category": serializers.CharField(),
    "failure_status": serializers.CharField(), "resource_id": serializers.CharField(),
    "resource_name": serializers.CharField(), "resource_type": serializers.CharField(),
    "parent_id": serializers.CharField(), "error_code": serializers.CharField(),
    "fail_reason": serializers.CharField(), "begin_time": serializers.DateTimeField(allow_null=True),
    "fail_time": serializers.DateTimeField(), "extra": serializers.DictField(),
    "recorded_at": serializers.DateTimeField(),
})
TaskPage = inline_serializer("FailedTaskPage", {
    "results": TaskOut.__class__(many=True),
    "next": serializers.CharField(allow_null=True),
    "count": serializers.IntegerField(allow_null=True),
    "watermark": serializers.IntegerField(),
})


# --- Listing ---------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("service", str, enum=Service.values),
    OpenApiParameter("status", str, enum=TaskStatus.values),
    OpenApiParameter("error_code", str, description="Exact, case-insensitive."),
    OpenApiParameter("q", str, description="Part of the resource name, or the start of a resource or job id."),
]


def filtered_tasks(project, params):
    """The project's tasks narrowed by the list filters; the same for list and delete-all."""
    tasks = FailedTask.objects.for_project(project)
    service = text_param(params, "service", 8)
    if service is not None:
        if service not in Service.values:
            raise exceptions.ValidationError({"service": [f"One of {', '.join(Service.values)}."]})
        tasks = tasks.for_service(service)
    task_status = text_param(params, "status", 8)
    if task_status is not None:
        if task_status not in TaskStatus.values:
            raise exceptions.ValidationError({"status": ["FAIL or RUNNING."]})
        tasks = tasks.filter(status=task_status)
    error_code = text_param(params, "error_code", 64)
    if error_code:
        tasks = tasks.filter(error_code__iexact=error_code)
    text = text_param(params, "q", 100)
    if text:
        tasks = tasks.filter(Q(resource_name__icontains=text) | Q(resource_id__istartswith=text)
                             | Q(job_id__istartswith=text))
    return tasks, {"service": service, "status": task_status, "error_code": error_code, "q": text}


def _encode_cursor(row: dict) -> str:
    raw = f"{row['failed_at'].astimezone(dt_timezone.utc).isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        failed_at, pk = datetime.fromisoformat(moment), int(pk)
        if failed_at.tzinfo is None or not 0 < pk < 2**63:
            raise ValueError
        # In UTC now, as the database will want it: year 1 at +05:00 has no UTC.
        return failed_at.astimezone(dt_timezone.utc), pk
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise exceptions.ValidationError({"cursor": ["Not a cursor this API gave out."]})


class FailedTasks(ConsoleApiView):
    @extend_schema(operation_id="list_failed_tasks", tags=["Failed tasks"], parameters=[*LIST_PARAMETERS,
                               OpenApiParameter("limit", int, description="1 to 1000, default 100."),
                               OpenApiParameter("cursor", str, description="From the previous page's next.")],
                   responses={200: TaskPage})
    def get(self, request, project_id):
        """The project's failed tasks, newest failure first, a keyset page at a time."""
        project = api_project(request, project_id)
        params = request.query_params
        limit = integer_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        tasks, filters = filtered_tasks(project, params)
        # Any task recorded after this answer gets a higher id than this.
        watermark = FailedTask.objects.aggregate(newest=Max("id"))["newest"] or 0
        page = tasks.newest_first()
        cursor = text_param(params, "cursor", 200)
        if cursor:
            failed_at, pk = _decode_cursor(cursor)
            page = page.filter(Q(failed_at__lt=failed_at) | Q(failed_at=failed_at, id__lt=pk))
        rows = list(page.values(*FIELDS)[: limit + 1])
        next_url = None
        if len(rows) > limit:
            rows = rows[:limit]
            query = params.copy()
            query["cursor"] = _encode_cursor(rows[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({
            "results": [task_json(row) for row in rows],
            "next": next_url,
            "count": self._cheap_count(project, filters),
            "watermark": watermark,
        })

    @staticmethod
    def _cheap_count(project, filters) -> int | None:
        """The total from the tallies when only service and status filter; else not counted."""
        if filters["error_code"] or filters["q"] or not filters["service"]:
            return None
        tallies = tallies_for(project, filters["service"])
        if filters["status"] == TaskStatus.FAIL:
            return tallies.failed
        if filters["status"] == TaskStatus.RUNNING:
            return tallies.listed - tallies.failed
        return tallies.listed

    @extend_schema(operation_id="record_failed_task", tags=["Failed tasks"], request=TaskIn,
                   responses={201: TaskOut, 200: TaskOut})
    def post(self, request, project_id):
        """Record a failed (or still running) task; the same job id again updates it."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        data = TaskIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "fail_time" in fields:
            fields["failed_at"] = fields.pop("fail_time")
        task, created = record_failure(project, **fields)
        row = FailedTask.objects.filter(pk=task.pk).values(*FIELDS).get()
        return Response(task_json(row), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FailedTaskDetail(ConsoleApiView):
    @extend_schema(operation_id="read_failed_task", tags=["Failed tasks"], responses={200: TaskOut})
    def get(self, request, project_id, task_id):
        project = api_project(request, project_id)
        row = FailedTask.objects.for_project(project).filter(pk=task_id).values(*FIELDS).first()
        if row is None:
            raise exceptions.NotFound("No such failed task in this project.")
        return Response(task_json(row))

    @extend_schema(operation_id="delete_failed_task", tags=["Failed tasks"], responses={204: None})
    def delete(self, request, project_id, task_id):
        """Delete one failed task (running ones cannot be deleted); audited."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        try:
            delete_task(FailedTask.objects.for_project(project).failed(), task_id, api_actor(request))
        except NothingToDelete:
            raise exceptions.NotFound("No such failed task in this project, or it is still running.")
        return HttpResponse(status=204)


class DeleteAll(ConsoleApiView):
    @extend_schema(
        operation_id="delete_all_failed_tasks", tags=["Failed tasks"],
        parameters=LIST_PARAMETERS,
        request=inline_serializer("DeleteAll", {"watermark": serializers.IntegerField(min_value=0)}),
        responses={200: inline_serializer("DeleteAllResult", {
            "deleted": serializers.IntegerField(), "kept": serializers.IntegerField(),
            "deletion_id": serializers.IntegerField()})},
    )
    def post(self, request, project_id):
        """Delete the failed tasks a listing showed: same filters, ids up to its watermark."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        body = request.data if isinstance(request.data, dict) else {}
        watermark = body.get("watermark")
        if isinstance(watermark, bool) or not isinstance(watermark, int) or not 0 <= watermark < 2**63:
            raise exceptions.ValidationError({"watermark": [
                "Required: the watermark of the listing whose tasks to delete."]})
        tasks, filters = filtered_tasks(project, request.query_params)
        deletion = delete_all_seen(
            project, tasks.failed(), watermark, api_actor(request),
            service=filters["service"] or "",
            criteria={k: v for k, v in filters.items() if v},
        )
        return Response({"deleted": deletion.deleted_count, "kept": deletion.kept_count,
                         "deletion_id": deletion.pk})

