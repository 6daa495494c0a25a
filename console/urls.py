from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from console import converters, keystone, views
from failedtasks import views as failedtasks_views

register_converter(converters.ProjectIdConverter, "project")
register_converter(converters.ServiceConverter, "service")

urlpatterns = [
    # Sign-in and language
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The console shell
    path("", views.home, name="home"),
    path("console/switch/", views.switch_project, name="switch-project"),
    path("console/<project:project_id>/<service:service>/", views.service_page, name="service"),
    path(
        "console/<project:project_id>/<service:service>/failed-tasks/counter/",
        views.counter,
        name="failed-task-counter",
    ),
    path("console/<project:project_id>/<service:service>/failed-tasks/", include("failedtasks.urls")),
    path("error-codes/", failedtasks_views.error_codes, name="error-codes"),
    # Keystone v3: tokens and project look-up
    path("v3/auth/tokens", keystone.Tokens.as_view(), name="keystone-tokens"),
    path("v3/projects", keystone.Projects.as_view(), name="keystone-projects"),
    # The cloud-compatible faces (SDRS, KPS)
    path("", include("failedtasks.api.urls")),
    # Installation administration
    path("admin/", admin.site.urls),
]

handler400 = "console.errors.bad_request"
handler403 = "console.errors.permission_denied"
handler404 = "console.errors.page_not_found"
handler500 = "console.errors.server_error"
