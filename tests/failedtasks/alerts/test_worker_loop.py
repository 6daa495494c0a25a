"""The continuous worker: delivers as alerts fall due, survives the database going
away, prunes old windows, and stops when asked."""

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError

from failedtasks.alerts import worker
from failedtasks.alerts.models import Alert, AlertState, DeliveryAttempt
from tests.conftest import record
from tests.failedtasks.alerts.conftest import make_rule

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections, as it must
def test_it_delivers_until_stopped(project_a, receiver, clock, monkeypatch):
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    stop = threading.Event()
    real_post = worker.webhook.post

    def post_then_stop(*args, **kwargs):
        result = real_post(*args, **kwargs)
        stop.set()  # one delivery is enough to see the loop work
        return result

    monkeypatch.setattr(worker.webhook, "post", post_then_stop)
    worker.run(stop, interval=0.1, now=clock)
    assert len(receiver.requests) == 1
    assert Alert.objects.get().state == AlertState.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_waited_out(monkeypatch, clock):
    stop, calls = threading.Event(), []

    def flaky(now, limit=None):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        stop.set()
        return 0

    monkeypatch.setattr(worker, "deliver_due", flaky)
    monkeypatch.setattr(stop, "wait", lambda seconds: None)  # no real waiting
    worker.run(stop, interval=1, now=clock)
    assert len(calls) == 2


def test_a_crashed_attempt_comes_back_after_its_lease(project_a, receiver, clock):
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    claimed = worker.claim(clock())  # a worker claims it, then dies
    assert claimed.attempts == 1
    assert worker.deliver_due(clock) == 0  # held by the lease
    clock.advance(minutes=5)
    assert worker.deliver_due(clock) == 1
    assert DeliveryAttempt.objects.get().number == 2  # the lost try still counts
    assert len(receiver.requests) == 1


def test_two_workers_never_claim_the_same_alert(project_a, allow_loopback, clock):
    make_rule(project_a)
    record(project_a, "ecs")
    assert worker.claim(clock()) is not None
    assert worker.claim(clock()) is None


def test_prune_forgets_stale_windows_and_old_logs(project_a, allow_loopback, clock):
    make_rule(project_a, threshold=100, window_minutes=5)
    record(project_a, "ecs")  # a window that never reaches its threshold
    old = Alert.objects.create(rule=Alert.objects.get().rule, threshold=1, failures=1,
                               state=AlertState.DELIVERED,
                               finished_at=clock.now - timedelta(days=89))
    DeliveryAttempt.objects.create(rule=old.rule, alert=old, number=1, started_at=old.finished_at,
                                   duration_ms=5, outcome="delivered")
    assert worker.prune(clock.now) == 0
    assert worker.prune(clock.now + timedelta(days=2)) == 2
    assert not Alert.objects.exists() and not DeliveryAttempt.objects.exists()
