"""The delivery worker: claim a due alert, post it, log the attempt, schedule a retry.

The alerts table is the queue (see failedtasks.alerts.models.Alert). Claiming an alert
counts the attempt and pushes its next_attempt_at a lease ahead, in one short
transaction (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE transactions
serialize writers), so any number of workers, continuous or --burst, never
send one attempt twice; and a worker that dies mid-delivery only delays the
alert until its lease runs out. The HTTP call happens outside any transaction.

Failed deliveries retry after 1, 2, 4, 8 and 16 minutes: at most
MAX_ATTEMPTS tries in all, each logged as a DeliveryAttempt.

Time is a parameter (`now`, a callable) so tests can step through the
backoff without sleeping.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from failedtasks.alerts import payload, webhook
from failedtasks.alerts.models import (
    Alert,
    AlertState,
    DeliveryAttempt,
    DeliveryOutcome,
    FailureReason,
)
from failedtasks.alerts.secrets import UnreadableSecret, unseal

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)
# Longer than any one attempt can take (resolving, connecting and the answer
# are each bounded by the few-second timeout): until then the claim holds.
LEASE = timedelta(minutes=5)
# Windows that never reached their threshold are only counters: kept a day.
# Finished alerts and their delivery log: kept 90 days.
COUNTING_KEPT = timedelta(days=1)
LOG_KEPT = timedelta(days=90)

Clock = Callable[[], datetime]


def backoff(attempt: int) -> timedelta:
    """How long after failed attempt number `attempt` (1-based) the next one is due."""
    return RETRY_BASE * 2 ** (attempt - 1)


def claim(now: datetime) -> Alert | None:
    """The oldest due alert, now claimed by this worker for one attempt (or None)."""
    with transaction.atomic():
        alert = (
            Alert.objects.due(now)
            .select_related("rule__project")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "id")
            .first()
        )
        if alert is None:
            return None
        alert.attempts += 1
        Alert.objects.filter(pk=alert.pk).update(attempts=alert.attempts,
                                                 next_attempt_at=now + LEASE)
    return alert


def _body(alert: Alert, now: datetime) -> bytes:
    """The alert's JSON, built at its first attempt and kept for every retry."""
    if alert.body:
        return alert.body.encode("utf-8")
    body = payload.build(alert, now)
    if not Alert.objects.filter(pk=alert.pk, body="").update(body=body.decode("utf-8")):
        # Another worker built it first (this one's lease had run out): send theirs.
        stored = Alert.objects.filter(pk=alert.pk).values_list("body", flat=True).first()
        return (stored or body.decode("utf-8")).encode("utf-8")
    return body


def attempt(alert: Alert, now: Clock = timezone.now, post=None) -> DeliveryAttempt | None:
    """Deliver a claimed alert once and log it; None if its rule was deleted meanwhile."""
    started_at = now()
    body = _body(alert, started_at)
    try:
        secret = unseal(alert.rule.sealed_secret)
    except UnreadableSecret:
        result = webhook.Result(DeliveryOutcome.FAILED, 0, FailureReason.SECRET)
    else:
        result = (post or webhook.post)(alert.rule.target_url, body, {
            webhook.SIGNATURE_HEADER: webhook.signature(secret, body),
            "X-Alert-Id": str(alert.pk),
            "X-Alert-Attempt": str(alert.attempts),
        })
    return _log(alert.pk, alert.rule_id, alert.attempts, started_at, result, now())


def _log(alert_id: int, rule_id: int, number: int, started_at: datetime,
         result: webhook.Result, finished_at: datetime) -> DeliveryAttempt | None:
    with transaction.atomic():
        # Locked, so a rule deleted meanwhile either waits for this or is already gone.
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            return None
        retry_at = None
        if alert.state == AlertState.PENDING:  # not cancelled meanwhile
            if result.delivered:
                alert.state, alert.finished_at, alert.next_attempt_at = (
                    AlertState.DELIVERED, finished_at, None)
            elif number >= MAX_ATTEMPTS or result.reason == FailureReason.SECRET:
                alert.state, alert.finished_at, alert.next_attempt_at = (
                    AlertState.FAILED, finished_at, None)
            else:
                retry_at = alert.next_attempt_at = finished_at + backoff(number)
            alert.save(update_fields=["state", "finished_at", "next_attempt_at"])
        return DeliveryAttempt.objects.create(
            rule_id=rule_id, alert=alert, number=number, started_at=started_at,
            duration_ms=result.duration_ms, outcome=result.outcome, reason=result.reason,
            response_code=result.response_code, detail=result.detail,
            response_excerpt=result.response_excerpt, next_attempt_at=retry_at,
        )


def deliver_due(now: Clock = timezone.now, limit: int | None = None, post=None) -> int:
    """Attempt every alert due now (at most `limit`), one after another; how many."""
    done = 0
    while limit is None or done < limit:
        alert = claim(now())
        if alert is None:
            break
        try:
            logged = attempt(alert, now, post)
        except Exception:
            # A bug, or the database going away mid-attempt: the claim's lease
            # brings the alert back later; the worker carries on with the rest.
            logger.exception("Delivering alert %s failed", alert.pk)
            continue
        done += 1
        if logged is not None:
            logger.info("Alert %s attempt %s to rule %s: %s %s", alert.pk, logged.number,
                        alert.rule_id, logged.outcome, logged.response_code or logged.reason)
    return done


def prune(now: datetime) -> int:
    """Forget windows that ended a day ago without reaching their threshold, and
    alerts finished more than LOG_KEPT ago with their delivery log; how many alerts.

    Raw, set-based DELETEs: Django's cascade would load every row first.
    """
    quote = connection.ops.quote_name
    alerts, attempts = quote(Alert._meta.db_table), quote(DeliveryAttempt._meta.db_table)
    moment = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {alerts} WHERE state = %s AND window_end < %s",
                       [AlertState.COUNTING, moment(now - COUNTING_KEPT)])
        unfired = cursor.rowcount
        finished = [moment(now - LOG_KEPT)]
        cursor.execute(f"DELETE FROM {attempts} WHERE alert_id IN "
                       f"(SELECT id FROM {alerts} WHERE finished_at < %s)", finished)
        cursor.execute(f"DELETE FROM {alerts} WHERE finished_at < %s", finished)
        return unfired + cursor.rowcount


def run(stop: threading.Event, interval: float, now: Clock = timezone.now) -> None:
    """Deliver until `stop` is set, looking for due alerts every `interval` seconds when idle."""
    next_prune = now()
    while not stop.is_set():
        busy = False
        try:
            busy = deliver_due(now, limit=50) > 0
            if now() >= next_prune:
                prune(now())
                next_prune = now() + timedelta(minutes=10)
        except DatabaseError:
            # The database is away (restart, failover): say so, wait, try again.
            logger.exception("Alerts worker: database unavailable; retrying")
            stop.wait(max(interval, 5))
        finally:
            close_old_connections()
        if not busy:
            stop.wait(interval)
