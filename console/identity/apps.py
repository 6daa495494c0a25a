from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Who someone is: sign-in, credentials, tokens and signatures."""

    name = "console.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self):
        from console.identity import openapi  # noqa: F401  registers the schema's auth schemes
