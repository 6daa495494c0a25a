from django.apps import AppConfig
from django.urls import register_converter


class TenancyConfig(AppConfig):
    """Where things live: regions, projects, roles in them, their resources."""

    name = "console.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from console.tenancy import converters

        # Before any URLconf is read: every app's routes may name a project or service.
        register_converter(converters.ProjectIdConverter, "project")
        register_converter(converters.ServiceConverter, "service")
