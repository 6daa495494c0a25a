"""The console's own API, /api/v1/: record failed tasks, list, read and delete them.

Lists page by keyset (failed_at, id), so page ten thousand costs what page one
does. Every list answer carries a watermark: an opaque, signed token of the
project's revision and the listing's filters. Delete-all with it removes only
tasks that matched and had not been recorded again since the listing, so a
task recorded (or re-recorded) after it is never deleted unseen; it may add
filters but not drop or change the listing's (docs/deletion-guarantee.md).
Errors: {"error": {"status", "code", "message", "fields"}}.
"""

import copy
import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Q
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from console.lib.api_faces import ApiError, FaceView
from console.lib.api_fields import ItemShape, PatternField
from console.lib.query_params import (
    NO_NUL,
    ChoiceField,
    MomentField,
    QueryParameters,
    TextField,
    WholeNumberField,
)
from console.lib.time_formats import EpochMicros, UtcMillisText, utc_millis
from console.tenancy.cloud_services import Service
from console.tenancy.models import Role
from failedtasks.api.common import api_actor, api_project
from failedtasks.catalog import entries_for
from failedtasks.causes import TallyScope, counted_causes
from failedtasks.confirmations import BadWatermark, sign_watermark, verify_watermark
from failedtasks.counting import COUNT_LIMIT, revision_and_count
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
)

# The stored fields a task's answer shows (TASK reads them, its times as the database
# writes them; the benchmark's yardstick reads them as they are).
FIELDS = ("id", "service", "job_id", "job_type", "status", "category", "failure_status",
          "resource_id", "resource_name", "resource_type", "parent_id", "error_code",
          "fail_reason", "begin_time", "failed_at", "extra", "recorded_at")
EXTRA_KEYS, EXTRA_KEY_LENGTH, EXTRA_VALUE_LENGTH = 16, 64, 255


def iso(value) -> str | None:
    return None if value is None else utc_millis(value)


# A task as the API shows it, built from a values() row (no model instance per row),
# its times written by the database: output name -> (schema, source).
TASK = ItemShape("FailedTask", {
    "id": (serializers.IntegerField(), "id"),
    "service": (serializers.CharField(), "service"),
    "job_id": (serializers.CharField(), "job_id"),
    "job_type": (serializers.CharField(), "job_type"),
    "status": (serializers.CharField(), "status"),
    "category": (serializers.CharField(), "category"),
    "failure_status": (serializers.CharField(), "failure_status"),
    "resource_id": (serializers.CharField(), "resource_id"),
    "resource_name": (serializers.CharField(), "resource_name"),
    "resource_type": (serializers.CharField(), "resource_type"),
    "parent_id": (serializers.CharField(), "parent_id"),
    "error_code": (serializers.CharField(), "error_code"),
    "fail_reason": (serializers.CharField(), "fail_reason"),
    "extra": (serializers.DictField(), "extra"),
    "begin_time": (serializers.DateTimeField(allow_null=True), UtcMillisText("begin_time")),
    "fail_time": (serializers.DateTimeField(), UtcMillisText("failed_at")),
    "recorded_at": (serializers.DateTimeField(), UtcMillisText("recorded_at")),
})


ERROR_CODES = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 415: "unsupported_media_type",
               429: "throttled", 503: "unavailable"}


class _ConsoleErrorDetail(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.SerializerMethodField()
    message = serializers.CharField()
    fields = serializers.DictField(allow_null=True, help_text="Messages per field, for a 400.")

    def get_code(self, error) -> str:
        return ERROR_CODES.get(error.status, "error")


class ConsoleApiError(serializers.Serializer):
    error = _ConsoleErrorDetail(source="*")


class ConsoleApiView(FaceView):
    error_serializer = ConsoleApiError

    def error_body(self, status_code, message):
        fields = getattr(self, "_field_errors", None)
        return ConsoleApiError(ApiError(status_code, message, fields)).data

    def get_exception_handler(self):
        handle = super().get_exception_handler()

        def with_fields(exc, context):
            if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
                self._field_errors = exc.detail
            return handle(exc, context)

        return with_fields


# --- Recording --------------------------------------------------------------

CODE_PATTERN = r"[A-Za-z0-9_.\-]*"
TOKEN_PATTERN = r"[A-Za-z0-9_.:\-]+"
WATERMARK_PATTERN = r"[A-Za-z0-9_.:\-]+"  # what django.core.signing produces


# Years as written, so that converting to UTC (or to any viewer's zone) never
# leaves the range a datetime can hold.
YEARS = "(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": f"^{YEARS}-",
                      "description": "ISO 8601, in a year from 1970 to 9998."})
class ReportedTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        written = parse_datetime(value) if isinstance(value, str) else None
        if written is not None and not re.match(YEARS, f"{written.year:04d}"):
            raise serializers.ValidationError("Must be in a year from 1970 to 9998.")
        return super().to_internal_value(value)


@extend_schema_field({
    "type": "object", "maxProperties": EXTRA_KEYS,
    "propertyNames": {"maxLength": EXTRA_KEY_LENGTH, "pattern": NO_NUL},
    "additionalProperties": {"anyOf": [
        {"type": "string", "maxLength": EXTRA_VALUE_LENGTH, "pattern": NO_NUL},
        {"type": ["number", "boolean", "null"]},
    ]},
    "description": "Service-specific fields such as server_id, keypair_name or operate_type.",
})
class ExtraField(serializers.DictField):
    """Flat and small: plain values under short names, stored as given."""

    def to_internal_value(self, data):
        extra = super().to_internal_value(data)
        if len(extra) > EXTRA_KEYS:
            raise serializers.ValidationError(f"At most {EXTRA_KEYS} fields.")
        for key, value in extra.items():
            if len(key) > EXTRA_KEY_LENGTH or "\x00" in key:
                raise serializers.ValidationError(
                    f"{key[:EXTRA_KEY_LENGTH]!r}: names are up to {EXTRA_KEY_LENGTH} characters.")
            if not isinstance(value, str | int | float | bool | type(None)):
                raise serializers.ValidationError(
                    f"{key!r}: values are plain strings, numbers, booleans or null.")
            if isinstance(value, str) and (len(value) > EXTRA_VALUE_LENGTH or "\x00" in value):
                raise serializers.ValidationError(
                    f"{key!r}: strings are up to {EXTRA_VALUE_LENGTH} characters, without NUL.")
        return extra


def _text(max_length: int, pattern: str | None = None, **kwargs):
    """Stored as sent: trimming would let the server accept what the schema refuses
    (a value one space too long) and refuse what it accepts."""
    options = {"max_length": max_length, "trim_whitespace": False, **kwargs}
    return PatternField(pattern, **options) if pattern else serializers.CharField(**options)


def _optional(max_length: int, pattern: str | None = None):
    return _text(max_length, pattern, required=False, allow_blank=True, default="")


def one_of(*values) -> dict:
    return {"anyOf": [{"const": value} for value in values]}


class TaskIn(serializers.Serializer):
    """A failure as the systems that run operations report it (names follow SDRS).

    begin_time and fail_time are kept as reported, even when the first is the later:
    they may come from hosts whose clocks disagree, and a report is never refused
    for that.
    """

    service = serializers.ChoiceField(choices=Service.choices)
    job_id = _text(64, TOKEN_PATTERN)
    job_type = _optional(64, CODE_PATTERN)
    resource_id = _optional(64)
    resource_name = _optional(255)
    resource_type = _optional(64)
    parent_id = _optional(64)
    status = serializers.ChoiceField(choices=TaskStatus.choices, default=TaskStatus.FAIL)
    failure_status = _optional(32, r"[A-Za-z]*")
    error_code = _optional(64, CODE_PATTERN)
    fail_reason = _optional(4000)
    begin_time = ReportedTimeField(required=False, allow_null=True, default=None)
    fail_time = ReportedTimeField(required=False, help_text="Default: now.")
    extra = ExtraField(required=False, default=dict)

    # What validate() and to_internal_value() enforce across fields, for the schema.
    # Choices as anyOf of consts, not enum: spectacular turns a property's enum into a
    # shared component, which would merge them with the fields' own.
    openapi_constraints = {
        "additionalProperties": False,
        "anyOf": [
            {"properties": {"service": {"const": Service.ECS}}},
            {"properties": {"service": {"const": Service.CSS}}},
            {"properties": {"service": {"const": Service.SDRS},
                            "failure_status": one_of("", *FailureStatus.values),
                            "resource_type": one_of("", *SdrsResourceType.values)}},
            {"properties": {"service": {"const": Service.KPS},
                            "extra": {"type": "object", "properties": {
                                "operate_type": one_of(None, *KpsOperateType.values)}}}},
        ],
    }

    def get_fields(self):
        # The declared fields keep no state of their own while they validate, so
        # a shallow copy binds to this serializer as well as DRF's deep copy,
        # which builds every field anew: most of a recording's validation.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

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
        return attrs


