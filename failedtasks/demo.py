"""Demo data: a believable console in one command, built from the source documents' examples.

Everything is keyed by stable names and ids (uuid5), so running it again finds
what it made before instead of adding more. Demo passwords are for demos only.
"""

import random
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from console.tenancy.cloud_services import Service
from console.tenancy.models import Membership, Project, Region, Resource, Role
from failedtasks.models import FailedTask, TaskStatus, TaskTally, category_for
from failedtasks.services import record_failure, recount_tallies, take_revision

DEMO_NAMESPACE = uuid.UUID("6f1c2a52-5d8e-4c0b-9a57-2f5b1f3c9e01")

REGIONS = [
    ("cn-north-4", "CN North-Beijing4", "华北-北京四"),
    ("ap-southeast-1", "AP-Hong Kong", "中国-香港"),
    ("eu-west-101", "EU-Dublin", "欧洲-都柏林"),
]
EXTRA_PROJECTS = [("cn-north-4", "cn-north-4_staging")]

USERS = [
    # (username, password, superuser, role in every demo project)
    ("admin", "admin", True, Role.ADMIN),
    ("demo", "demo", False, Role.OPERATOR),
    ("viewer", "viewer", False, Role.VIEWER),
]


def stable_id(*parts: str) -> str:
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(parts)).hex


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, "/".join(parts)))


@dataclass
class SeedReport:
    projects: int = 0
    users: int = 0
    resources: int = 0
    tasks: int = 0


def seed_regions_and_projects(report: SeedReport) -> list[Project]:
    projects = []
    for position, (region_id, name_en, name_zh) in enumerate(REGIONS):
        region, _ = Region.objects.update_or_create(
            id=region_id, defaults={"name_en": name_en, "name_zh": name_zh, "position": position}
        )
        names = [region_id] + [name for rid, name in EXTRA_PROJECTS if rid == region_id]
        for name in names:
            project, created = Project.objects.get_or_create(
                name=name, defaults={"id": stable_id("project", name), "region": region}
            )
            report.projects += created
            projects.append(project)
    return projects


def seed_users(projects: list[Project], report: SeedReport) -> None:
    User = get_user_model()
    for username, password, superuser, role in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_superuser": superuser, "is_staff": superuser}
        )
        if created:
            # Set once: a demo password someone changed stays changed.
            user.set_password(password)
            user.save(update_fields=["password"])
            report.users += 1
        if not superuser:
            for project in projects:
                Membership.objects.get_or_create(user=user, project=project, defaults={"role": role})


def _resources_for(project: Project) -> list[dict]:
    def res(service, key, name, status, parent=None, **attributes):
        return {
            "service": service, "resource_id": stable_uuid(project.name, service, key),
            "name": name, "status": status, "parent_key": parent, "attributes": attributes,
        }

    zone = f"{project.region_id}a"
    return [
        res(Service.ECS, "web-01", "ecs-web-01", "ACTIVE", availability_zone=zone,
            flavor="s6.large.2 | 2 vCPUs | 4 GiB", image="Ubuntu 22.04 server 64bit",
            private_ip="192.168.0.12"),
        res(Service.ECS, "web-02", "ecs-web-02", "ACTIVE", availability_zone=zone,
            flavor="s6.large.2 | 2 vCPUs | 4 GiB", image="Ubuntu 22.04 server 64bit",
            private_ip="192.168.0.13"),
        res(Service.ECS, "db-01", "ecs-db-01", "SHUTOFF", availability_zone=zone,
            flavor="m6.xlarge.8 | 4 vCPUs | 32 GiB", image="CentOS 7.9 64bit",
            private_ip="192.168.0.21"),
        res(Service.ECS, "batch-01", "ecs-batch-01", "ACTIVE", availability_zone=zone,
            flavor="c7.2xlarge.2 | 8 vCPUs | 16 GiB", image="EulerOS 2.9 64bit",
            private_ip="192.168.1.40"),
        res(Service.CSS, "logs", "css-logs", "AVAILABLE", version="7.10.2", nodes=3,
            endpoint="192.168.2.10:9200"),
        res(Service.CSS, "search", "css-search", "AVAILABLE", version="7.6.2", nodes=5,
            endpoint="192.168.2.20:9200"),
        res(Service.SDRS, "pg-web", "protection-group-web", "PROTECTED",
            replication_mode="Asynchronous", protected_instances=2,
            direction=f"{zone} → {project.region_id}b"),
        res(Service.SDRS, "pg-db", "protection-group-db", "AVAILABLE",
            replication_mode="Asynchronous", protected_instances=1,
            direction=f"{zone} → {project.region_id}b"),
        res(Service.SDRS, "pi-ab14", "Protected-Instance-ab14", "PROTECTED", parent="pg-web"),
        res(Service.SDRS, "pi-5e2e", "Protected-Instance-5e2e", "PROTECTED", parent="pg-web"),
        res(Service.KPS, "kp-xt", "KeyPair-xt", "BOUND", key_type="SSH_RSA_2048",
            fingerprint="SHA256:4b:9e:0c:27:7d:91:aa:5f", bound_server="Test"),
        res(Service.KPS, "kp-ops", "KeyPair-ops", "UNBOUND", key_type="SSH_ED25519",
            fingerprint="SHA256:e1:02:77:c3:19:58:0d:b4", bound_server=""),
    ]


