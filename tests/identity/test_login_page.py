import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_works_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_username">Username<' in html and 'for="id_password">Password<' in html
    assert ">Log in</button>" in html


def test_it_logs_in_and_goes_to_the_console(client, operator, project_a):
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("service", args=[project_a.pk, "ecs"])


def test_a_wrong_password_says_so(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_a_post(client, operator):
    client.force_login(operator)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
