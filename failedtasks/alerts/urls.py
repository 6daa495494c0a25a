from django.urls import path

from console.lib.views import confirm_then_act
from failedtasks.alerts import views

# Mounted under alerts/ by console.urls.
urlpatterns = [
    # The rules and the Create rule form
    path("", views.rules, name="alert-rules"),
    path("create/", views.create, name="alert-rule-create"),
    # One rule: its page and delivery log, and its verbs
    path("<int:rule_id>/", views.rule, name="alert-rule"),
    path("<int:rule_id>/enable/", views.enable, name="alert-rule-enable"),
    path("<int:rule_id>/disable/", views.disable, name="alert-rule-disable"),
    path("<int:rule_id>/test/", views.test, name="alert-rule-test"),
    # Delete: GET shows the confirmation, POST deletes
    path(
        "<int:rule_id>/delete/",
        confirm_then_act(views.confirm_delete, views.delete),
        name="alert-rule-delete",
    ),
]