def seed_resources(project: Project, report: SeedReport) -> dict[str, Resource]:
    by_key: dict[str, Resource] = {}
    created_at = timezone.now() - timedelta(days=30)
    for index, spec in enumerate(_resources_for(project)):
        parent_key = spec.pop("parent_key")
        key = spec["resource_id"]
        resource, created = Resource.objects.get_or_create(
            project=project, service=spec["service"], resource_id=key,
            defaults={
                **spec,
                "parent": by_key.get(stable_uuid(project.name, spec["service"], parent_key or "")),
                "created_at": created_at + timedelta(hours=index),
            },
        )
        report.resources += created
        by_key[key] = resource
    return by_key


def _demo_tasks(project: Project, now: datetime) -> list[dict]:
    """Failed tasks of one default project, from the source documents' own examples."""

    def ago(**delta) -> datetime:
        return now - timedelta(**delta)

    def rid(service: str, key: str) -> str:
        return stable_uuid(project.name, service, key)

    pg_web = rid(Service.SDRS, "pg-web")
    return [
        # ECS: creations (failed, and two still running) and a specification change.
        dict(service=Service.ECS, job_id=stable_id(project.name, "ecs-create-1"),
             job_type="createServer", failure_status="createFail",
             resource_id=rid(Service.ECS, "new-1"), resource_name="ecs-app-03",
             resource_type="server", error_code="Ecs.0013",
             fail_reason="(Ecs.0013) EIP quota insufficient. The server was rolled back.",
             begin_time=ago(minutes=47), failed_at=ago(minutes=45)),
        dict(service=Service.ECS, job_id=stable_id(project.name, "ecs-create-2"),
             job_type="createServer", failure_status="createFail",
             resource_id=rid(Service.ECS, "new-2"), resource_name="ecs-app-04",
             resource_type="server", error_code="Ecs.0013",
             fail_reason="(Ecs.0013) EIP quota insufficient. The server was rolled back.",
             begin_time=ago(hours=3, minutes=2), failed_at=ago(hours=3)),
        dict(service=Service.ECS, job_id=stable_id(project.name, "ecs-create-running-1"),
             job_type="createServer", status=TaskStatus.RUNNING,
             resource_id=rid(Service.ECS, "new-3"), resource_name="ecs-app-05",
             resource_type="server", begin_time=ago(minutes=2), failed_at=ago(minutes=2)),
        dict(service=Service.ECS, job_id=stable_id(project.name, "ecs-create-running-2"),
             job_type="createServer", status=TaskStatus.RUNNING,
             resource_id=rid(Service.ECS, "new-4"), resource_name="ecs-app-06",
             resource_type="server", begin_time=ago(minutes=1), failed_at=ago(minutes=1)),
        dict(service=Service.ECS, job_id=stable_id(project.name, "ecs-resize-1"),
             job_type="resizeServer", failure_status="resizeFail",
             resource_id=rid(Service.ECS, "db-01"), resource_name="ecs-db-01",
             resource_type="server", error_code="Ecs.0029",
             fail_reason="Changing the specifications to m6.2xlarge.8 failed: the flavor is sold out.",
             begin_time=ago(days=1, minutes=5), failed_at=ago(days=1),
             extra={"target_flavor": "m6.2xlarge.8"}),
        # CSS: the error codes of the CSS documentation.
        dict(service=Service.CSS, job_id=stable_id(project.name, "css-create"),
             job_type="createCluster", failure_status="createFail",
             resource_id=rid(Service.CSS, "analytics"), resource_name="css-analytics",
             resource_type="cluster", error_code="CSS.6000",
             fail_reason="Failed to create the cluster because of an internal error.",
             begin_time=ago(hours=2, minutes=20), failed_at=ago(hours=2)),
        dict(service=Service.CSS, job_id=stable_id(project.name, "css-scale"),
             job_type="scaleOutCluster", failure_status="expandFail",
             resource_id=rid(Service.CSS, "logs"), resource_name="css-logs",
             resource_type="cluster", error_code="CSS.6001",
             fail_reason="Failed to scale out the cluster because of an internal error.",
             begin_time=ago(hours=6, minutes=15), failed_at=ago(hours=6)),
        dict(service=Service.CSS, job_id=stable_id(project.name, "css-snapshot"),
             job_type="createSnapshot", resource_id=rid(Service.CSS, "search"),
             resource_name="css-search", resource_type="cluster", error_code="CSS.6008",
             fail_reason="The OBS bucket css-backup-bucket does not exist.",
             begin_time=ago(days=2, minutes=3), failed_at=ago(days=2)),
        dict(service=Service.CSS, job_id=stable_id(project.name, "css-restore"),
             job_type="restoreSnapshot", resource_id=rid(Service.CSS, "search"),
             resource_name="css-search", resource_type="cluster", error_code="CSS.6010",
             fail_reason="The OBS object snapshot-2026-11-01 does not exist.",
             begin_time=ago(days=3, minutes=9), failed_at=ago(days=3)),
        # SDRS: the two createProtectedInstance jobs of the API reference, in a group,
        # and protection-group-level failures.
        dict(service=Service.SDRS, job_id="ff808082686f229a0168707beaab014e",
             job_type="createProtectedInstance", failure_status="createFail",
             resource_id="17984002-ad8a-438b-8ba6-b850224634c5",
             resource_name="Protected-Instance-ab14", resource_type="protected_instances",
             parent_id=pg_web, error_code="EVS.2024",
             fail_reason="SdrsGenerateNativeServerParamsTask-fail:volume is error!",
             begin_time=ago(hours=1, minutes=4), failed_at=ago(hours=1)),
        dict(service=Service.SDRS, job_id="ff808082686f229a0168707b9be9013e",
             job_type="createProtectedInstance", failure_status="createFail",
             resource_id="897f57b2-6e94-4179-b414-9532726c59f2",
             resource_name="Protected-Instance-5e2e", resource_type="protected_instances",
             parent_id=pg_web, error_code="EVS.2024",
             fail_reason="SdrsGenerateNativeServerParamsTask-fail:volume is error!",
             begin_time=ago(hours=1, minutes=5), failed_at=ago(hours=1, minutes=1)),
        dict(service=Service.SDRS, job_id=stable_id(project.name, "sdrs-group-create"),
             job_type="createServerGroup", failure_status="createFail",
             resource_id=rid(Service.SDRS, "pg-reports"), resource_name="protection-group-reports",
             resource_type="server_groups", error_code="EVS.2024",
             fail_reason="SdrsCreateServerGroupTask-fail:volume is error!",
             begin_time=ago(hours=5, minutes=2), failed_at=ago(hours=5)),
        dict(service=Service.SDRS, job_id=stable_id(project.name, "sdrs-failover"),
             job_type="failoverServerGroup", failure_status="failoverFail",
             resource_id=rid(Service.SDRS, "pg-db"), resource_name="protection-group-db",
             resource_type="server_groups", error_code="SDRS.1030",
             fail_reason="SdrsFailoverTask-fail:replication pair status is abnormal",
             begin_time=ago(days=1, hours=2, minutes=1), failed_at=ago(days=1, hours=2)),
        # KPS: the reset failure of the API reference, and one still running.
        dict(service=Service.KPS, job_id="aee8d2fe-5484-4753-9177-5a38dc15546c",
             job_type="resetKeypair", resource_id=rid(Service.KPS, "kp-xt"),
             resource_name="KeyPair-xt", resource_type="keypair",
             fail_reason="Update public key error",
             begin_time=ago(hours=4, minutes=1), failed_at=ago(hours=4),
             extra={"operate_type": "FAILED_RESET", "server_id": "c9aa197b-a6b6-4c33-b3a6-fa0b4ec50006",
                    "server_name": "Test", "keypair_name": "KeyPair-xt"}),
        dict(service=Service.KPS, job_id=stable_uuid(project.name, "kps-unbind"),
             job_type="unbindKeypair", resource_id=rid(Service.KPS, "kp-ops"),
             resource_name="KeyPair-ops", resource_type="keypair", error_code="KPS.0003",
             fail_reason="Unbinding the key pair from ecs-batch-01 failed.",
             begin_time=ago(days=4, minutes=2), failed_at=ago(days=4),
             extra={"operate_type": "FAILED_UNBIND", "server_id": rid(Service.ECS, "batch-01"),
                    "server_name": "ecs-batch-01", "keypair_name": "KeyPair-ops"}),
        dict(service=Service.KPS, job_id=stable_uuid(project.name, "kps-reset-running"),
             job_type="resetKeypair", status=TaskStatus.RUNNING,
             resource_id=rid(Service.KPS, "kp-xt"), resource_name="KeyPair-xt",
             resource_type="keypair", begin_time=ago(minutes=3), failed_at=ago(minutes=3),
             extra={"operate_type": "RUNNING_RESET", "server_id": rid(Service.ECS, "web-02"),
                    "server_name": "ecs-web-02", "keypair_name": "KeyPair-xt"}),
    ]


