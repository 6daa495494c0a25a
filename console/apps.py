from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        from console import login_throttle, openapi  # noqa: F401  signal receiver; auth schemes
