"""`make bench`: the speed figures of SPEC section 7, measured on this machine.

Runs against a throwaway SQLite file (or the PostgreSQL named by BENCH_DATABASE_URL,
whose database it creates and drops), loads the demo data plus N generated failed
tasks, and prints, for each hot path: median latency, its ratio to a bare Django
view, and the number of SQL queries, at the demo's size and at N rows.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def configure(database_url: str | None) -> str:
    if database_url:
        url = database_url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='ftc-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    # Production settings (cached templates, no debug cursor), served as in `make serve`.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["SECURE_COOKIES"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # the test client speaks plain HTTP
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic here
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic for a benchmark: plain static URLs instead of the manifest.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return url


def timed(client, url: str, repeat: int, headers=None) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, headers=headers)  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return statistics.median(samples), len(queries.captured_queries)


def measure_pages(label: str, client, project, repeat: int) -> None:
    from django.urls import reverse

    bare, _ = timed(client, "/bench/bare/", repeat)
    paths = {
        "bare Django view": "/bench/bare/",
        "bare view, signed in": "/bench/bare-signed-in/",
        "service page (ECS)": reverse("service", args=[project.pk, "ecs"]),
        "counter poll (ECS)": reverse("failed-task-counter", args=[project.pk, "ecs"]),
        "dialog as htmx loads it (ECS)": reverse("failed-tasks", args=[project.pk, "ecs"]),
        "dialog as a full page (no JS)": reverse("failed-tasks", args=[project.pk, "ecs"]),
        "dialog, search by code": reverse("failed-tasks", args=[project.pk, "ecs"]) + "?q=Ecs.0013",
        "dialog, page 50": reverse("failed-tasks", args=[project.pk, "css"]) + "?page=50",
    }
    print(f"\n{label}")
    print(f"  {'path':32} {'median ms':>10} {'x bare':>8} {'queries':>8}")
    htmx = {"HX-Request": "true", "HX-Target": "modal-root"}
    for name, url in paths.items():
        headers = htmx if "htmx" in name else None
        median, queries = (bare, 0) if name == "bare Django view" else timed(
            client, url, repeat, headers)
        print(f"  {name:32} {median:10.2f} {median / bare:8.1f} {queries:8d}")


def measure_api(label: str, project, repeat: int) -> None:
    """API pages of 1,000 rows, with a Keystone token, against the signed-in bare view."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from console.credentials import issue_token

    token, _ = issue_token(get_user_model().objects.get(username="demo"), project)
    client = Client(headers={"X-Auth-Token": token})
    paths = {
        "console API, 1000 rows": f"/api/v1/projects/{project.pk}/failed-tasks?limit=1000",
        "console API, 10 rows": f"/api/v1/projects/{project.pk}/failed-tasks?limit=10",
        "SDRS list, up to 1000": f"/v1/{project.pk}/task-center/failure-jobs?limit=1000",
        "KPS list, 1000 rows": f"/v3/{project.pk}/failed-tasks?limit=1000",
    }
    print(f"\n{label}")
    print(f"  {'path':32} {'median ms':>10} {'queries':>8}")
    for name, url in paths.items():
        median, queries = timed(client, url, repeat)
        print(f"  {name:32} {median:10.2f} {queries:8d}")


def measure_delete_all(count: int) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from console.models import Project, Region
    from failedtasks.demo import generate_tasks
    from failedtasks.models import FailedTask
    from failedtasks.services import Actor, delete_all_seen, watermark_of

    region = Region.objects.get(id="cn-north-4")
    project, _ = Project.objects.get_or_create(name="cn-north-4_bench", region=region)
    generate_tasks(count, projects=[project], services=["css"], seed=2, stream=open(os.devnull, "w"))
    scope = FailedTask.objects.for_project(project).for_service("css").failed()
    watermark = watermark_of(scope)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        deletion = delete_all_seen(project, scope, watermark, Actor(None), service="css")
    elapsed = time.perf_counter() - started
    print(f"\nDelete All of {deletion.deleted_count:,} tasks (with their audit snapshots)")
    print(f"  {elapsed:.2f} s, {len(queries.captured_queries)} SQL statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--delete-all", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    pg_url = os.environ.get("BENCH_DATABASE_URL")
    url = configure(pg_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if connection.vendor == "postgresql":
        # A database of its own, dropped at the end.
        from django.test.utils import setup_databases, teardown_databases

        old = setup_databases(verbosity=0, interactive=False)
    else:
        old = None
        call_command("migrate", verbosity=0)
    try:
        print(f"Database: {connection.vendor} ({url.split('@')[-1]})")
        call_command("seed_demo", stdout=open(os.devnull, "w"))
        from console.models import Project

        project = Project.objects.get(name="cn-north-4")
        client = Client()
        client.force_login(get_user_model().objects.get(username="demo"))
        measure_pages("Demo size (tens of failed tasks)", client, project, args.repeat)

        started = time.perf_counter()
        call_command("seed_demo", tasks=args.tasks, random_seed=1, stdout=open(os.devnull, "w"))
        print(f"\nGenerated {args.tasks:,} failed tasks in {time.perf_counter() - started:.1f} s")
        from failedtasks.models import FailedTask

        ecs_rows = FailedTask.objects.filter(project=project, service="ecs").count()
        measure_pages(
            f"{args.tasks:,} failed tasks ({ecs_rows:,} in cn-north-4 ECS)", client, project,
            args.repeat,
        )
        measure_api("APIs with a token", project, max(5, args.repeat // 3))
        measure_delete_all(args.delete_all)
    finally:
        if old is not None:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
