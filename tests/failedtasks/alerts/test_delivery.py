"""Delivering alerts to a real HTTP receiver on loopback: signature, payload, retries
with backoff, de-duplication, the test delivery, and what is kept of the answer."""

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from failedtasks.alerts.models import (
    Alert,
    AlertState,
    DeliveryAttempt,
    DeliveryOutcome,
    FailureReason,
)
from failedtasks.alerts.services import send_test
from failedtasks.alerts.worker import MAX_ATTEMPTS, deliver_due
from tests.conftest import record
from tests.failedtasks.alerts.conftest import SECRET, make_rule

pytestmark = pytest.mark.django_db


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_an_alert_is_signed_and_says_what_failed(project_a, receiver, clock):
    rule = make_rule(project_a, receiver.url, service="ecs", error_code="Ecs.0013")
    task = record(project_a, "ecs", resource_name="web-01", resource_id="srv-1",
                  error_code="Ecs.0013", job_type="resizeServer")

    assert deliver_due(clock) == 1

    [request] = receiver.requests
    assert request.path == "/hooks/failed-tasks?team=ops"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Signature-256"] == expected_signature(request.body)
    payload = request.json
    alert = Alert.objects.get()
    assert request.headers["X-Alert-Id"] == str(alert.pk)
    assert payload["id"] == alert.pk and payload["type"] == "alert"
    assert payload["project"] == {"id": project_a.pk, "name": "cn-north-4", "region": "cn-north-4"}
    assert payload["service"] == "ecs"
    assert payload["rule"] == {
        "id": rule.pk, "service": "ecs", "error_code": "Ecs.0013", "threshold": 1,
        "window_minutes": 5, "url": f"https://console.example.com/alerts/{rule.pk}/",
    }
    assert payload["count"] == 1
    start, end = (datetime.fromisoformat(payload["window"][edge]) for edge in ("start", "end"))
    assert end - start == timedelta(minutes=5) and start.minute % 5 == 0 and start.second == 0
    assert (start, end) == (alert.window_start, alert.window_end)
    assert payload["tasks"] == [{
        "job_id": task.job_id, "service": "ecs", "resource_id": "srv-1",
        "resource_name": "web-01", "error_code": "Ecs.0013",
        "fail_time": task.failed_at.strftime("%Y-%m-%dT%H:%M:%S.") +
        f"{task.failed_at.microsecond // 1000:03d}Z",
        "link": f"https://console.example.com/console/{project_a.pk}/ecs/failed-tasks/"
                f"?tab=operation&q={task.job_id}",
    }]
    assert payload["link"] == (f"https://console.example.com/console/{project_a.pk}/ecs/"
                               f"failed-tasks/?tab=operation&q=Ecs.0013")
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.response_code, attempt.number) == ("delivered", 204, 1)
    alert.refresh_from_db()
    assert alert.state == AlertState.DELIVERED and alert.next_attempt_at is None


