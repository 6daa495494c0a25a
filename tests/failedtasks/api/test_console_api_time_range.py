"""/api/v1/: since and until narrow the list and delete-all; the watermark keeps them,
so a delete-all cannot reach wider than the listing it follows."""

from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from failedtasks.models import Deletion, FailedTask
from tests.conftest import record

pytestmark = pytest.mark.django_db


def url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/failed-tasks{suffix}"


def z(moment) -> str:
    return moment.astimezone(timezone.get_current_timezone()).isoformat()


@pytest.fixture
def spread(project_a):
    """Tasks one, three and ten days old; returns now."""
    for name, days in (("one", 1), ("three", 3), ("ten", 10)):
        record(project_a, "css", resource_name=name, minutes_ago=days * 24 * 60)
    return timezone.now()


def names(body) -> list[str]:
    return [task["resource_name"] for task in body["results"]]


def test_since_and_until_narrow_the_list(client, viewer, project_a, token_for, spread):
    headers = token_for(viewer, project_a)

    def get(**params):
        response = client.get(url(project_a), params, headers=headers)
        assert response.status_code == 200, response.json()
        return response.json()

    days = lambda n: spread - timedelta(days=n)  # noqa: E731
    assert names(get(since=z(days(5)))) == ["one", "three"]
    assert names(get(until=z(days(2)))) == ["three", "ten"]
    assert names(get(since=z(days(5)), until=z(days(2)))) == ["three"]
    body = get(since=z(days(5)))
    assert (body["count"], body["count_is_lower_bound"]) == (2, False)
    # Offsets and Z spell the same instant.
    utc = days(5).astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    plus8 = days(5).astimezone(timezone.get_fixed_timezone(8 * 60)).isoformat()
    assert names(get(since=utc)) == names(get(since=plus8)) == ["one", "three"]


def test_until_is_exclusive_and_since_inclusive(client, viewer, project_a, token_for):
    task = record(project_a, "css")
    headers = token_for(viewer, project_a)
    at = z(task.failed_at)
    assert names(client.get(url(project_a), {"since": at}, headers=headers).json()) \
        == [task.resource_name]
    assert names(client.get(url(project_a), {"until": at}, headers=headers).json()) == []
    assert names(client.get(url(project_a), {"since": at, "until": at},
                            headers=headers).json()) == []


def test_pages_keep_the_range(client, viewer, project_a, token_for):
    for n in range(5):
        record(project_a, "css", resource_name=f"new-{n}", minutes_ago=n)
    record(project_a, "css", resource_name="old", minutes_ago=3 * 24 * 60)
    headers = token_for(viewer, project_a)
    since = z(timezone.now() - timedelta(days=1))
    body = client.get(url(project_a), {"since": since, "limit": "3"}, headers=headers).json()
    seen = names(body)
    body = client.get(body["next"], headers=headers).json()
    assert seen + names(body) == [f"new-{n}" for n in range(5)]
    assert body["next"] is None


@pytest.mark.parametrize("name,value", [
    ("since", "yesterday"), ("since", "2026-01-31"), ("since", "2026-01-31T08:00:00"),
    ("until", "2026-02-30T08:00:00Z"), ("until", "2026-01-31T25:00:00Z"),
    ("since", "0001-01-01T00:00:00+01:00"), ("until", "9999-12-31T23:59:59-01:00"),
    ("since", "2026-01-31T08:00:00Z\x00"), ("since", "2" * 100), ("until", ""),
])
def test_a_bad_instant_is_a_400_naming_it(client, viewer, project_a, token_for, name, value):
    response = client.get(url(project_a), {name: value}, headers=token_for(viewer, project_a))
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [name]
    assert "ISO 8601" in error["fields"][name][0]


def test_since_after_until_holds_no_task(client, operator, project_a, token_for, spread):
    inverted = {"since": z(spread), "until": z(spread - timedelta(days=5))}
    headers = token_for(operator, project_a)
    listed = client.get(url(project_a), inverted, headers=headers)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0 and listed.json()["results"] == []
    # Delete-all of the listing deletes nothing, and says so.
    before = FailedTask.objects.count()
    deleted = delete_all(client, project_a, headers, listed.json()["watermark"], **inverted)
    assert deleted.status_code == 200, deleted.json()
    assert deleted.json()["deleted"] == 0
    assert FailedTask.objects.count() == before


