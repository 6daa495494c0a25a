"""Several app servers recording at once still make one alert per rule and window."""

import threading

import pytest
from django.db import connections

from failedtasks.alerts.models import Alert, AlertState
from failedtasks.services import record_failure
from tests.failedtasks.alerts.conftest import make_rule

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_recorders_cross_the_threshold_exactly_once(project_a, allow_loopback):
    make_rule(project_a, threshold=25, window_minutes=60)
    every = make_rule(project_a, window_minutes=60)
    errors, start = [], threading.Barrier(4)

    def server(name):
        try:
            start.wait(timeout=60)
            for n in range(20):
                record_failure(project_a, service="ecs", job_id=f"{name}-{n}",
                               job_type="resizeServer")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=server, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []

    alerts = list(Alert.objects.order_by("rule_id"))
    assert [(a.failures, a.state) for a in alerts] == [
        (80, AlertState.PENDING), (80, AlertState.PENDING)]
    assert alerts[1].rule_id == every.pk
