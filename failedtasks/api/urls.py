"""The cloud-compatible paths, exactly as the cloud's SDKs call them (no trailing slashes)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from failedtasks.api import console_api, kps, sdrs


class ApiSchema(SpectacularAPIView, console_api.ConsoleApiView):
    """The OpenAPI schema, for callers with any of the API's credentials (a token, a
    signature or the console session): like every page and API of the console, it
    describes this installation only to those who may use it. Errors answer in the
    console API's body."""

    def handle_exception(self, exc):
        # Errors in JSON, whatever format (YAML, say) the schema itself was asked in.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


@method_decorator(login_required, name="dispatch")
class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI, served locally, for people signed in to the console (anyone else is
    sent to the login page). It sets a few inline styles as it renders, so this page
    alone allows inline styles; scripts stay same-origin only."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'")
        return response

urlpatterns = [
    # The console API, its OpenAPI 3 schema and docs (assets served locally)
    path("api/v1/projects/<str:project_id>/failed-tasks", console_api.FailedTasks.as_view(),
         name="api-failed-tasks"),
    path("api/v1/projects/<str:project_id>/failed-tasks/delete-all", console_api.DeleteAll.as_view(),
         name="api-failed-tasks-delete-all"),
    path("api/v1/projects/<str:project_id>/failed-tasks/causes", console_api.Causes.as_view(),
         name="api-failed-task-causes"),
    path("api/v1/projects/<str:project_id>/failed-tasks/<str:task_id>",
         console_api.FailedTaskDetail.as_view(), name="api-failed-task"),
    path("api/schema/", ApiSchema.as_view(), name="api-schema"),
    path("api/docs/", ApiDocs.as_view(url_name="api-schema"), name="api-docs"),
    # SDRS: failed jobs of protection groups
    path("v1/<str:project_id>/task-center/failure-jobs", sdrs.FailureJobs.as_view(),
         name="sdrs-failure-jobs"),
    path("v1/<str:project_id>/task-center/failure-jobs/batch",
         sdrs.GroupLevelFailureJobsBatch.as_view(), name="sdrs-failure-jobs-batch"),
    path("v1/<str:project_id>/task-center/failure-jobs/<str:failure_job_id>",
         sdrs.FailureJob.as_view(), name="sdrs-failure-job"),
    path("v1/<str:project_id>/task-center/<str:server_group_id>/failure-jobs/batch",
         sdrs.ServerGroupFailureJobsBatch.as_view(), name="sdrs-server-group-failure-jobs-batch"),
    # KPS: failed key pair tasks
    path("v3/<str:project_id>/failed-tasks", kps.FailedTasks.as_view(), name="kps-failed-tasks"),
    path("v3/<str:project_id>/failed-tasks/<str:task_id>", kps.FailedTaskDetail.as_view(),
         name="kps-failed-task"),
]
