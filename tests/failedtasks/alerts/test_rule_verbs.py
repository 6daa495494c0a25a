"""Enable, disable, send a test and delete (two steps): admins of the rule's project only."""

import pytest
from django.urls import reverse

from failedtasks.alerts.models import Alert, AlertRule, AlertState, DeliveryAttempt
from tests.conftest import record
from tests.failedtasks.alerts.conftest import make_rule
from tests.failedtasks.alerts.test_rule_page import log_attempts

pytestmark = pytest.mark.django_db

VERBS = ["alert-rule-enable", "alert-rule-disable", "alert-rule-test"]


@pytest.fixture
def rule(project_a, allow_loopback):
    return make_rule(project_a, "http://127.0.0.1:9/hook")


def test_disable_then_enable(login, project_admin, rule):
    client = login(project_admin)
    response = client.post(reverse("alert-rule-disable", args=[rule.pk]))
    assert response.status_code == 302 and response.url == reverse("alert-rules")
    rule.refresh_from_db()
    assert not rule.enabled
    page = client.get(response.url).content.decode()
    assert f"Disabled alert rule #{rule.pk}." in page and ">Enable" in page

    response = client.post(reverse("alert-rule-enable", args=[rule.pk]), {"from": "rule"})
    assert response.url == reverse("alert-rule", args=[rule.pk])
    rule.refresh_from_db()
    assert rule.enabled


def test_disabling_drops_open_windows_and_cancels_waiting_alerts(login, project_admin, project_a,
                                                                 rule):
    counting = make_rule(project_a, "http://127.0.0.1:9/other", threshold=50)
    record(project_a, "ecs")
    client = login(project_admin)
    client.post(reverse("alert-rule-disable", args=[rule.pk]))
    client.post(reverse("alert-rule-disable", args=[counting.pk]))
    assert Alert.objects.get(rule=rule).state == AlertState.CANCELLED
    assert not Alert.objects.filter(rule=counting).exists()


def test_send_test_queues_a_test_delivery(login, project_admin, rule):
    response = login(project_admin).post(reverse("alert-rule-test", args=[rule.pk]),
                                         {"from": "rule"})
    assert response.status_code == 302 and response.url == reverse("alert-rule", args=[rule.pk])
    alert = Alert.objects.get()
    assert alert.is_test and alert.state == AlertState.PENDING
    page = login(project_admin).get(response.url).content.decode()
    assert f"Queued a test delivery of alert rule #{rule.pk}." in page


@pytest.mark.parametrize("verb", VERBS)
def test_verbs_refuse_get(login, project_admin, rule, verb, django_assert_num_queries):
    client = login(project_admin)
    with django_assert_num_queries(0):
        assert client.get(reverse(verb, args=[rule.pk])).status_code == 405


@pytest.mark.parametrize("verb", [*VERBS, "alert-rule-delete"])
def test_verbs_answer_404_outside_the_users_projects(login, outsider, rule, verb):
    response = login(outsider).post(reverse(verb, args=[rule.pk]))
    assert response.status_code == 404
    assert AlertRule.objects.get().enabled and not Alert.objects.exists()


@pytest.mark.parametrize("verb", [*VERBS, "alert-rule-delete"])
@pytest.mark.parametrize("persona", ["operator", "viewer"])
def test_verbs_answer_403_to_members_who_are_not_admins(login, request, rule, verb, persona):
    response = login(request.getfixturevalue(persona)).post(reverse(verb, args=[rule.pk]))
    assert response.status_code == 403
    assert AlertRule.objects.get().enabled and not Alert.objects.exists()


@pytest.mark.parametrize("verb", [*VERBS, "alert-rule-delete"])
def test_verbs_answer_404_for_an_unknown_rule(login, project_admin, verb):
    assert login(project_admin).post(reverse(verb, args=[424242])).status_code == 404


def test_verbs_need_csrf(project_admin, rule):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(project_admin)
    assert client.post(reverse("alert-rule-disable", args=[rule.pk])).status_code == 403
    assert AlertRule.objects.get().enabled


def test_delete_confirms_what_goes_then_deletes_it(login, project_admin, rule, project_a):
    log_attempts(rule, 3)
    record(project_a, "ecs")  # an open alert
    client = login(project_admin)
    confirm_url = reverse("alert-rule-delete", args=[rule.pk])

    response = client.get(confirm_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alertdialog"' in html and "Delete Alert Rule" in html
    assert f"Are you sure you want to delete alert rule #{rule.pk}?" in html
    assert "3 attempts" in html and "http://127.0.0.1:9/hook" in html
    assert AlertRule.objects.exists()  # the GET changes nothing

    response = client.post(confirm_url)
    assert response.status_code == 302 and response.url == reverse("alert-rules")
    assert not AlertRule.objects.exists()
    assert not Alert.objects.exists() and not DeliveryAttempt.objects.exists()
    page = client.get(response.url).content.decode()
    assert f"Deleted alert rule #{rule.pk} and its 3 logged delivery attempts." in page

    assert client.post(confirm_url).status_code == 404  # a second submit
    assert client.get(confirm_url).status_code == 404


def test_delete_answers_only_get_and_post(login, project_admin, rule):
    response = login(project_admin).put(reverse("alert-rule-delete", args=[rule.pk]))
    assert response.status_code == 405


def test_delete_leaves_other_rules_alone(login, project_admin, rule, project_a):
    other = make_rule(project_a, "http://127.0.0.1:9/other")
    log_attempts(other, 2)
    login(project_admin).post(reverse("alert-rule-delete", args=[rule.pk]))
    assert list(AlertRule.objects.all()) == [other]
    assert DeliveryAttempt.objects.filter(rule=other).count() == 2


def test_the_confirmation_costs_a_fixed_number_of_queries(login, project_admin, rule,
                                                          django_assert_num_queries):
    log_attempts(rule, 10)
    client = login(project_admin)
    # 1 session, 2 user, 3 the rule, 4 the user's role, 5 count its log, 6 the header's projects
    with django_assert_num_queries(6):
        assert client.get(reverse("alert-rule-delete", args=[rule.pk])).status_code == 200