def seed_failed_tasks(project: Project, report: SeedReport) -> None:
    """Add the demo tasks this project lacks (again after someone deleted them)."""
    tasks = _demo_tasks(project, timezone.now())
    present = set(
        FailedTask.objects.filter(
            project=project, job_id__in=[t["job_id"] for t in tasks]
        ).values_list("job_id", flat=True)
    )
    for task in tasks:
        if task["job_id"] not in present:
            record_failure(project, **task)
            report.tasks += 1


@transaction.atomic
def seed_demo() -> SeedReport:
    report = SeedReport()
    projects = seed_regions_and_projects(report)
    seed_users(projects, report)
    for project in projects:
        seed_resources(project, report)
        if project.is_region_default:
            seed_failed_tasks(project, report)
    return report


# --- Bulk generation for load and benchmark work ---------------------------

GENERATED_SHAPES = [
    # (service, job_type, failure_status, resource_type, error codes)
    (Service.ECS, "createServer", "createFail", "server", ["Ecs.0013", "EVS.2024"]),
    (Service.ECS, "resizeServer", "resizeFail", "server", ["Ecs.0029", "Ecs.0021"]),
    (Service.CSS, "createCluster", "createFail", "cluster", ["CSS.6000", "CSS.6004"]),
    (Service.CSS, "restartCluster", "", "cluster", ["CSS.6002"]),
    (Service.CSS, "createSnapshot", "", "cluster", ["CSS.6007", "CSS.6008"]),
    (Service.SDRS, "createProtectedInstance", "createFail", "protected_instances", ["EVS.2024"]),
    (Service.SDRS, "failoverServerGroup", "failoverFail", "server_groups", ["SDRS.1030"]),
    (Service.KPS, "resetKeypair", "", "keypair", ["KPS.0003", ""]),
]
BULK_COLUMNS = [
    "project_id", "service", "job_id", "job_type", "status", "category", "failure_status",
    "resource_id", "resource_name", "resource_type", "parent_id", "error_code",
    "fail_reason", "begin_time", "failed_at", "extra", "recorded_at", "revision",
]


