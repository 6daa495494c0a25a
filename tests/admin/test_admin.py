"""Django admin: every list answers in a fixed number of queries, deleting there is
audited like anywhere else, and the audit cannot be changed."""

import pytest
from django.urls import reverse

from console.identity.credentials import create_access_key, issue_token
from console.identity.models import ApiToken
from console.tenancy.models import Project
from failedtasks.actors import Actor
from failedtasks.models import DeletedTask, Deletion, FailedTask, TaskTally
from failedtasks.services import delete_task, record_failure
from tests.conftest import confirmation_token, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def data(project_a, project_b, operator):
    for n in range(5):
        record(project_a, "ecs", error_code="Ecs.0013")
        record(project_b, "css", error_code="CSS.6000")
    delete_task(FailedTask.objects.all(), FailedTask.objects.first().pk, Actor(operator))
    create_access_key(operator)
    issue_token(operator, project_a)


# Each list: 1 session, 2 user, then its own, whatever the number of rows:
@pytest.mark.parametrize("model,queries", [
    # 3 projects for the filter, 4 count, 5 the page with its projects
    ("failedtasks/failedtask", 5),
    # 3 count, 4 full count, 5 the page
    ("failedtasks/errorcode", 5),
    # 3 projects for the filter, 4 count, 5 the page, 6-7 the date hierarchy's range and days
    ("failedtasks/deletion", 7),
    # 3 regions for the filter, 4 count, 5 full count, 6 the page with regions
    ("tenancy/project", 6),
    # 3 projects for the filter, 4 count, 5 full count, 6 the page with users and projects
    ("tenancy/membership", 6),
    # 3 count, 4 full count, 5 the page with users
    ("identity/accesskey", 5),
    ("identity/apitoken", 6),
    ("tenancy/resource", 6),
])
def test_every_list_costs_a_fixed_number_of_queries(admin_client, data, model, queries,
                                                    django_assert_num_queries):
    url = reverse(f"admin:{model.replace('/', '_')}_changelist")
    with django_assert_num_queries(queries):
        response = admin_client.get(url)
    assert response.status_code == 200
    for _ in range(3):  # more rows, same queries
        record(Project.objects.first(), "kps")
    with django_assert_num_queries(queries):
        admin_client.get(url)


def test_failed_tasks_filter_and_search(admin_client, data):
    url = reverse("admin:failedtasks_failedtask_changelist")
    html = admin_client.get(url, {"q": "CSS.6000", "service__exact": "css"}).content.decode()
    assert "CSS.6000" in html and "Ecs.0013" not in html


def admin_confirmation(admin_client, ids) -> dict:
    """The admin's delete_selected confirmation page, then the form its "Yes" posts."""
    form = {"action": "delete_selected", "_selected_action": ids}
    page = admin_client.post(reverse("admin:failedtasks_failedtask_changelist"), form)
    assert page.status_code == 200
    return {**form, "post": "yes", "confirmation": confirmation_token(page.content.decode())}


def test_deleting_in_the_admin_is_audited(admin_client, data, project_a, superuser):
    ids = list(FailedTask.objects.filter(project=project_a).values_list("pk", flat=True))
    response = admin_client.post(reverse("admin:failedtasks_failedtask_changelist"),
                                 admin_confirmation(admin_client, ids))
    assert response.status_code == 302
    assert not FailedTask.objects.filter(project=project_a).exists()
    deletion = Deletion.objects.get(channel="admin")
    assert deletion.actor == superuser and deletion.deleted_count == len(ids)
    assert DeletedTask.objects.filter(deletion=deletion).count() == len(ids)
    assert TaskTally.objects.for_service(project_a, "ecs").failed == 0


def test_the_admin_keeps_a_task_reported_again_after_its_confirmation(admin_client, data,
                                                                      project_a):
    tasks = list(FailedTask.objects.filter(project=project_a))
    form = admin_confirmation(admin_client, [t.pk for t in tasks])
    again = tasks[0]
    record_failure(project_a, service=again.service, job_id=again.job_id,
                   resource_name="reported again")
    admin_client.post(reverse("admin:failedtasks_failedtask_changelist"), form)
    assert list(FailedTask.objects.filter(project=project_a).values_list("pk", flat=True)) == [
        again.pk]


