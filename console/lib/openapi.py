"""How the schema at /api/schema/ describes each operation: its errors, its fields' exact
patterns, its links (the ways to authenticate are console.identity.openapi's)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from console.lib.api_fields import PatternField
from console.lib.ids import PROJECT_ID_PATTERN
from console.lib.query_params import NO_NUL

# Any other id is simply unknown (a 404), so this is what a valid request names.
PROJECT_ID_SCHEMA = {"type": "string", "pattern": f"^{PROJECT_ID_PATTERN}$"}


class FaceAutoSchema(AutoSchema):
    """The schema as the contract: each operation documents every error it can answer,
    in its face's own body (the face's error_serializer, the class that renders them),
    and each request field says exactly what the server accepts."""

    ERRORS = {
        400: "The input is malformed or invalid.",
        401: "No credentials, or they are wrong, expired or revoked.",
        403: "The caller's role in the project does not allow this.",
        404: "No such project (or no role in it), or no such item.",
        405: "The method is not allowed here.",
        406: "No acceptable representation (the API speaks JSON).",
        415: "The body is not JSON.",
        429: "Too many requests or failed sign-ins; see Retry-After.",
    }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = getattr(self.view, "error_serializer", None)
        if error is not None:
            for status, description in self.ERRORS.items():
                responses.setdefault(str(status), self._get_response_for_code(
                    OpenApiResponse(error, description=description), str(status),
                    direction=direction))
        return responses

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        # Where a response leads (OpenAPI links), as the view declares per method.
        links = getattr(self.view, "openapi_links", {}).get(self.method.lower(), {})
        for status, status_links in links.items():
            operation["responses"][status]["links"] = status_links
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(schema, dict) and schema.get("type") == "string":
            if isinstance(field, PatternField):
                schema["pattern"] = field.openapi_pattern
            elif (direction == "request" and isinstance(field, serializers.CharField)
                  and not {"pattern", "enum", "format"} & schema.keys()):
                schema["pattern"] = NO_NUL  # DRF refuses NUL in any text field
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A blank-allowed string becomes "pattern or empty": either, not exactly one of
        # them (the pattern often admits "" too, and oneOf would then refuse it).
        if schema.get("oneOf", [None])[-1] == {"type": "string", "maxLength": 0}:
            schema["anyOf"] = schema.pop("oneOf")

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Rules across fields (validate()), stated by the serializer that enforces them.
        schema.update(getattr(serializer, "openapi_constraints", {}))
        return schema

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter["schema"]
            if parameter["name"] == "project_id":
                schema.update(PROJECT_ID_SCHEMA)
                parameter["description"] = "A project's id: 32 lowercase hexadecimal characters."
            elif schema.get("type") == "string" and "pattern" not in schema:
                schema["pattern"] = "^[^/]+$"  # one path segment, as the URL takes it
        return parameters


def link_projects(result, generator, request, public):
    """Link the project list (GET /v3/projects, how SDKs find a project id) to every
    operation in a project, so a client can follow from one to the other."""
    list_projects = result["paths"].get("/v3/projects", {}).get("get")
    if list_projects is None:
        return result
    links = {}
    for methods in result["paths"].values():
        for operation in methods.values():
            if any(parameter["in"] == "path" and parameter["name"] == "project_id"
                   for parameter in operation.get("parameters", [])):
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {"project_id": "$response.body#/projects/0/id"},
                }
    list_projects["responses"]["200"]["links"] = links
    return result
