"""Health endpoints for load balancers and orchestrators.

GET /healthz: 200 while the process serves requests. It touches no database, so a
database outage never makes a balancer restart healthy app servers.
GET /readyz: 200 when the database answers and every migration is applied, else 503:
a balancer sends traffic only to servers that can serve it (during a deployment,
not before `migrate` has run).

The first middleware answers both, before host validation, the HTTPS redirect,
sessions or CSRF: a probe from the balancer's own address, over plain HTTP and with
whatever Host header it sends, gets the answer and leaves no cookie.
"""

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from console.lib.outage import answered

HEALTH_PATHS = ("/healthz", "/readyz")


def pending_migrations() -> int:
    """How many migrations the database still lacks (two small queries)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def readiness(request) -> JsonResponse:
    try:
        pending = pending_migrations()
    except DatabaseError as error:  # unreachable, locked or timed out
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        return answered(request, error, response, level=logging.WARNING)
    if pending:
        return JsonResponse({"status": "unavailable", "database": "migrations pending",
                             "pending_migrations": pending}, status=503)
    return JsonResponse({"status": "ready"})


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"status": "method not allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
        elif request.path_info == "/healthz":
            response = JsonResponse({"status": "ok"})
        else:
            response = readiness(request)
        # A probe's answer is about this moment and this server: never cache it.
        response["Cache-Control"] = "no-store"
        return response
