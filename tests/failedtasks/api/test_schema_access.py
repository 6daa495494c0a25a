"""The API description is for those who may use the API: the schema needs any of
the API's credentials, and its docs page needs a console sign-in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_needs_credentials(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("api-schema"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_bad_token_is_refused_too(client):
    response = client.get(reverse("api-schema"), headers={"X-Auth-Token": "nope"})
    assert response.status_code == 401


def test_a_token_reads_the_schema(client, operator, project_a, token_for):
    response = client.get(reverse("api-schema"), {"format": "json"},
                          headers=token_for(operator, project_a))
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


def test_the_console_session_reads_the_schema(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("api-schema")).status_code == 200


def test_the_docs_page_sends_a_stranger_to_sign_in(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('api-docs')}"


def test_the_docs_page_works_for_someone_signed_in(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