# --- Listing ---------------------------------------------------------------


class TaskFilters(QueryParameters):
    """The list's filters, in the order they are checked: the list, its causes and
    delete-all take the same."""

    service = ChoiceField(Service.values)
    status = ChoiceField(TaskStatus.values)
    error_code = TextField(max_length=64, help_text=(
        f"Exact, case-insensitive. The count of such a listing stops at {COUNT_LIMIT:,}."))
    q = TextField(max_length=100, help_text=(
        "Part of the resource name, the start of a resource or job id, or an error code "
        "(case-insensitive): the console's search. The count of such a listing stops at "
        f"{COUNT_LIMIT:,}."))
    since = MomentField(help_text=(
        "Only tasks that failed at or after this instant (ISO 8601 with an offset or Z). "
        f"The count of such a listing stops at {COUNT_LIMIT:,}."))
    until = MomentField(help_text=(
        "Only tasks that failed before this instant (ISO 8601 with an offset or Z). A range "
        "whose until is not after its since holds no task: the list is empty and delete-all "
        "deletes nothing."))


class _PageSize(QueryParameters):
    limit = WholeNumberField(low=1, high=1000, default=100)


class TaskListQuery(_PageSize, TaskFilters):
    """The list's query: the page size is checked first, the filters next, the cursor last."""

    # A cursor is "<failure time in microseconds since 1970>_<id>" of the last task shown.
    # Any value of this form is a place in the list: the pattern bounds the time to years
    # a datetime can hold (69 to 9999), so a valid-looking cursor is never refused.
    cursor = TextField(
        max_length=40, min_length=3, help_text="From the previous page's next.",
        mismatch="Not a cursor this API gave out.",
        pattern=r"(-[0-5]?[0-9]{1,16}|[0-9]{1,17}|1[0-9]{17}|2[0-4][0-9]{16}|25[0-2][0-9]{15}"
                r"|253[0-3][0-9]{14})_[0-9]{1,18}")


# A page of the list, built from its rows and what the view read beside them.
TASK_PAGE = ItemShape("FailedTaskPage", {
    "results": (TASK.many(), lambda page: TASK.items(page["rows"])),
    "next": (serializers.CharField(allow_null=True), "next"),
    "count": (serializers.IntegerField(help_text=(
        "How many tasks the listing holds. Without q, error_code, since or until it is "
        "exact (kept tallies, not a count of rows). With any, matches are counted up to "
        f"{COUNT_LIMIT:,}: then count_is_lower_bound is true and there are more than "
        "count.")), lambda page: page["count"].value),
    "count_is_lower_bound": (serializers.BooleanField(help_text=(
        f"True when counting stopped at {COUNT_LIMIT:,}: more tasks than count match.")),
        lambda page: page["count"].is_lower_bound),
    "watermark": (serializers.CharField(
        help_text="Opaque. Give it to delete-all to delete only what this listing covered."),
        "watermark"),
})
EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def filtered_tasks(project, query: dict):
    """The project's tasks narrowed by the list's filters (a read TaskFilters), and the
    filters as the watermark signs them; the same for the list, its causes and delete-all."""
    tasks = FailedTask.objects.for_project(project)
    service, task_status, error_code, text = (
        query["service"], query["status"], query["error_code"], query["q"])
    if service is not None:
        tasks = tasks.for_service(service)
    if task_status is not None:
        tasks = tasks.with_status(task_status)
    if error_code:
        tasks = tasks.with_error_code(error_code, any_case=True)
    if text:
        tasks = tasks.matching(text)
    # An inverted range is not an error: like any filter, it may match nothing.
    since, until = query["since"], query["until"]
    tasks = tasks.failed_between(since, until)
    # The instants in one spelling (UTC, to the microsecond), as the watermark keeps them.
    return tasks, {"service": service, "status": task_status, "error_code": error_code, "q": text,
                   "since": since and since.isoformat(), "until": until and until.isoformat()}


def _encode_cursor(row: dict) -> str:
    return f"{row['cursor']}_{row['id']}"


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, pk = cursor.split("_")
    return EPOCH + int(micros) * MICROSECOND, int(pk)


