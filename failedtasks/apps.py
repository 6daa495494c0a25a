from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FailedTasksConfig(AppConfig):
    name = "failedtasks"
    verbose_name = "Failed tasks"

    def ready(self):
        from failedtasks.catalog import load_missing_error_codes
        from failedtasks.search_index import restore_after_migrate

        # The catalog ships with the product: every database gets it on migrate.
        post_migrate.connect(load_missing_error_codes, sender=self)
        # A migration may have copied the task table and dropped SQLite's search triggers.
        post_migrate.connect(restore_after_migrate, sender=self)