@pytest.mark.parametrize("forged", ["", "abc"])
def test_the_admin_refuses_a_missing_or_forged_confirmation(admin_client, data, project_a,
                                                           forged):
    ids = list(FailedTask.objects.filter(project=project_a).values_list("pk", flat=True))
    response = admin_client.post(reverse("admin:failedtasks_failedtask_changelist"), {
        "action": "delete_selected", "_selected_action": ids, "post": "yes",
        "confirmation": forged}, follow=True)
    assert "missing or was altered, so nothing was deleted" in response.content.decode()
    assert FailedTask.objects.filter(project=project_a).count() == len(ids)
    assert not Deletion.objects.filter(channel="admin").exists()


def test_the_admin_deletes_one_task_from_its_page(admin_client, data, project_a):
    task = FailedTask.objects.filter(project=project_a).first()
    url = reverse("admin:failedtasks_failedtask_delete", args=[task.pk])
    token = confirmation_token(admin_client.get(url).content.decode())
    assert admin_client.post(url, {"post": "yes", "confirmation": "forged"}).status_code == 302
    assert FailedTask.objects.filter(pk=task.pk).exists()
    assert admin_client.post(url, {"post": "yes", "confirmation": token}).status_code == 302
    assert not FailedTask.objects.filter(pk=task.pk).exists()
    assert Deletion.objects.get(channel="admin").deleted_count == 1


def test_the_audit_is_read_only(admin_client, data):
    deletion = Deletion.objects.get()
    change = reverse("admin:failedtasks_deletion_change", args=[deletion.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert deletion.tasks.get().job_id in response.content.decode()
    assert admin_client.post(change, {"actor_name": "someone else"}).status_code == 403
    delete = reverse("admin:failedtasks_deletion_delete", args=[deletion.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Deletion.objects.get().actor_name == "olivia"


def test_access_keys_never_show_a_secret(admin_client, data):
    from console.identity.credentials import secret_for
    from console.identity.models import AccessKey

    key = AccessKey.objects.get()
    html = admin_client.get(reverse("admin:identity_accesskey_change", args=[key.pk])).content.decode()
    assert key.access_key in html and secret_for(key) not in html and key.salt not in html


def test_tokens_can_be_revoked(admin_client, data):
    token = ApiToken.objects.get()
    admin_client.post(reverse("admin:identity_apitoken_changelist"),
                      {"action": "revoke_tokens", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_catalog_is_editable_in_both_languages(admin_client):
    from failedtasks.models import ErrorCode

    entry = ErrorCode.objects.get(code="Ecs.0013")
    url = reverse("admin:failedtasks_errorcode_change", args=[entry.pk])
    response = admin_client.post(url, {
        "code": "Ecs.0013", "service": "ecs", "cause_en": "EIP quota used up.",
        "cause_zh": "EIP配额已用完。", "solution_en": "Ask for more.", "solution_zh": "申请更多。"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.cause_zh == "EIP配额已用完。"


def test_non_staff_cannot_reach_the_admin(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:failedtasks_failedtask_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_task_list_estimates_huge_totals_on_postgresql(project_a, monkeypatch):
    from django.db import connection

    from failedtasks.admin import EstimatedCountPaginator

    for _ in range(7):
        record(project_a)
    unfiltered = EstimatedCountPaginator(FailedTask.objects.newest_first(), 10)
    filtered = EstimatedCountPaginator(FailedTask.objects.filter(service="ecs").newest_first(), 10)
    assert filtered.count == 7  # filtered lists always count exactly
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE failedtasks_failedtask")
        monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 0)
        assert EstimatedCountPaginator(FailedTask.objects.newest_first(), 10).count == 7  # the estimate
    assert unfiltered.count == 7
