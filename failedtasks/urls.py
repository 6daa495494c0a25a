from django.urls import path

from failedtasks import counter_views, export_views, new_failures_views, views

# Mounted under console/<project_id>/<service>/failed-tasks/ by failedtasks.routes.
urlpatterns = [
    # The counter beside the service page's actions, and its poll
    path("counter/", counter_views.counter, name="failed-task-counter"),
    # The list: the dialog's content, and a full page without JavaScript
    path("", views.failed_tasks, name="failed-tasks"),
    # The list as CSV: every page of it, in its tab, search and period
    path("export.csv", export_views.export, name="failed-tasks-export"),
    # How many failures arrived since the list was shown: the open list's poll
    path("new-count/", new_failures_views.new_count, name="failed-tasks-new-count"),
    # Delete one: GET shows the confirmation, POST deletes
    path(
        "<int:task_id>/delete/",
        views.confirm_then_act(views.confirm_delete, views.delete),
        name="failed-task-delete",
    ),
    # Delete all the list shows: GET confirms (with a watermark), POST deletes up to it
    path(
        "delete-all/",
        views.confirm_then_act(views.confirm_delete_all, views.delete_all),
        name="failed-tasks-delete-all",
    ),
    # Undo a recent deletion from its audit snapshot
    path("undo/<int:deletion_id>/", views.undo, name="failed-task-undo"),
]
