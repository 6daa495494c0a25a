"""Alert rules, the alerts they raise (one per rule and window) and every delivery attempt.

An Alert row is three things at once, which is why there is no separate queue:
the failure counter of one rule in one time window, the guarantee that the
window alerts at most once (unique on rule and window start), and the queue
entry the worker claims, retries and finishes.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from console.tenancy.cloud_services import Service
from console.tenancy.models import Project

MAX_THRESHOLD = 100_000
MAX_WINDOW_MINUTES = 24 * 60


class AlertRule(models.Model):
    """When a project's failures should call a webhook: N failures within M minutes."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alert_rules")
    service = models.CharField(
        max_length=8, choices=Service.choices, blank=True, help_text="Empty: every service."
    )
    error_code = models.CharField(max_length=64, blank=True, help_text="Empty: any error code.")
    threshold = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_THRESHOLD)]
    )
    window_minutes = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_MINUTES)]
    )
    target_url = models.CharField(max_length=2000)
    # Encrypted with a key derived from SECRET_KEY (failedtasks.alerts.secrets): it must be
    # recoverable to sign, and a copy of the database alone must not reveal it.
    sealed_secret = models.TextField()
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service="") | Q(service__in=Service.values),
                name="alert_rule_service_known",
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=1, threshold__lte=MAX_THRESHOLD),
                name="alert_rule_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(window_minutes__gte=1, window_minutes__lte=MAX_WINDOW_MINUTES),
                name="alert_rule_window_range",
            ),
        ]

    def __str__(self) -> str:
        return f"alert rule {self.pk} of {self.project_id}"

    @property
    def threshold_text(self) -> str:
        """"3 failures within 5 minutes", in the reader's language."""
        failures = ngettext("%(count)d failure", "%(count)d failures", self.threshold)
        minutes = ngettext("%(count)d minute", "%(count)d minutes", self.window_minutes)
        return gettext("%(failures)s within %(minutes)s") % {
            "failures": failures % {"count": self.threshold},
            "minutes": minutes % {"count": self.window_minutes},
        }


class AlertState(models.TextChoices):
    COUNTING = "counting", _("Below threshold")
    PENDING = "pending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")
    CANCELLED = "cancelled", _("Cancelled")


class AlertQuerySet(models.QuerySet):
    def due(self, now) -> "AlertQuerySet":
        return self.filter(state=AlertState.PENDING, next_attempt_at__lte=now)


class Alert(models.Model):
    """One rule's failures in one window and, once they reach the threshold, its delivery.

    A test delivery ("Send test") has no window (NULL start): NULLs never
    collide in the unique constraint, so tests never suppress real alerts.
    """

    # No index of its own: the unique constraint below starts with the rule.
    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, related_name="alerts", db_index=False
    )
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    threshold = models.PositiveIntegerField(help_text="The rule's, when the window opened.")
    failures = models.PositiveIntegerField(default=0, help_text="Failures counted in the window.")
    # The project revisions (failedtasks.ProjectRevision) of the window's first and
    # latest failure: the payload's sample tasks are the ones recorded in between,
    # whatever failure times their reporters' clocks gave them.
    first_revision = models.BigIntegerField(null=True, blank=True)
    last_revision = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=AlertState.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    fired_at = models.DateTimeField(null=True, blank=True, help_text="When it became due.")
    finished_at = models.DateTimeField(null=True, blank=True)
    # The JSON sent, fixed at the first attempt so every retry sends the same signed bytes.
    body = models.TextField(blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "window_start"], name="one_alert_per_window"),
            models.CheckConstraint(
                condition=Q(state__in=AlertState.values), name="alert_state_known"
            ),
        ]
        indexes = [
            # What the worker claims: due deliveries, oldest first.
            models.Index(
                fields=["next_attempt_at"], condition=Q(state=AlertState.PENDING),
                name="alert_due",
            ),
            # Windows that never reached their threshold, pruned once they are over.
            models.Index(
                fields=["window_end"], condition=Q(state=AlertState.COUNTING),
                name="alert_counting_end",
            ),
            # Finished alerts, pruned with their log after a while.
            models.Index(
                fields=["finished_at"], condition=Q(finished_at__isnull=False),
                name="alert_finished",
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} of rule {self.rule_id}"

    @property
    def is_test(self) -> bool:
        return self.window_start is None


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class FailureReason(models.TextChoices):
    """Why an attempt did not deliver, in words the rule's page can translate."""

    STATUS = "status", _("The target answered with an error status.")
    REDIRECT = "redirect", _("The target answered with a redirect; webhooks do not follow redirects.")
    TIMEOUT = "timeout", _("The target did not answer in time.")
    CONNECTION = "connection", _("Could not connect to the target.")
    DNS = "dns", _("The target's host name could not be resolved.")
    ADDRESS = "address", _(
        "The target's address is not public and not listed in ALERT_WEBHOOK_ALLOWED_HOSTS."
    )
    URL = "url", _("The target URL is not allowed.")
    TLS = "tls", _("The secure connection failed (TLS handshake or certificate).")
    PROTOCOL = "protocol", _("The target's answer was not valid HTTP.")
    SECRET = "secret", _(
        "The secret can no longer be read (SECRET_KEY changed). Delete the rule and create it again."
    )


class DeliveryAttempt(models.Model):
    """One try at delivering an alert: what happened, how long it took, what came back."""

    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=DeliveryOutcome.choices)
    reason = models.CharField(max_length=12, choices=FailureReason.choices, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Technical detail (an address, an exception) and the start of the target's
    # answer: short, truncated, and always rendered as text.
    detail = models.CharField(max_length=255, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The rule's delivery log, newest first.
            models.Index(fields=["rule", "-started_at", "-id"], name="delivery_rule_newest"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of alert {self.alert_id}: {self.outcome}"
