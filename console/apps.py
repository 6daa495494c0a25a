from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        from console import openapi  # noqa: F401  registers the auth schemes of the schema
