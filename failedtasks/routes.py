"""Every URL of failed tasks, mounted at the site's root by console.urls."""

from django.urls import include, path

from failedtasks import audit_views, insights_views, views

urlpatterns = [
    # On each service page: the counter, the list (dialog or page), its deletions
    path("console/<project:project_id>/<service:service>/failed-tasks/", include("failedtasks.urls")),
    # Review: error codes, insights, the deletion audit trail
    path("error-codes/", views.error_codes, name="error-codes"),
    path("insights/", insights_views.insights, name="insights"),
    path("audit/", audit_views.audit_trail, name="audit"),
    path("audit/export.csv", audit_views.audit_export, name="audit-export"),
    path("audit/<int:deletion_id>/", audit_views.audit_detail, name="audit-detail"),
    # The console API, its schema and docs, and the cloud-compatible faces (SDRS, KPS)
    path("", include("failedtasks.api.urls")),
]
