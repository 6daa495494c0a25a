"""The base of every API face (Keystone, SDRS, KPS, the console API): each answers
errors in its own body shape, from one exception handler per face.

A face names its error body as a serializer: the same class renders every error
answer and describes them in the OpenAPI schema (console.lib.openapi), so the two
cannot drift.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from console.lib import outage
from console.lib.errors import NotFound


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


@dataclass(frozen=True)
class ApiError:
    """What an error answer says, for a face's error serializer to shape."""

    status: int
    message: str
    fields: dict | None = None  # per-field messages, for the faces that give them


class FaceView(APIView):
    """An API face: subclasses say how their errors look (error_serializer)."""

    error_serializer: type  # a Serializer of ApiError

    def perform_authentication(self, request):
        """A method the route does not have is refused first, before the credentials
        are read: a 405 (with Allow) in the face's body, for anyone, at no query. It
        tells nothing about the project or its tasks, only what the route accepts,
        which the schema says as well."""
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().perform_authentication(request)

    def error_body(self, status: int, message: str) -> dict:
        return self.error_serializer(ApiError(status, message)).data

    def get_exception_handler(self):
        def handle(exc, context):
            if outage.is_outage(exc):
                set_rollback()
                response = Response(self.error_body(503, outage.API_MESSAGE), status=503)
                return outage.answered(context["request"], exc, response)
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