def _links_to_the_task(*operations):
    return {operation: {"operationId": operation, "parameters": {
        "project_id": "$request.path.project_id", "task_id": "$response.body#/id"}}
        for operation in operations}


class FailedTasks(ConsoleApiView):
    openapi_links = {"post": {"201": _links_to_the_task("read_failed_task", "delete_failed_task"),
                              "200": _links_to_the_task("read_failed_task", "delete_failed_task")}}

    @extend_schema(operation_id="list_failed_tasks", tags=["Failed tasks"],
                   parameters=[TaskListQuery], responses={200: TASK_PAGE.serializer})
    def get(self, request, project_id):
        """The project's failed tasks, newest failure first, a keyset page at a time."""
        project = api_project(request, project_id)
        query = TaskListQuery.read(request)
        limit = query["limit"]
        tasks, filters = filtered_tasks(project, query)
        # Read before the rows: any task recorded, or recorded again, after this
        # answer carries a higher revision, and delete-all leaves it alone. The
        # count comes in the same statement.
        revision, count = self._revision_and_count(project, tasks, filters)
        watermark = sign_watermark(project.pk, revision, filters)
        page = tasks.newest_first()
        if query["cursor"] is not None:
            failed_at, pk = _decode_cursor(query["cursor"])
            page = page.filter(Q(failed_at__lt=failed_at) | Q(failed_at=failed_at, id__lt=pk))
        # With each row its place for the next page's cursor: the failure time in
        # microseconds since 1970.
        rows = list(TASK.values(page, cursor=EpochMicros("failed_at"))[: limit + 1])
        next_url = None
        if len(rows) > limit:
            rows = rows[:limit]
            params = request.query_params.copy()
            params["cursor"] = _encode_cursor(rows[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(TASK_PAGE(
            {"rows": rows, "next": next_url, "count": count, "watermark": watermark}))

    @staticmethod
    def _revision_and_count(project, tasks, filters):
        """The total from the tallies when only service and status filter; else (a
        search, an error code, a failure-time range) the matches, counted up to
        COUNT_LIMIT."""
        if filters["error_code"] or filters["q"] or filters["since"] or filters["until"]:
            return revision_and_count(project, counting=tasks)
        return revision_and_count(project, tallies={
            "service": filters["service"], "status": filters["status"]})

    @extend_schema(operation_id="record_failed_task", tags=["Failed tasks"], request=TaskIn,
                   responses={201: TASK.serializer, 200: TASK.serializer})
    def post(self, request, project_id):
        """Record a failed (or still running) task; the same job id again updates it."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        data = TaskIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "fail_time" in fields:
            fields["failed_at"] = fields.pop("fail_time")
        task, created = record_failure(project, **fields)
        # The task as stored (the recording's last statement returns its row): not read again.
        return Response(TASK.of_instance(task),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


TASK_ID = OpenApiParameter("task_id", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                           OpenApiParameter.PATH, description="The task's id (from a listing).")


def _task_pk(task_id: str) -> int:
    """The id in the path; one that cannot be an id names no task (a 404 in this
    face's body, rather than the site's HTML page for an unknown URL)."""
    if not (task_id.isascii() and task_id.isdigit() and len(task_id) <= 19
            and 0 < int(task_id) < 2**63):
        raise exceptions.NotFound("No such failed task in this project.")
    return int(task_id)


class FailedTaskDetail(ConsoleApiView):
    @extend_schema(operation_id="read_failed_task", tags=["Failed tasks"], responses={200: TASK.serializer},
                   parameters=[TASK_ID])
    def get(self, request, project_id, task_id):
        """One failed (or still running) task of the project."""
        project = api_project(request, project_id)
        row = TASK.values(FailedTask.objects.for_project(project).filter(pk=_task_pk(task_id))).first()
        if row is None:
            raise exceptions.NotFound("No such failed task in this project.")
        return Response(TASK(row))

    @extend_schema(operation_id="delete_failed_task", tags=["Failed tasks"], responses={204: None},
                   parameters=[TASK_ID])
    def delete(self, request, project_id, task_id):
        """Delete one failed task (running ones cannot be deleted); audited."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        try:
            delete_task(FailedTask.objects.for_project(project).failed(), _task_pk(task_id),
                        api_actor(request))
        except NothingToDelete:
            raise exceptions.NotFound("No such failed task in this project, or it is still running.")
        return HttpResponse(status=204)


class DeleteAllIn(serializers.Serializer):
    watermark = PatternField(
        WATERMARK_PATTERN, max_length=1000, trim_whitespace=False,
        error_messages={"required": "Required: the watermark of the listing whose tasks to delete."},
        help_text="The watermark of the listing whose tasks to delete (opaque).")


# What a delete-all did, from its Deletion (a comment: a docstring would describe the
# schema's component).
class DeleteAllResult(serializers.Serializer):
    deleted = serializers.IntegerField(source="deleted_count")
    kept = serializers.IntegerField(source="kept_count")
    deletion_id = serializers.IntegerField(source="pk")


class DeleteAll(ConsoleApiView):
    @extend_schema(
        operation_id="delete_all_failed_tasks", tags=["Failed tasks"],
        parameters=[TaskFilters], request=DeleteAllIn, responses={200: DeleteAllResult},
    )
    def post(self, request, project_id):
        """Delete the failed tasks a listing showed: its filters (or narrower), as of its
        watermark. Tasks recorded or re-recorded after the listing are kept."""
        project = api_project(request, project_id, need=Role.OPERATOR)
        body = DeleteAllIn(data=request.data)
        body.is_valid(raise_exception=True)
        tasks, filters = filtered_tasks(project, TaskFilters.read(request))
        try:
            watermark = verify_watermark(body.validated_data["watermark"], project.pk, filters)
        except BadWatermark as error:
            raise exceptions.ValidationError({"watermark": [str(error)]})
        deletion = delete_all_seen(
            project, tasks.failed(), watermark, api_actor(request),
            service=filters["service"] or "",
            criteria={k: v for k, v in filters.items() if v},
        )
        return Response(DeleteAllResult(deletion).data)


# --- Causes ------------------------------------------------------------------


class FailTimeField(serializers.DateTimeField):
    """A time as every time of this API is written: UTC, milliseconds, "Z"."""

    def to_representation(self, value):
        return iso(value)


class CauseOut(serializers.Serializer):
    error_code = serializers.CharField(help_text="The error code; empty for tasks reported without one.")
    count = serializers.IntegerField(help_text="How many of the listed tasks failed with it.")
    first_fail_time = FailTimeField(source="first_failed_at", allow_null=True)
    last_fail_time = FailTimeField(source="last_failed_at", allow_null=True)
    cause = serializers.CharField(
        allow_null=True,
        help_text="The catalog's failure cause, in the request's language (Accept-Language) "
                  "or English; null for a code not in the catalog.")
    solution = serializers.CharField(allow_null=True, help_text="The catalog's solution, likewise.")


class CausesOut(serializers.Serializer):
    results = CauseOut(many=True, help_text="One entry per error code, most tasks first.")
    count_is_lower_bound = serializers.BooleanField(help_text=(
        f"True when q, since or until narrowed the listing and more than {COUNT_LIMIT:,} tasks "
        f"matched: the "
        f"groups were counted over {COUNT_LIMIT:,} of them, so each count is a lower bound."))


class Causes(ConsoleApiView):
    @extend_schema(operation_id="list_failure_causes", tags=["Failed tasks"],
                   parameters=[TaskFilters], responses={200: CausesOut})
    def get(self, request, project_id):
        """The listed tasks grouped by error code: how many, the first and last failure,
        and the catalog's cause and solution. Takes the list's filters."""
        project = api_project(request, project_id)
        tasks, filters = filtered_tasks(project, TaskFilters.read(request))
        if filters["q"] or filters["since"] or filters["until"]:
            # The tallies keep no search and no time: group the matches, bounded.
            causes, is_lower_bound = counted_causes(tasks)
        else:
            scope = TallyScope(project, service=filters["service"], status=filters["status"],
                               error_code_any_case=filters["error_code"] or None)
            causes, is_lower_bound = scope.with_failure_times(scope.causes()), False
        catalog = entries_for([cause.error_code for cause in causes])
        results = [
            {**vars(cause),
             "cause": getattr(catalog.get(cause.error_code), "cause", None),
             "solution": getattr(catalog.get(cause.error_code), "solution", None)}
            for cause in causes
        ]
        return Response(CausesOut({"results": results,
                                   "count_is_lower_bound": is_lower_bound}).data)
