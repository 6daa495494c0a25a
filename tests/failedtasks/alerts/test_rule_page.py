"""A rule's page: its facts, its verbs and the log of every delivery attempt."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from failedtasks.alerts.models import Alert, AlertState, DeliveryAttempt
from failedtasks.alerts.services import send_test
from tests.failedtasks.alerts.conftest import make_rule

pytestmark = pytest.mark.django_db


def log_attempts(rule, count, **fields):
    alert = Alert.objects.create(rule=rule, threshold=1, failures=7, state=AlertState.FAILED,
                                 window_start=timezone.now(),
                                 window_end=timezone.now() + timedelta(minutes=5))
    fields.setdefault("outcome", "failed")
    fields.setdefault("reason", "status")
    fields.setdefault("response_code", 503)
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(rule=rule, alert=alert, number=n % 6 + 1, duration_ms=42 + n,
                        started_at=timezone.now() - timedelta(minutes=n), **fields)
        for n in range(count)
    )


@pytest.fixture
def rule(project_a, allow_loopback):
    return make_rule(project_a, "http://127.0.0.1:9/hook", service="css", error_code="CSS.6000",
                     threshold=5, window_minutes=15)


def url(rule):
    return reverse("alert-rule", args=[rule.pk])


def test_it_shows_the_rule_and_its_log(login, project_admin, rule):
    log_attempts(rule, 2, response_excerpt="<script>alert('x')</script> busy",
                 detail="<img src=x onerror=alert(1)>")
    response = login(project_admin).get(url(rule))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Alert rule #{rule.pk}" in html
    assert "Cloud Search Service" in html and "CSS.6000" in html
    assert "5 failures within 15 minutes" in html
    assert "http://127.0.0.1:9/hook" in html
    assert "Delivery log" in html and "<code>503</code>" in html and "42 ms" in html
    assert "1 of 6" in html and "2 of 6" in html and "7 failures" in html
    assert "The target answered with an error status." in html
    # The target's answer, and any detail, are text.
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; busy" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ">Send test" in html and ">Disable" in html and ">Delete" in html


def test_no_deliveries_yet_says_so(login, project_admin, rule):
    html = login(project_admin).get(url(rule)).content.decode()
    assert "No deliveries yet." in html
    assert "hx-trigger" not in html  # nothing waiting, nothing to poll for


def test_a_waiting_delivery_polls_for_the_log(login, project_admin, rule):
    send_test(rule)
    html = login(project_admin).get(url(rule)).content.decode()
    assert "1 delivery not finished yet" in html
    assert 'hx-trigger="every 3s"' in html and f'hx-get="{url(rule)}"' in html
    # Without JavaScript the same words come with a link to reload.
    assert f'<a href="{url(rule)}" class="no-js-only">Refresh</a>' in html


def test_with_htmx_only_the_log_comes_back(login, project_admin, rule):
    send_test(rule)
    response = login(project_admin).get(url(rule), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<section class="panel" id="deliveries"')
    Alert.objects.update(state=AlertState.DELIVERED)
    html = login(project_admin).get(url(rule), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html  # delivered: the poll stops itself


def test_the_log_pages(login, project_admin, rule):
    log_attempts(rule, 30)
    client = login(project_admin)
    assert "Page 1 of 2" in client.get(url(rule)).content.decode()
    assert len(client.get(url(rule), {"page": "2"}).context["page"].object_list) == 5
    assert client.get(url(rule), {"page": "zzz"}).status_code == 200


@pytest.mark.parametrize("attempts", [3, 25])
def test_the_page_costs_the_same_at_any_size(login, project_admin, rule, attempts,
                                             django_assert_num_queries):
    log_attempts(rule, attempts)
    client = login(project_admin)
    # 1 session, 2 user, 3 the rule with its project and region, 4 the user's role
    # in the project, 5 count the log, 6 the log's page with its alerts, 7 deliveries
    # waiting, 8 the header's projects
    with django_assert_num_queries(8):
        assert client.get(url(rule)).status_code == 200


def test_another_projects_rule_is_a_404(login, outsider, rule):
    response = login(outsider).get(url(rule))
    assert response.status_code == 404 and b"Traceback" not in response.content


def test_an_unknown_rule_is_a_404(login, project_admin):
    assert login(project_admin).get(reverse("alert-rule", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["operator", "viewer"])
def test_members_who_are_not_admins_get_403(login, request, rule, persona):
    assert login(request.getfixturevalue(persona)).get(url(rule)).status_code == 403


def test_a_superuser_sees_any_rule(login, superuser, rule):
    assert login(superuser).get(url(rule)).status_code == 200
