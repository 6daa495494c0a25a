from django.urls import path

from console.tenancy import views

# The converters "project" and "service" are registered by TenancyConfig.ready().
urlpatterns = [
    # The console shell: landing, project switch, one page per service
    path("", views.home, name="home"),
    path("console/switch/", views.switch_project, name="switch-project"),
    path("console/<project:project_id>/<service:service>/", views.service_page, name="service"),
]
