"""The Alert Rules page: the rules of the projects a user administers, and Create rule."""

import pytest
from django.urls import reverse

from console.tenancy.models import Membership, Role
from failedtasks.alerts.models import AlertRule
from failedtasks.alerts.secrets import unseal
from failedtasks.alerts.services import MAX_RULES_PER_PROJECT
from tests.conftest import make_user
from tests.failedtasks.alerts.conftest import SECRET, make_rule

pytestmark = pytest.mark.django_db

URL = reverse("alert-rules")
CREATE = reverse("alert-rule-create")


def form(in_project, **changes):
    data = {"project": in_project.pk, "service": "ecs", "error_code": "Ecs.0013", "threshold": "3",
            "window_minutes": "10", "target_url": "https://hooks.example.com/ft",
            "secret": SECRET}
    data.update(changes)
    return data


@pytest.fixture
def public_dns(monkeypatch):
    """hooks.example.com resolves to a public address (the tests have no DNS)."""
    from failedtasks.alerts import targets

    real = targets.resolve

    def resolve(target, timeout):
        return ["93.184.215.14"] if target.host.endswith("example.com") else real(target, timeout)

    monkeypatch.setattr(targets, "resolve", resolve)


def test_a_project_admin_sees_their_projects_rules(login, project_admin, project_a, project_b):
    make_rule(project_a, "http://127.0.0.1:9/a-hook")
    make_rule(project_b, "http://127.0.0.1:9/b-hook")
    response = login(project_admin).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/a-hook" in html and "/b-hook" not in html
    assert "<h1>Alert Rules</h1>" in html


def test_a_superuser_sees_every_project(login, superuser, project_a, project_b):
    make_rule(project_a, "http://127.0.0.1:9/a-hook")
    make_rule(project_b, "http://127.0.0.1:9/b-hook")
    html = login(superuser).get(URL).content.decode()
    assert "/a-hook" in html and "/b-hook" in html


