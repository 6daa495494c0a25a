"""URL converters: a path that names no project or service is a 404 before any view runs."""

from console.lib.ids import PROJECT_ID_PATTERN
from console.tenancy.cloud_services import Service


class ProjectIdConverter:
    regex = PROJECT_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ServiceConverter:
    regex = "|".join(Service.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
