import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(login, operator, project_a):
    response = login(operator).get(reverse("service", args=[project_a.pk, "ecs"]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(login, operator, project_a):
    from tests.conftest import record

    record(project_a, "ecs")
    client = login(operator)
    for url in (reverse("service", args=[project_a.pk, "ecs"]),
                reverse("failed-tasks", args=[project_a.pk, "ecs"]),
                reverse("error-codes"), reverse("login")):
        html = client.get(url).content.decode()
        assert "<script>" not in html and "style=" not in html and "<style" not in html, url
        assert " on" + "click=" not in html


def test_only_the_api_docs_allow_inline_styles(login, operator):
    response = login(operator).get("/api/docs/")
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