def _generated_rows(projects: list[Project], shapes: list, count: int, rng: random.Random,
                    revisions: dict[str, int]):
    now = timezone.now()
    for _ in range(count):
        project = rng.choice(projects)
        service, job_type, failure_status, resource_type, codes = rng.choice(shapes)
        failed_at = now - timedelta(seconds=rng.randrange(90 * 24 * 3600))
        number = rng.randrange(1, 10_000)
        yield (
            project.pk, service, uuid.UUID(int=rng.getrandbits(128), version=4).hex, job_type,
            TaskStatus.FAIL, category_for(failure_status, job_type, TaskStatus.FAIL),
            failure_status, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            f"{service}-load-{number:04d}", resource_type, "", rng.choice(codes),
            f"{job_type} failed (generated)", failed_at - timedelta(seconds=30), failed_at,
            "{}", now, revisions[project.pk],
        )


def _progress(done: int, total: int, stream) -> None:
    width = 30
    filled = width * done // total
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
    stream.flush()


def generate_tasks(count: int, *, batch_size: int = 20_000, seed: int | None = None,
                   stream=None, projects: list[Project] | None = None,
                   services: list[str] | None = None) -> int:
    """Insert `count` generated failed tasks spread over the demo projects, set-based.

    PostgreSQL takes them through COPY, SQLite through executemany; tallies are
    rebuilt once at the end. A progress bar shows when `stream` is a terminal.
    """
    projects = projects or list(Project.objects.all())
    shapes = [shape for shape in GENERATED_SHAPES if not services or shape[0] in services]
    if not projects or not shapes or count <= 0:
        return 0
    stream = stream or sys.stdout
    show_progress = hasattr(stream, "isatty") and stream.isatty()
    rng = random.Random(seed)
    table = connection.ops.quote_name(FailedTask._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in BULK_COLUMNS)
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A recording takes its tally before the revision; this load takes the
            # revisions first and rebuilds the tallies last. Holding the tallies
            # from the start keeps the two from waiting on each other.
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(TaskTally._meta.db_table)} "
                           "IN EXCLUSIVE MODE")
        # One revision per project for the whole load, taken in one order; the
        # projects' recordings wait until it commits, as for any other change.
        revisions = {p.pk: take_revision(p.pk) for p in sorted(projects, key=lambda p: p.pk)}
        rows = _generated_rows(projects, shapes, count, rng, revisions)
        while done < count:
            batch = [next(rows) for _ in range(min(batch_size, count - done))]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(BULK_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                    [_sqlite_row(row) for row in batch],
                )
            done += len(batch)
            if show_progress:
                _progress(done, count, stream)
        recount_tallies([p.pk for p in projects])
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Fresh statistics, or the planner keeps choosing as if the table were
        # empty; and a visibility map, or deep pages and counts (index-only
        # scans) read the table until autovacuum comes by. VACUUM cannot run
        # inside a transaction: a caller's transaction gets ANALYZE alone.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    if show_progress:
        stream.write("\n")
    return done


def _sqlite_row(row: tuple) -> tuple:
    # The sqlite3 driver stores datetimes in the format Django reads back.
    return tuple(
        value.astimezone(dt_timezone.utc).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime) else value
        for value in row
    )