def readme_verifier():
    """The signature check the README gives receivers, run as written."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    snippet = re.search(r"```python\n(import hashlib, hmac\n.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(snippet, namespace)
    return namespace["is_from_the_console"]


def test_the_signature_verifies_as_the_readme_shows(project_a, receiver, clock):
    make_rule(project_a, receiver.url)
    record(project_a, "css")
    deliver_due(clock)
    [request] = receiver.requests

    verify = readme_verifier()
    assert verify(request.body, request.headers["X-Signature-256"], SECRET)
    tampered = request.body.replace(b'"count":1', b'"count":2')
    assert not verify(tampered, request.headers["X-Signature-256"], SECRET)
    assert not verify(request.body, request.headers["X-Signature-256"], "another secret")
    assert not verify(request.body, "", SECRET)


def test_a_rule_for_every_service_links_to_the_newest_failures_service(project_a, receiver,
                                                                      clock):
    make_rule(project_a, receiver.url, threshold=2)
    record(project_a, "ecs", error_code="Ecs.0013")
    record(project_a, "kps", error_code="KPS.0003", job_type="resetKeypair",
           failure_status="")
    deliver_due(clock)
    payload = receiver.requests[0].json
    assert payload["service"] is None and payload["rule"]["service"] is None
    assert [task["service"] for task in payload["tasks"]] == ["kps", "ecs"]
    # Two codes: the link narrows to the service of the newest failure, not to a code.
    assert payload["link"] == (
        f"https://console.example.com/console/{project_a.pk}/kps/failed-tasks/")


def test_without_a_base_url_links_are_null(project_a, receiver, clock, settings):
    settings.CONSOLE_BASE_URL = ""
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    deliver_due(clock)
    payload = receiver.requests[0].json
    assert payload["link"] is None and payload["rule"]["url"] is None
    assert payload["tasks"][0]["link"] is None


def test_many_failures_in_a_window_make_one_delivery(project_a, receiver, clock):
    make_rule(project_a, receiver.url, threshold=3)
    for _ in range(2):
        record(project_a, "ecs", error_code="Ecs.0013")
    assert deliver_due(clock) == 0  # below the threshold: nothing to send
    for _ in range(40):
        record(project_a, "ecs", error_code="Ecs.0013")

    assert deliver_due(clock) == 1
    assert deliver_due(clock) == 0
    assert len(receiver.requests) == 1
    payload = receiver.requests[0].json
    assert payload["count"] == 42
    assert len(payload["tasks"]) == 10  # samples, newest first
    assert payload["link"].endswith("q=Ecs.0013")  # every sample shares the code
    assert Alert.objects.get().failures == 42


def test_failed_deliveries_retry_with_exponential_backoff(project_a, receiver, clock):
    receiver.fail_first = 3
    make_rule(project_a, receiver.url)
    record(project_a, "kps")
    started = clock.now

    assert deliver_due(clock) == 1  # 1st: 503
    alert = Alert.objects.get()
    assert alert.state == AlertState.PENDING
    assert alert.next_attempt_at == started + timedelta(minutes=1)

    clock.advance(seconds=59)
    assert deliver_due(clock) == 0  # not due yet
    clock.advance(seconds=1)
    assert deliver_due(clock) == 1  # 2nd: 503, then 2 minutes
    clock.advance(minutes=2)
    assert deliver_due(clock) == 1  # 3rd: 503, then 4 minutes
    clock.advance(minutes=3)
    assert deliver_due(clock) == 0
    clock.advance(minutes=1)
    assert deliver_due(clock) == 1  # 4th: delivered

    attempts = list(DeliveryAttempt.objects.order_by("number"))
    assert [(a.number, a.outcome, a.response_code) for a in attempts] == [
        (1, "failed", 503), (2, "failed", 503), (3, "failed", 503), (4, "delivered", 204)]
    assert [a.next_attempt_at - a.started_at for a in attempts[:3]] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert attempts[3].next_attempt_at is None
    assert attempts[0].reason == FailureReason.STATUS
    # Every retry sends the very same signed bytes.
    assert len({request.body for request in receiver.requests}) == 1
    assert [r.headers["X-Alert-Attempt"] for r in receiver.requests] == ["1", "2", "3", "4"]
    alert.refresh_from_db()
    assert alert.state == AlertState.DELIVERED


def test_it_gives_up_after_six_tries(project_a, receiver, clock):
    receiver.fail_first = 100
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    for _ in range(10):
        deliver_due(clock)
        clock.advance(hours=1)
    assert len(receiver.requests) == MAX_ATTEMPTS == 6
    alert = Alert.objects.get()
    assert alert.state == AlertState.FAILED and alert.attempts == 6
    assert DeliveryAttempt.objects.filter(outcome=DeliveryOutcome.FAILED).count() == 6
    assert DeliveryAttempt.objects.get(number=6).next_attempt_at is None


def test_a_new_window_alerts_again(project_a, receiver, clock):
    make_rule(project_a, receiver.url, window_minutes=1)
    record(project_a, "ecs")
    deliver_due(clock)
    clock.advance(minutes=1)
    record(project_a, "ecs")
    deliver_due(clock)
    assert Alert.objects.count() == 2 and len(receiver.requests) == 2


def test_send_test_delivers_a_test_payload(project_a, receiver, clock):
    rule = make_rule(project_a, receiver.url, service="sdrs")
    record(project_a, "sdrs", error_code="EVS.2024")
    Alert.objects.all().delete()  # only the test is due
    send_test(rule)

    assert deliver_due(clock) == 1
    payload = receiver.requests[0].json
    assert payload["type"] == "test" and payload["count"] == 1
    assert payload["tasks"][0]["error_code"] == "EVS.2024"
    assert receiver.requests[0].headers["X-Signature-256"] == expected_signature(
        receiver.requests[0].body)
    assert DeliveryAttempt.objects.get().alert.is_test


def test_tests_do_not_use_up_a_window(project_a, receiver, clock):
    rule = make_rule(project_a, receiver.url)
    send_test(rule)
    send_test(rule)
    record(project_a, "ecs")
    assert deliver_due(clock) == 3


def test_a_redirect_is_not_followed(project_a, receiver, clock):
    receiver.status = 302
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    deliver_due(clock)
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.reason, attempt.response_code) == ("failed", "redirect", 302)
    assert "169.254.169.254" in attempt.detail
    assert len(receiver.requests) == 1


def test_only_a_short_excerpt_of_the_answer_is_kept(project_a, receiver, clock):
    receiver.status = 500
    receiver.answer = b"<script>alert(1)</script>\x00\x1b[31m" + b"x" * 100_000
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    deliver_due(clock)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.response_excerpt.startswith("<script>alert(1)</script>")
    assert len(attempt.response_excerpt) <= 300
    assert "\x00" not in attempt.response_excerpt and "\x1b" not in attempt.response_excerpt


def test_disabling_a_rule_cancels_its_waiting_delivery(project_a, receiver, clock):
    from failedtasks.alerts.services import set_enabled

    rule = make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    set_enabled(rule, False)
    record(project_a, "ecs")  # a disabled rule counts nothing
    assert deliver_due(clock) == 0
    assert Alert.objects.get().state == AlertState.CANCELLED
    assert receiver.requests == []


def test_a_deleted_rule_sends_nothing(project_a, receiver, clock):
    from failedtasks.alerts.services import delete_rule

    rule = make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    delete_rule(rule)
    assert deliver_due(clock) == 0 and receiver.requests == []


def test_a_secret_sealed_under_another_key_fails_without_sending(project_a, receiver, clock,
                                                                  settings):
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    settings.SECRET_KEY = "a-completely-different-secret-key-" + "x" * 20
    deliver_due(clock)
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.reason) == ("failed", FailureReason.SECRET)
    assert Alert.objects.get().state == AlertState.FAILED  # retrying cannot help
    assert receiver.requests == []


def test_the_burst_command_delivers_what_is_due_and_exits(project_a, receiver, capsys):
    make_rule(project_a, receiver.url)
    record(project_a, "ecs")
    call_command("alerts_worker", "--burst")
    assert len(receiver.requests) == 1
    assert "Attempted 1 alert deliveries." in capsys.readouterr().out
    call_command("alerts_worker", "--burst")
    assert len(receiver.requests) == 1


def test_a_failure_recorded_through_the_api_alerts(client, operator, project_a, receiver, clock):
    from console.identity.credentials import issue_token

    make_rule(project_a, receiver.url, service="kps")
    token, _ = issue_token(operator, project_a)
    response = client.post(
        f"/api/v1/projects/{project_a.pk}/failed-tasks",
        data=json.dumps({"service": "kps", "job_id": "kps-job-1", "error_code": "KPS.0003"}),
        content_type="application/json", headers={"X-Auth-Token": token},
    )
    assert response.status_code == 201, response.content
    assert deliver_due(clock) == 1
    assert receiver.requests[0].json["tasks"][0]["job_id"] == "kps-job-1"
