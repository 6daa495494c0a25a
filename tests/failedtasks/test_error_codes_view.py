"""The error-code reference: every catalog code, its cause and solution, in two languages."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from failedtasks.error_catalog import ERROR_CODES
from failedtasks.models import ErrorCode
from tests.conftest import assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

URL = reverse("error-codes")


def test_it_lists_every_code_with_an_anchor(login, viewer):
    response = login(viewer).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "<h1>Error codes</h1>" in html
    for entry in ERROR_CODES:
        assert f'<tr id="{entry["code"]}">' in html
        assert f'<code>{entry["code"]}</code>' in html
        assert escape(entry["cause_en"]) in html
        assert escape(entry["solution_en"]) in html


def test_it_lists_codes_in_order(login, viewer):
    html = login(viewer).get(URL).content.decode()
    codes = list(ErrorCode.objects.order_by("service", "code").values_list("code", flat=True))
    positions = [html.index(f'<tr id="{code}">') for code in codes]
    assert positions == sorted(positions)


def test_it_shows_an_admins_edit(login, viewer):
    ErrorCode.objects.filter(code="CSS.6000").update(solution_en="Call Jo on 1234.")
    html = login(viewer).get(URL).content.decode()
    assert "Call Jo on 1234." in html


def test_it_escapes_the_catalog_text(login, viewer):
    html = login(viewer).get(URL).content.decode()
    # CSS.6004's cause names a placeholder in angle brackets.
    assert "(&lt;ECS error code&gt;)" in html
    assert "(<ECS error code>)" not in html


def test_it_speaks_chinese(login, viewer):
    client = login(viewer)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    html = client.get(URL).content.decode()
    assert '<html lang="zh-hans"' in html
    entry = ErrorCode.objects.get(code="CSS.6000")
    assert entry.cause_zh in html
    assert entry.solution_zh in html
    assert entry.cause_en not in html
    assert '<tr id="CSS.6000">' in html  # the anchors stay the same


def test_it_requires_login(client):
    assert_sends_to_sign_in(client.get(URL))


def test_it_rejects_post(login, viewer, method_not_allowed):
    method_not_allowed(login(viewer), "post", URL)


def test_the_query_count(login, viewer, django_assert_num_queries):
    client = login(viewer)
    # 1 session, 2 user, 3 the catalog, 4 the header's projects
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert response.status_code == 200
