import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_opens_the_same_service_in_the_chosen_project(login, superuser, project_a, project_b):
    response = login(superuser).get(
        reverse("switch-project"), {"project": project_b.pk, "service": "sdrs"}
    )
    assert response.status_code == 302
    assert response.url == reverse("service", args=[project_b.pk, "sdrs"])


def test_it_checks_scope(login, operator, project_b):
    response = login(operator).get(reverse("switch-project"), {"project": project_b.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("params", [
    {"project": "not-a-project"}, {}, {"service": "nope"}, {"project": "<script>"},
])
def test_bad_input_is_a_404(login, operator, project_a, params):
    assert login(operator).get(reverse("switch-project"), params).status_code == 404


def test_home_opens_the_last_project(login, superuser, project_a, project_b):
    client = login(superuser)
    client.get(reverse("service", args=[project_b.pk, "kps"]))
    assert client.get("/").url == reverse("service", args=[project_b.pk, "ecs"])


def test_home_without_projects_explains(login, db):
    from tests.conftest import make_user

    response = login(make_user("nobody")).get("/")
    assert response.status_code == 403
    assert b"You have no projects yet" in response.content


def test_a_nul_character_is_a_404_not_a_500(login, operator, project_a):
    response = login(operator).get(reverse("switch-project"), {"project": "ab\x00cd"})
    assert response.status_code == 404
