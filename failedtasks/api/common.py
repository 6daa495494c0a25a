"""What every API face shares: the scoped project look-up, the audit actor, a
face's error body, and strict integer parameters."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from console.authentication import Credential, scoped_project_allows
from console.errors import NotFound
from console.models import Role
from console.scoping import project_for
from failedtasks.models import Channel
from failedtasks.services import Actor, NothingToDelete, delete_task

MAX_ID = 2**63 - 1


def api_project(request, project_id: str, need: str = Role.VIEWER):
    """The project in the URL, if the caller has a role in it (and its token is scoped to it)."""
    project, role = project_for(request.user, project_id, need=Role.VIEWER)
    if not scoped_project_allows(request, project):
        raise NotFound("There is no such project, or you have no role in it.")
    if Role.rank(role) < Role.rank(need):
        raise PermissionDenied(f"Your role in this project ({role}) does not allow that.")
    return project


def api_actor(request) -> Actor:
    credential = request.auth
    channel = credential.channel if isinstance(credential, Credential) else Channel.SESSION_API
    return Actor(user=request.user, channel=channel, remote_addr=request.META.get("REMOTE_ADDR"))


def delete_by_job_id(tasks, job_id: str, actor: Actor) -> None:
    """Delete the task with this job id among `tasks`; a 404 when there is none."""
    pk = tasks.filter(job_id=job_id[:64]).values_list("pk", flat=True).first()
    try:
        if pk is None:
            raise NothingToDelete(job_id)
        delete_task(tasks, pk, actor)
    except NothingToDelete:
        raise exceptions.NotFound(f"The failed task {job_id[:64]} does not exist.")


def integer_param(params, name: str, default: int, low: int, high: int) -> int:
    """A query parameter that must be a whole number in [low, high]; else a 400."""
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 19:
        raise exceptions.ValidationError(f"{name} must be a whole number from {low} to {high}.")
    value = int(raw)
    if not low <= value <= high:
        raise exceptions.ValidationError(f"{name} must be a whole number from {low} to {high}.")
    return value


def text_param(params, name: str, max_length: int = 255) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) > max_length or "\x00" in value:
        raise exceptions.ValidationError(f"{name} must be at most {max_length} printable characters.")
    return value


def _message(detail) -> str:
    """The first message of DRF's (possibly nested) error detail, prefixed by its field."""
    path = []
    while isinstance(detail, dict | list) and detail:
        if isinstance(detail, dict):
            key, detail = next(iter(detail.items()))
            if key != "non_field_errors":
                path.append(str(key))
        else:
            detail = detail[0]
    return f"{'.'.join(path)}: {detail}" if path else str(detail)


class FaceView(APIView):
    """An API face: subclasses say how their errors look (error_body)."""

    def error_body(self, status: int, message: str) -> dict:
        raise NotImplementedError

    def get_exception_handler(self):
        def handle(exc, context):
            if isinstance(exc, Http404):
                exc = exceptions.NotFound(str(exc) if isinstance(exc, NotFound) else
                                          "The resource does not exist.")
            elif isinstance(exc, PermissionDenied):
                exc = exceptions.PermissionDenied(str(exc) or None)
            response = drf_exception_handler(exc, context)
            if response is not None:
                detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
                response.data = self.error_body(response.status_code, _message(detail))
            return response

        return handle
