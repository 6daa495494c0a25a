from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        import console.database_timeouts  # noqa: F401  connection_created receiver
        from console import openapi  # noqa: F401  registers the auth schemes of the schema
