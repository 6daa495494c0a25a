"""The site's URLs: each app mounts its own; the site only says where."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Sign-in, My Credentials, Keystone (tokens and project look-up)
    path("", include("console.identity.urls")),
    # The console shell: landing, project switch, service pages
    path("", include("console.tenancy.urls")),
    # Failed tasks: the service pages' counter and dialog, error codes, insights, audit,
    # the console API and the cloud-compatible faces (SDRS, KPS)
    path("", include("failedtasks.routes")),
    # Alert rules and their webhooks
    path("alerts/", include("failedtasks.alerts.urls")),
    # Installation administration
    path("admin/", admin.site.urls),
]

handler400 = "console.lib.errors.bad_request"
handler403 = "console.lib.errors.permission_denied"
handler404 = "console.lib.errors.page_not_found"
handler500 = "console.lib.errors.server_error"
