from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FailedTasksConfig(AppConfig):
    name = "failedtasks"
    verbose_name = "Failed tasks"

    def ready(self):
        from failedtasks.catalog import load_missing_error_codes

        # The catalog ships with the product: every database gets it on migrate.
        post_migrate.connect(load_missing_error_codes, sender=self)
