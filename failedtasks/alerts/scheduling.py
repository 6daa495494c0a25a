"""Counting recorded failures into the alert rules' windows: at most one alert per rule and window.

This runs inside every recording of a failure (failedtasks.services sends
failure_recorded in its transaction), so it has a budget: one statement,
whether the project has no rule (an indexed look-up of its rules that finds
none and inserts nothing), one or fifty, however many failures arrive.

Windows are fixed M-minute intervals (aligned to the Unix epoch) of the time
the console records the failure, not of the failure time its reporter
claims: a batch of old failures reported late counts once, now, instead of
reopening windows long past.

The one statement is INSERT ... SELECT from the project's matching enabled
rules, an upsert on the unique (rule, window_start): the first failure of a
window inserts its row, every later one adds one to it, and the failure that
brings it to the rule's threshold marks it due. Each increment
runs under the row's lock (and the project's revision lock the recording
already holds), so exactly one recording sees the count cross the threshold,
on PostgreSQL and SQLite alike, with any number of app servers; 10,000
failures in a window make one alert. The worker (failedtasks.alerts.worker) delivers it.
"""

import functools
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

from console.lib.prepared import prepared_cursor
from failedtasks.alerts.models import Alert, AlertRule, AlertState
from failedtasks.models import ProjectRevision

clock = timezone.now  # when failures are counted and alerts queued; tests pin it


def _timestamp(seconds_sql: str) -> str:
    """SQL turning Unix seconds into a timestamp stored as the ORM stores one."""
    if connection.vendor == "postgresql":
        return f"to_timestamp({seconds_sql})"
    return f"datetime({seconds_sql}, 'unixepoch')"  # SQLite: UTC text, as Django writes it


def window_of(moment: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The window containing `moment`, as the statement below computes it (for readers and tests)."""
    length = minutes * 60
    start = int(moment.timestamp()) // length * length
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + length, UTC)


def count_recorded_failure(sender=None, *, task, newly_failed: bool, now=None, **_kwargs) -> None:
    """Receiver of failedtasks.signals.failure_recorded: count `task` into its rules' windows."""
    if not newly_failed:
        return  # a running task, or the same failure reported again
    now = now or clock()
    with prepared_cursor() as cursor:
        cursor.execute(_counting_sql(connection.vendor), {
            "seconds": int(now.timestamp()),
            "now": connection.ops.adapt_datetimefield_value(now),  # as the ORM stores it
            "pending": AlertState.PENDING, "counting": AlertState.COUNTING,
            "project": task.project_id, "service": task.service, "error_code": task.error_code,
        })


@functools.cache
def _counting_sql(vendor: str) -> str:
    """The one statement, written once per database: every recording runs it."""
    alerts = connection.ops.quote_name(Alert._meta.db_table)
    # The revision the recording took: the project's row, which it holds until it commits.
    revision = (f"(SELECT revision FROM {connection.ops.quote_name(ProjectRevision._meta.db_table)} "
                "WHERE project_id = %(project)s)")
    rules = connection.ops.quote_name(AlertRule._meta.db_table)
    window = "r.window_minutes * 60"
    start = _timestamp(f"%(seconds)s - %(seconds)s %% ({window})")
    end = _timestamp(f"%(seconds)s - %(seconds)s %% ({window}) + {window}")
    due = "r.threshold <= 1"
    # In DO UPDATE the row's own columns are its values before this increment
    # (both databases evaluate every SET expression against the old row).
    crossing = f"{alerts}.state = %(counting)s AND {alerts}.failures + 1 >= {alerts}.threshold"
    return (
        f"INSERT INTO {alerts} (rule_id, window_start, window_end, threshold, failures, "
        f"first_revision, last_revision, attempts, state, next_attempt_at, fired_at, "
        f"created_at, body) "
        f"SELECT r.id, {start}, {end}, r.threshold, 1, {revision}, {revision}, 0, "
        f"CASE WHEN {due} THEN %(pending)s ELSE %(counting)s END, "
        f"CASE WHEN {due} THEN %(now)s END, CASE WHEN {due} THEN %(now)s END, %(now)s, '' "
        f"FROM {rules} r WHERE r.project_id = %(project)s AND r.enabled "
        f"AND (r.service = '' OR r.service = %(service)s) "
        f"AND (r.error_code = '' OR r.error_code = %(error_code)s) "
        f"ON CONFLICT (rule_id, window_start) DO UPDATE SET "
        f"failures = {alerts}.failures + 1, "
        f"last_revision = excluded.last_revision, "
        f"state = CASE WHEN {crossing} THEN %(pending)s ELSE {alerts}.state END, "
        f"next_attempt_at = CASE WHEN {crossing} THEN excluded.created_at "
        f"ELSE {alerts}.next_attempt_at END, "
        f"fired_at = CASE WHEN {crossing} THEN excluded.created_at ELSE {alerts}.fired_at END"
    )