def test_a_range_is_counted_in_the_same_queries(client, viewer, project_a, token_for,
                                                django_assert_num_queries, spread):
    headers = token_for(viewer, project_a)
    # 1 token with user, project and role, 2 the watermark's revision and the matches
    # counted up to COUNT_LIMIT in one statement, 3 the page of values
    with django_assert_num_queries(3):
        response = client.get(url(project_a), {"since": z(spread - timedelta(days=5))},
                              headers=headers)
    assert response.json()["count"] == 2


# --- Delete-all ----------------------------------------------------------------------

def delete_all(client, project, headers, watermark, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B")
    return client.post(url(project, "/delete-all") + (f"?{query}" if query else ""),
                       {"watermark": watermark}, content_type="application/json",
                       headers=headers)


def test_delete_all_deletes_only_the_range(client, operator, project_a, token_for, spread):
    headers = token_for(operator, project_a)
    since = z(spread - timedelta(days=5))
    watermark = client.get(url(project_a), {"since": since}, headers=headers).json()["watermark"]
    later = record(project_a, "css", resource_name="after-the-listing")
    response = delete_all(client, project_a, headers, watermark, since=since)
    assert response.status_code == 200, response.json()
    assert response.json()["deleted"] == 2 and response.json()["kept"] == 1
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {
        "ten", later.resource_name}
    criteria = Deletion.objects.get().criteria
    assert criteria["since"] == (spread - timedelta(days=5)).astimezone(dt_timezone.utc).isoformat()


def test_the_watermark_cannot_be_widened(client, operator, project_a, token_for, spread):
    headers = token_for(operator, project_a)
    since, until = z(spread - timedelta(days=5)), z(spread - timedelta(days=2))
    watermark = client.get(url(project_a), {"since": since, "until": until},
                           headers=headers).json()["watermark"]
    for params in ({}, {"since": since}, {"until": until},
                   {"since": z(spread - timedelta(days=6)), "until": until},
                   {"since": since, "until": z(spread)}):
        response = delete_all(client, project_a, headers, watermark, **params)
        assert response.status_code == 400, params
        assert "watermark" in response.json()["error"]["fields"]
    assert FailedTask.objects.count() == 3
    # The same instants spelt in another offset are the same range.
    plus8 = timezone.get_fixed_timezone(8 * 60)
    response = delete_all(client, project_a, headers, watermark,
                          since=(spread - timedelta(days=5)).astimezone(plus8).isoformat(),
                          until=until)
    assert response.status_code == 200, response.json()
    assert response.json()["deleted"] == 1


def test_delete_all_may_narrow_a_listing_by_a_range(client, operator, project_a, token_for,
                                                    spread):
    headers = token_for(operator, project_a)
    watermark = client.get(url(project_a), headers=headers).json()["watermark"]
    response = delete_all(client, project_a, headers, watermark,
                          until=z(spread - timedelta(days=5)))
    assert response.status_code == 200
    assert set(FailedTask.objects.values_list("resource_name", flat=True)) == {"one", "three"}


def test_delete_all_refuses_a_bad_range(client, operator, project_a, token_for, spread):
    headers = token_for(operator, project_a)
    watermark = client.get(url(project_a), headers=headers).json()["watermark"]
    response = delete_all(client, project_a, headers, watermark, since="soon")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["since"]
    assert FailedTask.objects.count() == 3


def test_the_schema_documents_since_and_until(client, viewer, project_a, token_for):
    schema = client.get(reverse("api-schema"), {"format": "json"},
                        headers=token_for(viewer, project_a)).json()
    base = "/api/v1/projects/{project_id}/failed-tasks"
    for path, method in ((base, "get"), (base + "/delete-all", "post")):
        parameters = {p["name"]: p for p in schema["paths"][path][method]["parameters"]}
        for name in ("since", "until"):
            assert parameters[name]["in"] == "query"
            assert parameters[name]["schema"]["format"] == "date-time"
            assert "ISO 8601" in parameters[name]["description"]
