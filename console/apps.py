from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The site: settings, root URLs, middleware, error pages, health, database timeouts."""

    name = "console"
    verbose_name = "Console"

    def ready(self):
        import console.database_timeouts  # noqa: F401  connection_created receiver
