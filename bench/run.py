"""One database's run of `make bench`; bench/__main__.py starts one per database.

The order matters and is always the same:
1. migrate and seed the demo data, start gunicorn, sign in as `demo`;
2. time the counter at demo size (against the bare view, interleaved);
3. load N failed tasks with `seed_demo --tasks N` (then VACUUM ANALYZE on
   PostgreSQL: what autovacuum has done by the time anyone opens the console);
4. time every latency path, round-robin with the bare view so that whatever
   else the machine is doing lands on all of them alike, then the in-process
   `json.dumps(list(qs.values(...)))` references of the API rows;
5. throughput with wrk: the bare view, then each path; recording against the
   bare POST view;
6. Delete All of two equal sets of rows: one by a raw SQL DELETE, one through
   the console's real confirmation and POST (audit snapshots included).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

from bench import paths
from bench.client import BenchError, Browser, keystone_token, post_form_fields
from bench.load import get_script, post_script, run_wrk
from bench.report import (
    Row,
    count,
    format_table,
    ms,
    no_more_than,
    per_second,
    seconds,
)
from bench.server import HOST, gunicorn, manage, production_env

USER, PASSWORD = "demo", "demo"  # seed_demo's operator in every demo project
WARM_UP = 3  # requests per path before timing: both workers render it once or more
DEMO_PROJECT = "cn-north-4"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--static-root", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--delete-all", type=int, required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--seconds", type=int, required=True)
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


class Run:
    def __init__(self, args, port: int):
        self.args = args
        self.port = port
        self.browser = Browser(HOST, port)  # the signed-in tab
        self.api = Browser(HOST, port)  # an API client: a token, no cookies
        self.token_headers: dict[str, str] = {}
        self.load_errors = 0
        self.load_runs: list[str] = []

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    # --- latency -----------------------------------------------------------

    def medians(self, probes: dict[str, tuple[Browser, str, dict]]) -> dict[str, float]:
        """Median ms of each probe (client, path, headers), timed round-robin."""
        for client, path, headers in probes.values():
            for _ in range(WARM_UP):
                client.get(path, headers)
        samples: dict[str, list[float]] = {name: [] for name in probes}
        for _ in range(self.args.repeat):
            for name, (client, path, headers) in probes.items():
                samples[name].append(client.get(path, headers).elapsed_ms)
        return {name: statistics.median(values) for name, values in samples.items()}

    def probe(self, latency: paths.Latency, subject: paths.Subject) -> tuple[Browser, str, dict]:
        if latency.token:
            return self.api, subject.fill(latency.url), {**self.token_headers, **(latency.headers or {})}
        return self.browser, subject.fill(latency.url), latency.headers or {}

    def values_reference(self, latency: paths.Latency, subject: paths.Subject) -> tuple[float, int]:
        """Median ms of json.dumps(list(qs.values(...))) of the answer's rows, in-process."""
        timings, rows = [], []
        for attempt in range(WARM_UP + self.args.repeat):
            started = time.perf_counter()
            rows = list(latency.values(subject))
            json.dumps(rows, default=str)
            if attempt >= WARM_UP:
                timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings), len(rows)

    # --- load --------------------------------------------------------------

    def wrk(self, name: str, path: str, *, connections: int, headers=None, script=None):
        result = run_wrk(self.url(path), connections=connections, seconds=self.args.seconds,
                         script=script or get_script(), workdir=self.args.workdir,
                         headers=headers)
        self.load_errors += result.errors
        self.load_runs.append(
            f"{name}: {result.requests:,} requests, {result.status_errors} non-2xx/3xx, "
            f"{result.socket_errors} socket errors")
        return result

    def session_headers(self, headers: dict | None = None) -> dict[str, str]:
        return {"Cookie": self.browser.cookie_header, **(headers or {})}


