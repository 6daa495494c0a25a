"""Who someone is: access keys and tokens for the APIs, sign-in throttling, and the
doors (channels) through which people act."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.tenancy.models import Project


class Channel(models.TextChoices):
    """Through which door a person (or the system) acted: what the audit records."""

    CONSOLE = "console", _("Console")
    TOKEN = "token", _("API token")
    ACCESS_KEY = "access_key", _("Access key")
    SESSION_API = "session_api", _("API with browser session")
    ADMIN = "admin", _("Django admin")
    RETENTION = "retention", _("Retention purge")


class AccessKey(models.Model):
    """An AK/SK pair for signed API calls (SDK-HMAC-SHA256).

    The secret key is never stored: it is derived from the installation's
    SECRET_KEY, the access key id and a random salt (console.identity.credentials), so a
    copy of the database alone cannot sign requests. Deleting the row revokes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys"
    )
    access_key = models.CharField(max_length=32, unique=True)
    salt = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "console_accesskey"  # created before the model moved here from console
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.access_key


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> "ApiTokenQuerySet":
        """Tokens that still authenticate: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A Keystone-style token scoped to one project; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "console_apitoken"  # created before the model moved here from console
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="token_user_newest")]

    def __str__(self) -> str:
        return f"token of {self.user} for {self.project} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """A failed sign-in at any door, kept briefly for throttling; an attempt whose
    password is being checked right now counts as one until it succeeds
    (console.identity.login_throttle reserves it first).

    In the database rather than a per-process cache, so every app server behind
    the load balancer counts the same failures.
    """

    username = models.CharField(max_length=150)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "console_loginfailure"  # created before the model moved here from console
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user"),
            models.Index(fields=["remote_addr", "at"], name="login_failure_addr"),
        ]


class KnownSignInAddress(models.Model):
    """An address a user name signed in from successfully, lately.

    The sign-in throttle's per-account backoff (console.identity.login_throttle) spares
    these, so a guesser elsewhere cannot hold the real user up where they work.
    """

    username = models.CharField(max_length=150)
    remote_addr = models.GenericIPAddressField()
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "console_knownsigninaddress"  # created before the model moved here from console
        constraints = [
            models.UniqueConstraint(fields=["username", "remote_addr"], name="known_address_once"),
        ]
