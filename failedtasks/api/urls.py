"""The cloud-compatible paths, exactly as the cloud's SDKs call them (no trailing slashes)."""

from django.conf import settings
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from failedtasks.api import console_api, kps, sdrs


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI, served locally. It sets a few inline styles as it renders, so this
    page alone allows inline styles; scripts stay same-origin only."""

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
    path("api/v1/projects/<str:project_id>/failed-tasks/<int:task_id>",
         console_api.FailedTaskDetail.as_view(), name="api-failed-task"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
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