def choose_subject(counter_project: str) -> paths.Subject:
    """The biggest project's paths, with searches and depths taken from its own rows."""
    from django.db.models import Sum

    from failedtasks.listing import PAGE_SIZE
    from failedtasks.models import FailedTask, TaskTally

    biggest = (
        TaskTally.objects.filter(service="ecs", category="creation")
        .values("project_id").annotate(n=Sum("count")).order_by("-n", "project_id").first()
    )
    project, creations = biggest["project_id"], biggest["n"]
    sdrs_jobs = (FailedTask.objects.filter(project_id=project).for_service("sdrs")
                 .failed().in_group("").count())
    middle = (FailedTask.objects.filter(project_id=project, service="ecs", category="creation")
              .newest_first().values("resource_name", "resource_id", "error_code")[creations // 2])
    name = middle["resource_name"]
    return paths.Subject(
        project=project,
        counter_project=counter_project,
        page=min(3000, max(1, math.ceil(creations / PAGE_SIZE))),
        offset=min(40_000, max(0, sdrs_jobs - 1000)),
        name_fragment=name[len(name) // 3:],  # "ecs-load-0421" -> "load-0421": inside the name
        id_prefix=middle["resource_id"][:8],
        error_code=middle["error_code"] or "Ecs.0013",
    )


def describe(subject: paths.Subject) -> str:
    from console.models import Project
    from failedtasks.services import tallies_for

    project = Project.objects.get(pk=subject.project)
    ecs, sdrs = tallies_for(project, "ecs"), tallies_for(project, "sdrs")
    return (f"project {project.name} ({ecs.in_category('creation'):,} ECS Creation Failures, "
            f"{sdrs.listed:,} SDRS tasks); searches: {subject.name_fragment!r}, "
            f"{subject.id_prefix!r}, {subject.error_code!r}")


def rows_in(body: bytes) -> int | None:
    """How many rows an API answer holds: the length of its list."""
    data = json.loads(body)
    lists = [value for value in data.values() if isinstance(value, list)]
    return len(lists[0]) if lists else None


def measure_latency(run: Run, subject: paths.Subject, demo_counter: float) -> list[Row]:
    probes = {"bare": (run.browser, paths.BARE_GET, {}),
              "counter": run.probe(paths.COUNTER_LATENCY, subject)}
    probes.update({latency.name: run.probe(latency, subject) for latency in paths.LATENCY})
    say(f"timing {len(probes)} paths, {run.args.repeat} rounds")
    medians = run.medians(probes)
    bare = ms(medians["bare"])
    rows = [Row(paths.COUNTER_LATENCY.name.replace("N", f"{run.args.tasks:,}"),
                ms(medians["counter"]), ms(demo_counter), "demo", paths.COUNTER_LATENCY.goal)]
    for latency in paths.LATENCY:
        name = subject.fill(latency.name)
        if latency.values is None:
            rows.append(Row(name, ms(medians[latency.name]), bare, "bare", latency.goal))
            continue
        reference, reference_rows = run.values_reference(latency, subject)
        client, path, headers = run.probe(latency, subject)
        answered = rows_in(client.get(path, headers).body)
        note = "" if answered == reference_rows else f"answer has {answered} rows, reference {reference_rows}"
        rows.append(Row(name, ms(medians[latency.name]), ms(reference), "values", latency.goal, note))
    return rows


def measure_throughput(run: Run, subject: paths.Subject) -> list[Row]:
    c = paths.CONNECTIONS
    say(f"wrk, {c} connections, {run.args.seconds} s per path")
    bare = run.wrk("bare", paths.BARE_GET, connections=c, headers=run.session_headers())
    rows = []
    for load in paths.THROUGHPUT:
        path, headers, note = subject.fill(load.url), dict(load.headers or {}), ""
        if load.conditional:
            etag = run.browser.get(path, headers).headers.get("etag")
            if etag is None:
                rows.append(Row(load.name, None, per_second(bare.per_second), "bare", load.goal,
                                "the counter sends no ETag"))
                continue
            headers["If-None-Match"] = etag
            status = run.browser.get(path, headers, expect=(200, 304)).status
            note = "" if status == 304 else f"answers {status}, not 304"
        result = run.wrk(load.name, path, connections=c, headers=run.session_headers(headers))
        rows.append(Row(load.name, per_second(result.per_second), per_second(bare.per_second),
                        "bare", load.goal, note))
    return rows


def measure_recording(run: Run, subject: paths.Subject) -> Row:
    clients = paths.RECORDING_CLIENTS
    say(f"recording from {clients} clients, {run.args.seconds} s")
    headers = {"Content-Type": "application/json", **run.token_headers}
    stamp = f"{time.time():.0f}"
    bare = run.wrk("bare POST", paths.BARE_POST, connections=clients,
                   script=post_script(headers, paths.RECORD_BODY, f"bench-bare-{stamp}"))
    recorded = run.wrk("recording", subject.fill(paths.RECORD), connections=clients,
                       script=post_script(headers, paths.RECORD_BODY, f"bench-{stamp}"))
    tallied, stored = tally_and_count(subject.project)
    note = "tallies exact" if tallied == stored else f"tallies {tallied:,} vs {stored:,} rows"
    return Row(f"recording, {clients} clients", per_second(recorded.per_second),
               per_second(bare.per_second), "bare POST", paths.RECORDING_GOAL, note)


def tally_and_count(project_id: str) -> tuple[int, int]:
    """The project's tallied total and its count(*), read in one statement (one snapshot):
    a request wrk left in flight commits before or after it, never between."""
    from django.db import connection

    from failedtasks.models import FailedTask, TaskTally

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COALESCE(SUM(count), 0) FROM {quote(TaskTally._meta.db_table)} "
            f"WHERE project_id = %s), (SELECT COUNT(*) FROM {quote(FailedTask._meta.db_table)} "
            "WHERE project_id = %s)", [project_id, project_id])
        tallied, stored = cursor.fetchone()
    return int(tallied), int(stored)


def measure_delete_all(run: Run) -> Row:
    """Two equal sets of CSS tasks: one deleted by raw SQL, one by the console's Delete All."""
    from django.db import connection, transaction

    from console.models import Membership, Project, Role
    from failedtasks.demo import generate_tasks
    from failedtasks.models import FailedTask

    size = run.args.delete_all
    say(f"Delete All: loading two sets of {size:,} tasks")
    user = Membership.objects.get(project__name=DEMO_PROJECT, user__username=USER).user
    sets = {}
    for purpose in ("raw", "app"):
        project = Project.objects.create(name=f"{DEMO_PROJECT}_bench_{purpose}",
                                         region_id=DEMO_PROJECT)
        Membership.objects.create(user=user, project=project, role=Role.OPERATOR)
        generate_tasks(size, projects=[project], services=["css"], seed=7,
                       stream=open(os.devnull, "w"))
        sets[purpose] = project
    vacuum_analyze()

    table = connection.ops.quote_name(FailedTask._meta.db_table)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [sets["raw"].pk])
        raw_count = cursor.rowcount
    raw = time.perf_counter() - started

    subject = paths.Subject(project="", counter_project="", delete_project=sets["app"].pk)
    action = subject.fill(paths.DELETE_ALL_CSS)
    page = run.browser.get(action, paths.htmx(paths.OPENS_CONFIRMATION)).body.decode()
    fields = post_form_fields(page, action)
    answer = run.browser.post_form(action, fields, {
        **paths.htmx(paths.SWAPS_LIST), "X-CSRFToken": run.browser.cookies.get("csrftoken", ""),
    }, expect=(200,))
    left = FailedTask.objects.filter(project=sets["app"]).count()
    note = "" if left == 0 and raw_count == size else (
        f"raw deleted {raw_count:,}, {left:,} left after Delete All")
    return Row(f"Delete All of {size:,} tasks with audit", seconds(answer.elapsed_ms / 1000),
               seconds(raw), "raw DELETE", paths.DELETE_ALL_GOAL, note)


def vacuum_analyze() -> float:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def main(argv=None) -> None:
    args = parse_args(argv)
    env = production_env(args.database_url, args.static_root, args.secret_key)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections

    from console.models import Project

    say("migrate, seed_demo")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo")
    version = database_version()
    counter_project = Project.objects.get(name=DEMO_PROJECT).pk
    with gunicorn(env, args.workdir, paths.READY) as port:
        run = Run(args, port)
        run.browser.sign_in(paths.LOGIN, USER, PASSWORD)
        demo = paths.Subject(project=counter_project, counter_project=counter_project)
        run.browser.get(demo.fill(paths.SERVICE_PAGE))  # where a person lands after signing in
        say("counter at demo size")
        demo_counter = run.medians({
            "bare": (run.browser, paths.BARE_GET, {}),
            "counter": run.probe(paths.COUNTER_LATENCY, demo),
        })["counter"]

        say(f"seed_demo --tasks {args.tasks}")
        connections.close_all()
        started = time.perf_counter()
        manage(env, "seed_demo", "--tasks", str(args.tasks))
        loaded = time.perf_counter() - started
        vacuumed = vacuum_analyze()
        subject = choose_subject(counter_project)
        token = keystone_token(Browser(HOST, port), paths.TOKENS, USER, PASSWORD, subject.project)
        run.token_headers = {"X-Auth-Token": token}

        rows = measure_latency(run, subject, demo_counter)
        rows += measure_throughput(run, subject)
        rows.append(measure_recording(run, subject))
        rows.append(measure_delete_all(run))
        rows.append(Row("errors under load", count(run.load_errors), None, "", no_more_than(0),
                        f"{len(run.load_runs)} wrk runs"))

    print(f"\n## {version}: {args.tasks:,} failed tasks\n")
    print(f"Loaded by `seed_demo --tasks {args.tasks}` in {loaded:.0f} s"
          + (f", VACUUM ANALYZE {vacuumed:.0f} s" if vacuumed else "") + ".")
    print(f"Paths in {describe(subject)}; the counter in {DEMO_PROJECT}.")
    print(f"Latency: median of {args.repeat} requests per path; throughput: wrk for "
          f"{args.seconds} s.\n")
    print(format_table(rows))
    print()
    for line in run.load_runs:
        print(f"  wrk {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        raise SystemExit(f"bench: {error}")
