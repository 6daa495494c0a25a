from django.urls import path

from failedtasks import views

# Mounted under console/<project_id>/<service>/failed-tasks/ by console.urls.
urlpatterns = [
    # The list (the dialog's content, and its full-page form without JavaScript)
    path("", views.failed_tasks, name="failed-tasks"),
]
