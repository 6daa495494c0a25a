"""Every route of every API face (the console API, SDRS, KPS, Keystone) answers a
method it does not have with a 405 in the face's own error body, an Allow header,
and no query at all: the method is refused before the credentials are read, so
with or without them the answer and its cost are the same."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console.identity.credentials import issue_token
from console.lib.api_faces import FaceView

pytestmark = pytest.mark.django_db

EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
PROJECT, ITEM = "project_id", "item"

# Route name -> (face, URL arguments, the methods it has). OPTIONS (DRF's metadata)
# and HEAD (wherever GET is) come with every route that has them.
ROUTES = {
    "api-failed-tasks": ("console", {PROJECT}, {"GET", "HEAD", "POST"}),
    "api-failed-tasks-delete-all": ("console", {PROJECT}, {"POST"}),
    "api-failed-task": ("console", {PROJECT, "task_id"}, {"GET", "HEAD", "DELETE"}),
    "api-failed-task-causes": ("console", {PROJECT}, {"GET", "HEAD"}),
    "api-schema": ("console", set(), {"GET", "HEAD"}),
    "sdrs-failure-jobs": ("sdrs", {PROJECT}, {"GET", "HEAD"}),
    "sdrs-failure-jobs-batch": ("sdrs", {PROJECT}, {"DELETE"}),
    "sdrs-failure-job": ("sdrs", {PROJECT, "failure_job_id"}, {"DELETE"}),
    "sdrs-server-group-failure-jobs-batch": ("sdrs", {PROJECT, "server_group_id"}, {"DELETE"}),
    "kps-failed-tasks": ("kps", {PROJECT}, {"GET", "HEAD", "DELETE"}),
    "kps-failed-task": ("kps", {PROJECT, "task_id"}, {"DELETE"}),
    "keystone-tokens": ("keystone", set(), {"GET", "HEAD", "POST", "DELETE"}),
    "keystone-projects": ("keystone", set(), {"GET", "HEAD"}),
}


def error_of(face: str, method: str) -> dict:
    message = f'Method "{method}" not allowed.'
    return {
        "console": {"error": {"status": 405, "code": "method_not_allowed", "message": message,
                              "fields": None}},
        "sdrs": {"error": {"code": "SDRS.0405", "message": message}},
        "kps": {"error_code": "KPS.0405", "error_msg": message},
        "keystone": {"error": {"code": 405, "title": "Method Not Allowed", "message": message}},
    }[face]


UNSUPPORTED = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, (_face, _args, methods) in ROUTES.items()
    for method in EVERY_METHOD
    if method not in methods | {"OPTIONS"}
]


def _face_routes(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _face_routes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, FaceView):
                yield pattern.name


def test_every_route_of_every_face_is_covered():
    assert set(_face_routes(get_resolver().url_patterns)) == set(ROUTES)


@pytest.mark.parametrize("credentials", ["none", "token"])
@pytest.mark.parametrize("name,method", UNSUPPORTED)
def test_a_method_a_route_lacks_is_a_405_in_the_faces_body_at_no_query(
    client, operator, project_a, django_assert_num_queries, name, method, credentials
):
    face, arguments, methods = ROUTES[name]
    kwargs = {argument: project_a.pk if argument == PROJECT else ITEM for argument in arguments}
    headers = {"X-Auth-Token": issue_token(operator, project_a)[0]} if credentials == "token" else {}
    # No query: the method is refused before the token is looked up (or its absence
    # found), before the project, before anything else.
    with django_assert_num_queries(0):
        response = client.generic(method, reverse(name, kwargs=kwargs), headers=headers)
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == methods | {"OPTIONS"}
    if method == "HEAD":
        assert response.content == b""  # a HEAD answer has no body, by definition
    else:
        assert response.json() == error_of(face, method)