@pytest.mark.parametrize("persona", ["operator", "viewer", "outsider"])
def test_everyone_else_gets_403(login, request, persona):
    response = login(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 403
    assert b"Alert rules are for project admins" in response.content


def test_signing_in_comes_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_form_starts_at_one_failure_within_five_minutes(login, project_admin):
    html = login(project_admin).get(URL).content.decode()
    assert 'name="threshold" value="1"' in html and 'name="window_minutes" value="5"' in html
    assert '<label for="id_target_url">Target URL</label>' in html
    assert '<label for="id_secret">Secret</label>' in html
    assert ">Create rule</button>" in html


def test_the_review_navigation_links_it_for_admins_only(login, project_admin, operator, project_a):
    html = login(project_admin).get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    assert f'href="{URL}"' in html
    html = login(operator).get(reverse("service", args=[project_a.pk, "ecs"])).content.decode()
    assert f'href="{URL}"' not in html


def test_it_creates_a_rule(login, project_admin, project_a, public_dns):
    response = login(project_admin).post(CREATE, form(project_a))
    rule = AlertRule.objects.get()
    assert response.status_code == 302 and response.url == reverse("alert-rule", args=[rule.pk])
    assert (rule.project, rule.service, rule.error_code, rule.threshold, rule.window_minutes) == (
        project_a, "ecs", "Ecs.0013", 3, 10)
    assert rule.target_url == "https://hooks.example.com/ft" and rule.enabled
    assert rule.created_by == project_admin
    # Encrypted at rest, readable for signing.
    assert SECRET not in rule.sealed_secret and unseal(rule.sealed_secret) == SECRET
    page = login(project_admin).get(response.url).content.decode()
    assert f"Created alert rule #{rule.pk}." in page
    assert "3 failures within 10 minutes" in page
    assert SECRET not in page


def test_every_service_and_any_code_is_the_default(login, project_admin, project_a, public_dns):
    login(project_admin).post(CREATE, form(project_a, service="", error_code=""))
    rule = AlertRule.objects.get()
    assert (rule.service, rule.error_code) == ("", "")


@pytest.mark.parametrize("changes,field", [
    ({"threshold": "0"}, "threshold"),
    ({"threshold": "many"}, "threshold"),
    ({"window_minutes": "0"}, "window_minutes"),
    ({"window_minutes": "100000"}, "window_minutes"),
    ({"service": "rds"}, "service"),
    ({"secret": "short"}, "secret"),
    ({"secret": " padded secret value "}, "secret"),
    ({"target_url": ""}, "target_url"),
    ({"target_url": "ftp://hooks.example.com/"}, "target_url"),
    ({"target_url": "javascript:alert(1)"}, "target_url"),
    ({"target_url": "https://user:pw@hooks.example.com/"}, "target_url"),
    ({"target_url": "https://hooks.example.com:99999/"}, "target_url"),
    ({"error_code": "x" * 65}, "error_code"),
    ({"project": "0" * 32}, "project"),
])
def test_bad_input_is_400_naming_the_field(login, project_admin, project_a, public_dns,
                                           changes, field):
    response = login(project_admin).post(CREATE, form(project_a, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not AlertRule.objects.exists()


def test_a_project_the_user_does_not_administer_is_refused(login, project_b, project_a):
    mixed = make_user("mia", project_a, Role.ADMIN)
    Membership.objects.create(user=mixed, project=project_b, role=Role.OPERATOR)
    response = login(mixed).post(CREATE, form(project_b))
    assert response.status_code == 400 and "project" in response.context["form"].errors
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8000/hook", "http://10.0.0.7/hook",
    "http://192.168.1.1/", "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook", "http://[fe80::1]/", "http://[fc00::1]/", "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/", "http://100.64.0.1/", "http://224.0.0.1/", "http://2130706433/",
])
def test_non_public_targets_are_refused_at_creation(login, project_admin, project_a, url):
    response = login(project_admin).post(CREATE, form(project_a, target_url=url))
    assert response.status_code == 400
    assert "target_url" in response.context["form"].errors
    assert not AlertRule.objects.exists()


def test_a_listed_host_is_allowed(login, project_admin, project_a, settings):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    response = login(project_admin).post(CREATE, form(project_a, target_url="http://127.0.0.1:8080/h"))
    assert response.status_code == 302
    assert AlertRule.objects.get().target_url == "http://127.0.0.1:8080/h"


def test_a_project_holds_a_bounded_number_of_rules(login, project_admin, project_a, public_dns,
                                                   settings):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    for _ in range(MAX_RULES_PER_PROJECT):
        make_rule(project_a)
    response = login(project_admin).post(CREATE, form(project_a))
    assert response.status_code == 400
    assert b"the most allowed" in response.content
    assert AlertRule.objects.count() == MAX_RULES_PER_PROJECT


def test_markup_shows_as_text(login, project_admin, project_a):
    make_rule(project_a, "http://127.0.0.1:9/<b>x</b>", error_code="<i>E</i>")
    html = login(project_admin).get(URL).content.decode()
    assert "&lt;i&gt;E&lt;/i&gt;" in html and "<i>E</i>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_page_answers_only_get(login, project_admin, method, django_assert_num_queries):
    client = login(project_admin)
    with django_assert_num_queries(0):
        response = getattr(client, method)(URL)
    assert response.status_code == 405


def test_create_answers_only_post(login, project_admin, django_assert_num_queries):
    client = login(project_admin)
    with django_assert_num_queries(0):
        assert client.get(CREATE).status_code == 405


@pytest.mark.parametrize("rules", [2, 20])
def test_the_page_costs_the_same_at_any_size(login, project_admin, project_a, rules,
                                             django_assert_num_queries):
    for n in range(rules):
        make_rule(project_a, f"http://127.0.0.1:9/{n}")
    client = login(project_admin)
    # 1 session, 2 user, 3 the projects the user reviews, 4 the rules with their
    # projects and latest delivery, 5 the header's projects (with the Review link's role)
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("Send test") == rules


def test_a_refusal_costs_three_queries(login, viewer, django_assert_num_queries):
    client = login(viewer)
    # 1 session, 2 user, 3 the projects the user reviews (none)
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 403


def test_creating_costs_a_fixed_number_of_queries(login, project_admin, project_a, settings,
                                                  django_assert_num_queries):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    client = login(project_admin)
    # 1 session, 2 user, 3 the projects the user reviews, 4 savepoint, 5 lock the
    # project, 6 count its rules, 7 insert, 8 release savepoint (the message rides
    # in a cookie)
    with django_assert_num_queries(8):
        response = client.post(CREATE, form(project_a, target_url="http://127.0.0.1/h"))
    assert response.status_code == 302
