from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from console import converters, credentials_views, keystone, views
from console.forms import ThrottledAuthenticationForm
from failedtasks import audit_views, insights_views
from failedtasks import views as failedtasks_views
from failedtasks.views import confirm_then_act

register_converter(converters.ProjectIdConverter, "project")
register_converter(converters.ServiceConverter, "service")

urlpatterns = [
    # Sign-in and language
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The console shell
    path("", views.home, name="home"),
    # My Credentials
    path("console/credentials/", credentials_views.credentials, name="credentials"),
    path(
        "console/credentials/access-keys/create/",
        credentials_views.create_key,
        name="access-key-create",
    ),
    # Delete an access key: GET shows the confirmation, POST deletes
    path(
        "console/credentials/access-keys/<int:key_id>/delete/",
        confirm_then_act(credentials_views.confirm_delete_key, credentials_views.delete_key),
        name="access-key-delete",
    ),
    path(
        "console/credentials/tokens/<int:token_id>/revoke/",
        credentials_views.revoke_token,
        name="api-token-revoke",
    ),
    # The console shell: project switch, service pages; their failed tasks (counter, dialog)
    path("console/switch/", views.switch_project, name="switch-project"),
    path("console/<project:project_id>/<service:service>/", views.service_page, name="service"),
    path("console/<project:project_id>/<service:service>/failed-tasks/", include("failedtasks.urls")),
    path("error-codes/", failedtasks_views.error_codes, name="error-codes"),
    path("insights/", insights_views.insights, name="insights"),
    # Keystone v3: tokens and project look-up
    path("v3/auth/tokens", keystone.Tokens.as_view(), name="keystone-tokens"),
    path("v3/projects", keystone.Projects.as_view(), name="keystone-projects"),
    # The cloud-compatible faces (SDRS, KPS)
    path("", include("failedtasks.api.urls")),
    # Review: the deletion audit trail
    path("audit/", audit_views.audit_trail, name="audit"),
    path("audit/export.csv", audit_views.audit_export, name="audit-export"),
    path("audit/<int:deletion_id>/", audit_views.audit_detail, name="audit-detail"),
    # Review: alert rules and their webhooks
    path("alerts/", include("alerts.urls")),
    # Installation administration
    path("admin/", admin.site.urls),
]

handler400 = "console.errors.bad_request"
handler403 = "console.errors.permission_denied"
handler404 = "console.errors.page_not_found"
handler500 = "console.errors.server_error"
