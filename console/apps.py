from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        import console.database_timeouts  # noqa: F401  connection_created receiver
        from console import login_throttle, openapi  # noqa: F401  signal receiver; auth schemes
