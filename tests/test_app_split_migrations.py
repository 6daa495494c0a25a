"""Regions, projects, memberships, resources, access keys and tokens moved from the
console app to tenancy and identity without moving their tables: a database holding
data under the schema from before the move migrates forward with nothing lost, and
ends exactly as a fresh database does."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from console.identity.models import AccessKey, ApiToken, KnownSignInAddress, LoginFailure
from console.tenancy.models import Membership, Project, Region, Resource, Role
from failedtasks.alerts.models import AlertRule
from failedtasks.models import DeletedTask, Deletion, FailedTask, ProjectRevision, TaskTally
from tests.migration_steps import latest, migrate

# The move itself, without the migrations that came after it (they may change tables).
THE_MOVE = [("failedtasks", "0006_project_in_tenancy")]
# The last migrations before the move; tenancy and identity had none.
BEFORE_THE_MOVE = [
    ("console", "0004_known_sign_in_addresses"),
    ("failedtasks", "0005_search_indexes"),
    ("alerts", "0001_initial"),
]
PROJECT_ID = "0123456789abcdef0123456789abcdef"


def schema() -> dict:
    """Every table's columns and constraints (names, columns, kinds), as the database has them."""
    with connection.cursor() as cursor:
        tables = sorted(t.name for t in connection.introspection.get_table_list(cursor))
        return {
            table: (
                [(c.name, c.type_code, c.null_ok)
                 for c in connection.introspection.get_table_description(cursor, table)],
                {
                    name: (tuple(details["columns"]), details["primary_key"], details["unique"],
                           bool(details["foreign_key"]), details["index"], details["check"])
                    for name, details in connection.introspection.get_constraints(cursor, table).items()
                },
            )
            for table in tables
        }


def fill_old_schema(apps) -> dict:
    """One of each kind of row, written through the models as they were before the move."""
    User = apps.get_model("auth", "User")
    user = User.objects.create(username="ops")
    region = apps.get_model("console", "Region").objects.create(
        id="cn-north-4", name_en="CN North-Beijing4", name_zh="华北-北京四")
    project = apps.get_model("console", "Project").objects.create(
        id=PROJECT_ID, region=region, name="cn-north-4")
    apps.get_model("console", "Membership").objects.create(user=user, project=project, role="operator")
    Resource = apps.get_model("console", "Resource")
    group = Resource.objects.create(project=project, service="sdrs", resource_id="pg-1",
                                    name="group", status="available")
    Resource.objects.create(project=project, service="sdrs", resource_id="srv-1", name="server",
                            status="available", parent=group, attributes={"az": "cn-north-4a"})
    apps.get_model("console", "AccessKey").objects.create(user=user, access_key="AK0123456789",
                                                          salt="salt")
    apps.get_model("console", "ApiToken").objects.create(
        user=user, project=project, token_hash="f" * 64,
        expires_at=timezone.now() + timedelta(hours=1))
    apps.get_model("console", "LoginFailure").objects.create(username="ops", remote_addr="192.0.2.1")
    apps.get_model("console", "KnownSignInAddress").objects.create(username="ops",
                                                                    remote_addr="192.0.2.2")
    task = apps.get_model("failedtasks", "FailedTask").objects.create(
        project=project, service="ecs", job_id="job-1", category="creation", error_code="Ecs.0001")
    apps.get_model("failedtasks", "TaskTally").objects.create(
        project=project, service="ecs", category="creation", status="FAIL", count=1)
    apps.get_model("failedtasks", "ProjectRevision").objects.create(project=project, revision=7)
    deletion = apps.get_model("failedtasks", "Deletion").objects.create(
        actor=user, actor_name="ops", channel="console", project=project, service="ecs",
        scope="one", deleted_count=1)
    apps.get_model("failedtasks", "DeletedTask").objects.create(
        deletion=deletion, task_pk=task.pk + 1, project=project, service="ecs", job_id="job-0",
        category="creation")
    apps.get_model("alerts", "AlertRule").objects.create(
        project=project, service="ecs", threshold=3, window_minutes=5,
        target_url="https://hooks.example.com/x", sealed_secret="sealed", created_by=user)
    ContentType = apps.get_model("contenttypes", "ContentType")
    return {
        "user": user.pk, "group": group.pk, "task": task.pk, "deletion": deletion.pk,
        "project_type": ContentType.objects.get_or_create(app_label="console", model="project")[0].pk,
    }


@pytest.mark.django_db(transaction=True)
def test_data_under_the_schema_before_the_move_survives_it():
    fresh = schema()
    try:
        migrate(THE_MOVE)
        moved = schema()
        executor = migrate(BEFORE_THE_MOVE + [("identity", None), ("tenancy", None)])
        assert schema() == moved  # the move changes no table: going back neither
        applied = list(executor.loader.applied_migrations)
        ids = fill_old_schema(executor.loader.project_state(applied).apps)

        migrate(latest())

        assert schema() == fresh  # as a fresh database
        project = Project.objects.select_related("region").get(pk=PROJECT_ID)
        assert project.region == Region.objects.get(pk="cn-north-4")
        assert project.region.name_zh == "华北-北京四"
        membership = Membership.objects.get(project=project)
        assert (membership.user_id, membership.role) == (ids["user"], Role.OPERATOR)
        server = Resource.objects.get(resource_id="srv-1")
        assert (server.parent_id, server.attributes) == (ids["group"], {"az": "cn-north-4a"})
        assert AccessKey.objects.get(access_key="AK0123456789").user_id == ids["user"]
        assert ApiToken.objects.live().get(token_hash="f" * 64).project == project
        assert LoginFailure.objects.get().remote_addr == "192.0.2.1"
        assert KnownSignInAddress.objects.get().remote_addr == "192.0.2.2"
        # What points at a project still reaches it, through the models where they live now.
        assert FailedTask.objects.get(pk=ids["task"]).project == project
        assert TaskTally.objects.get(project=project).count == 1
        assert ProjectRevision.objects.get(project=project).revision == 7
        deletion = Deletion.objects.get(pk=ids["deletion"])
        assert (deletion.project, deletion.channel) == (project, "console")
        assert DeletedTask.objects.get(deletion=deletion).project == project
        assert AlertRule.objects.get(project=project).created_by_id == ids["user"]
        assert list(project.memberships.all()) == [membership]
        # The content type moved with the model: permissions and admin history keep it.
        ContentType.objects.clear_cache()
        assert ContentType.objects.get_for_model(Project).pk == ids["project_type"]
        assert not ContentType.objects.filter(app_label="console", model="project").exists()
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()
