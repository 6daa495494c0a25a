"""Counting recorded failures into the alert rules' windows: at most one alert per rule and window.

This runs inside every recording of a failure (failedtasks.services sends
failure_recorded in its transaction), so it has a budget: one indexed query
when no enabled rule of the project matches, and one statement more when some
do, however many rules and however many failures arrive.

Windows are fixed M-minute intervals (aligned to the Unix epoch) of the time
the console records the failure, not of the failure time its reporter
claims: a batch of old failures reported late counts once, now, instead of
reopening windows long past.

The one statement is an upsert on the unique (rule, window_start): the first
failure of a window inserts its row, every later one adds one to it, and the
failure that brings it to the rule's threshold marks it due. Each increment
runs under the row's lock (and the project's revision lock the recording
already holds), so exactly one recording sees the count cross the threshold,
on PostgreSQL and SQLite alike, with any number of app servers; 10,000
failures in a window make one alert. The worker (alerts.worker) delivers it.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from alerts.models import Alert, AlertRule, AlertState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
clock = timezone.now  # when failures are counted and alerts queued; tests pin it


def window_of(moment: datetime, minutes: int) -> tuple[datetime, datetime]:
    length = timedelta(minutes=minutes)
    start = EPOCH + ((moment - EPOCH) // length) * length
    return start, start + length


def count_recorded_failure(sender=None, *, task, newly_failed: bool, now=None, **_kwargs) -> None:
    """Receiver of failedtasks.signals.failure_recorded: count `task` into its rules' windows."""
    if not newly_failed:
        return  # a running task, or the same failure reported again
    rules = list(
        AlertRule.objects.filter(project_id=task.project_id, enabled=True)
        .filter(Q(service="") | Q(service=task.service))
        .filter(Q(error_code="") | Q(error_code=task.error_code))
        .values_list("pk", "threshold", "window_minutes")
    )
    if rules:
        _count(rules, task.revision, now or clock())


def _count(rules: list[tuple[int, int, int]], revision: int, now: datetime) -> None:
    table = connection.ops.quote_name(Alert._meta.db_table)
    moment = connection.ops.adapt_datetimefield_value  # as the ORM stores it (SQLite: UTC text)
    rows, params = [], []
    for rule_id, threshold, minutes in rules:
        start, end = (moment(edge) for edge in window_of(now, minutes))
        due = threshold <= 1
        rows.append("(%s, %s, %s, %s, 1, %s, %s, 0, %s, %s, %s, %s, '')")
        params += [rule_id, start, end, threshold, revision, revision,
                   AlertState.PENDING if due else AlertState.COUNTING,
                   moment(now) if due else None, moment(now) if due else None, moment(now)]
    # The CASEs read the row as it was before this increment (both databases
    # evaluate every SET expression against the old row).
    crossing = (f"{table}.state = %s AND {table}.failures + 1 >= {table}.threshold")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (rule_id, window_start, window_end, threshold, failures, "
            f"first_revision, last_revision, attempts, state, next_attempt_at, fired_at, created_at, "
            f"body) "
            f"VALUES {', '.join(rows)} "
            f"ON CONFLICT (rule_id, window_start) DO UPDATE SET "
            f"failures = {table}.failures + 1, "
            f"last_revision = excluded.last_revision, "
            f"state = CASE WHEN {crossing} THEN %s ELSE {table}.state END, "
            f"next_attempt_at = CASE WHEN {crossing} THEN excluded.created_at "
            f"ELSE {table}.next_attempt_at END, "
            f"fired_at = CASE WHEN {crossing} THEN excluded.created_at ELSE {table}.fired_at END",
            [*params, AlertState.COUNTING, AlertState.PENDING, AlertState.COUNTING,
             AlertState.COUNTING],
        )
