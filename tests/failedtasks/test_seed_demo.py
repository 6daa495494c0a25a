import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from console.tenancy.models import Membership, Project, Region, Resource, Role
from failedtasks.models import FailedTask, TaskStatus, TaskTally
from failedtasks.services import recount_tallies

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Region.objects.count(), Project.objects.count(), get_user_model().objects.count(),
        Membership.objects.count(), Resource.objects.count(), FailedTask.objects.count(),
    )


def test_it_builds_the_demo_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first

    assert set(Region.objects.values_list("id", flat=True)) == {
        "cn-north-4", "ap-southeast-1", "eu-west-101"}
    assert set(Project.objects.values_list("name", flat=True)) == {
        "cn-north-4", "ap-southeast-1", "eu-west-101", "cn-north-4_staging"}
    assert get_user_model().objects.get(username="admin").is_superuser
    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password("demo")
    assert set(Membership.objects.filter(user=demo).values_list("role", flat=True)) == {Role.OPERATOR}
    assert set(Membership.objects.filter(user__username="viewer").values_list("role", flat=True)) == {Role.VIEWER}


def test_every_default_project_has_tasks_for_every_service_from_the_documents():
    call_command("seed_demo", stdout=io.StringIO())
    for project in Project.objects.all():
        tasks = FailedTask.objects.filter(project=project)
        if not project.is_region_default:
            assert not tasks.exists()
            continue
        assert set(tasks.values_list("service", flat=True)) == {"ecs", "css", "sdrs", "kps"}
        assert tasks.filter(job_type="createProtectedInstance", error_code="EVS.2024").count() == 2
        assert tasks.filter(job_id="aee8d2fe-5484-4753-9177-5a38dc15546c",
                            fail_reason="Update public key error").exists()
        assert tasks.filter(service="ecs", error_code="Ecs.0013").exists()
        assert tasks.filter(service="css", error_code__startswith="CSS.60").count() >= 3
        assert tasks.filter(status=TaskStatus.RUNNING, service="ecs").count() == 2
        for service in ("ecs", "css", "sdrs", "kps"):
            assert TaskTally.objects.for_service(project, service).failed == tasks.filter(
                service=service, status=TaskStatus.FAIL).count()


def test_deleted_demo_tasks_come_back_but_never_twice():
    call_command("seed_demo", stdout=io.StringIO())
    total = FailedTask.objects.count()
    FailedTask.objects.filter(service="css").delete()
    recount_tallies()
    call_command("seed_demo", stdout=io.StringIO())
    assert FailedTask.objects.count() == total


def test_tasks_option_generates_tasks_and_keeps_tallies_exact():
    out = io.StringIO()
    call_command("seed_demo", tasks=500, random_seed=7, stdout=out)
    assert "Added 500 generated failed tasks" in out.getvalue()
    assert FailedTask.objects.filter(fail_reason__endswith="(generated)").count() == 500
    for project in Project.objects.all():
        for service in ("ecs", "css", "sdrs", "kps"):
            tallies = TaskTally.objects.for_service(project, service)
            assert tallies.failed == FailedTask.objects.filter(
                project=project, service=service, status=TaskStatus.FAIL).count()


def test_negative_tasks_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", tasks=-1, stdout=io.StringIO())
