"""One database's run of `make bench`; bench/__main__.py starts one per database.

The order is always the same:
1. migrate and seed the demo data in two databases, the run's and a second one
   left at demo size; load N failed tasks into the first with `seed_demo --tasks
   N` (then VACUUM ANALYZE on PostgreSQL: what autovacuum has done by the time
   anyone opens the console);
2. start gunicorn on each, sign in as `demo` on each;
3. time every latency path round-robin: the bare view, the counter on both
   databases, the dialog and API paths, and the in-process `json.dumps(list(
   qs.values(...)))` references, one of each per round, so that whatever else the
   machine is doing lands on a path and its reference alike;
4. throughput with wrk, in interleaved slices of the bare view and each path;
   recording against the bare POST view, likewise;
5. Delete All of two equal sets of rows (two other projects' failed CSS tasks):
   one by a raw SQL DELETE, one through the console's real confirmation and POST
   (audit snapshots included).
"""

import argparse
import http.client
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

from bench import paths
from bench.client import BenchError, Browser, keystone_token, post_form_fields
from bench.load import LoadResult, Script, get_script, post_script, run_wrk
from bench.report import (
    Row,
    count,
    format_table,
    ms,
    no_more_than,
    per_second,
    seconds,
)
from bench.server import HOST, WORKERS, gunicorn, manage, production_env, wait_until_idle

USER, PASSWORD = "demo", "demo"  # seed_demo's operator in every demo project
WARM_UP = 3  # requests per path before timing: both workers render it once or more
RAW_DELETES = 3  # the raw DELETE reference is the median of this many
SLICES = 3  # each throughput figure is this many wrk runs, interleaved with its reference
DEMO_PROJECT = "cn-north-4"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--demo-database-url", required=True)
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


Probe = Callable[[], float]  # one timed request (or reference), in ms


class Run:
    def __init__(self, args, port: int, demo_port: int, access_log: Path | None = None):
        self.args = args
        self.port = port
        self.access_log = access_log  # gunicorn's, of the measured server
        self.browser = Browser(HOST, port)  # the signed-in tab
        self.api = Browser(HOST, port)  # an API client: a token, no cookies
        self.demo = Browser(HOST, demo_port)  # a signed-in tab on the demo-size database
        self.token_headers: dict[str, str] = {}
        self.load_errors = 0
        self.load_runs: list[str] = []

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    # --- latency -----------------------------------------------------------

    @staticmethod
    def http(client: Browser, path: str, headers: dict | None = None) -> Probe:
        return lambda: client.get(path, headers).elapsed_ms

    def probe(self, latency: paths.Latency, subject: paths.Subject) -> Probe:
        client, path, headers = self.request_of(latency, subject)
        return self.http(client, path, headers)

    def request_of(self, latency: paths.Latency, subject: paths.Subject):
        if latency.token:
            return self.api, subject.fill(latency.url), {**self.token_headers, **(latency.headers or {})}
        return self.browser, subject.fill(latency.url), latency.headers or {}

    def medians(self, probes: dict[str, Probe]) -> dict[str, float]:
        """Median ms of each probe, after a warm-up, timed round-robin."""
        for probe in probes.values():
            for _ in range(WARM_UP):
                probe()
        samples: dict[str, list[float]] = {name: [] for name in probes}
        for _ in range(self.args.repeat):
            for name, probe in probes.items():
                samples[name].append(probe())
        return {name: statistics.median(values) for name, values in samples.items()}

    # --- load --------------------------------------------------------------

    def loads(self, runs: dict[str, tuple[str, dict, Script]], connections: int) -> dict[str, LoadResult]:
        """wrk on each (path, headers, script), in SLICES interleaved rounds, summed per path.
        A script that is a function is asked for each slice's own (POSTs that must not
        repeat an earlier slice's job ids)."""
        slice_seconds = max(1, round(self.args.seconds / SLICES))
        totals: dict[str, LoadResult] = {}
        for slice_number in range(SLICES):
            for name, (path, headers, script) in runs.items():
                text = script(slice_number) if callable(script) else script
                result = run_wrk(self.url(path), connections=connections, seconds=slice_seconds,
                                 script=text, workdir=self.args.workdir, headers=headers)
                self.drain()
                totals[name] = totals[name] + result if name in totals else result
        for name, total in totals.items():
            self.load_errors += total.errors
            self.load_runs.append(
                f"{name}: {total.requests:,} requests in {total.seconds:.1f} s, "
                f"{total.status_errors} non-2xx/3xx, {total.socket_errors} socket errors")
        return totals

    def drain(self) -> None:
        """Wait out the requests wrk left in flight when it stopped.

        The workers still answer every request they had read, and every one waiting
        on a connection, though wrk has hung up; without this the next run's first
        second would go to the previous path. A gevent worker answers a new request
        beside those, so an answer to one says only that both workers serve: the
        rest is over once the access log, where each answer is logged as it goes
        out, stops growing."""
        for _ in range(WORKERS):
            Browser(HOST, self.port).get(paths.READY)
        if self.access_log is not None and not wait_until_idle(self.access_log):
            say("gunicorn was still answering wrk's requests a minute after it stopped")

    def session_headers(self, headers: dict | None = None) -> dict[str, str]:
        return {"Cookie": self.browser.cookie_header, **(headers or {})}


def values_probe(latency: paths.Latency, subject: paths.Subject) -> Probe:
    """json.dumps(list(qs.values(...))) of the rows the API answer holds, in this process."""
    def probe() -> float:
        started = time.perf_counter()
        json.dumps(list(latency.values(subject)), default=str)
        return (time.perf_counter() - started) * 1000

    return probe


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
    from console.tenancy.models import Project
    from failedtasks.models import TaskTally

    project = Project.objects.get(pk=subject.project)
    ecs = TaskTally.objects.for_service(project, "ecs")
    sdrs = TaskTally.objects.for_service(project, "sdrs")
    return (f"project {project.name} ({ecs.in_category('creation'):,} ECS Creation Failures, "
            f"{sdrs.listed:,} SDRS tasks); searches: {subject.name_fragment!r}, "
            f"{subject.id_prefix!r}, {subject.error_code!r}")


def rows_in(body: bytes) -> int | None:
    """How many rows an API answer holds: the length of its list."""
    data = json.loads(body)
    lists = [value for value in data.values() if isinstance(value, list)]
    return len(lists[0]) if lists else None


def measure_latency(run: Run, subject: paths.Subject) -> list[Row]:
    counter = paths.COUNTER_LATENCY
    client, path, headers = run.request_of(counter, subject)
    probes = {"bare": run.http(run.browser, paths.BARE_GET),
              "counter": run.http(client, path, headers),
              "counter at demo size": run.http(run.demo, path, headers)}
    for latency in paths.LATENCY:
        probes[latency.name] = run.probe(latency, subject)
        if latency.values is not None:
            probes[f"{latency.name}: values"] = values_probe(latency, subject)
    say(f"timing {len(probes)} paths and references, {run.args.repeat} rounds")
    medians = run.medians(probes)
    bare = ms(medians["bare"])
    rows = [Row(counter.name.replace("N", f"{run.args.tasks:,}"), ms(medians["counter"]),
                ms(medians["counter at demo size"]), "demo", counter.goal)]
    for latency in paths.LATENCY:
        name = subject.fill(latency.name)
        if latency.values is None:
            rows.append(Row(name, ms(medians[latency.name]), bare, "bare", latency.goal))
            continue
        client, path, headers = run.request_of(latency, subject)
        answered = rows_in(client.get(path, headers).body)
        expected = len(latency.values(subject))
        note = "" if answered == expected else f"answer has {answered} rows, reference {expected}"
        rows.append(Row(name, ms(medians[latency.name]), ms(medians[f"{latency.name}: values"]),
                        "values", latency.goal, note))
    return rows


def measure_throughput(run: Run, subject: paths.Subject) -> list[Row]:
    connections = paths.CONNECTIONS
    say(f"wrk, {connections} connections, {run.args.seconds} s per path")
    runs = {"bare": (paths.BARE_GET, run.session_headers(), get_script())}
    notes = {}
    for load in paths.THROUGHPUT:
        path, headers = subject.fill(load.url), dict(load.headers or {})
        if load.conditional:
            etag = run.browser.get(path, headers).headers.get("etag")
            if etag is None:
                notes[load.name] = "the counter sends no ETag"
                continue
            headers["If-None-Match"] = etag
            status = run.browser.get(path, headers, expect=(200, 304)).status
            notes[load.name] = "" if status == 304 else f"answers {status}, not 304"
        runs[load.name] = (path, run.session_headers(headers), get_script())
    results = run.loads(runs, connections)
    bare = per_second(results["bare"].per_second)
    return [
        Row(load.name, per_second(results[load.name].per_second) if load.name in results else None,
            bare, "bare", load.goal, notes.get(load.name, ""))
        for load in paths.THROUGHPUT
    ]


def measure_recording(run: Run, subject: paths.Subject) -> Row:
    clients = paths.RECORDING_CLIENTS
    say(f"recording from {clients} clients, {run.args.seconds} s")
    headers = {"Content-Type": "application/json", **run.token_headers}
    stamp = f"{time.time():.0f}"
    results = run.loads({
        "bare POST": (paths.BARE_POST, {}, lambda slice_number: post_script(
            headers, paths.RECORD_BODY, f"bench-bare-{stamp}-{slice_number}")),
        # Each slice its own job ids: every POST records a new failure.
        "recording": (subject.fill(paths.RECORD), {}, lambda slice_number: post_script(
            headers, paths.RECORD_BODY, f"bench-{stamp}-{slice_number}")),
    }, clients)
    tallied, stored = tally_and_count(subject.project)
    note = "tallies exact" if tallied == stored else f"tallies {tallied:,} vs {stored:,} rows"
    return Row(f"recording, {clients} clients", per_second(results["recording"].per_second),
               per_second(results["bare POST"].per_second), "bare POST", paths.RECORDING_GOAL, note)


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


def measure_delete_all(run: Run, subject: paths.Subject) -> Row:
    """The failed CSS tasks of two other projects, equal in number: one project's gone by
    a raw SQL DELETE, the other's by the console's Delete All.

    Both sets are the loaded tasks themselves, spread over the table among every other
    project's and service's as a running installation's are (a DELETE of rows that
    share pages with nothing else would be a best case no installation sees), topped up
    with generated ones to --delete-all when the load holds fewer.
    """
    from django.db import connection, transaction
    from django.db.models import Count

    from console.tenancy.models import Project
    from failedtasks.demo import generate_tasks
    from failedtasks.models import FailedTask

    css = FailedTask.objects.filter(service="css").failed()
    counts = dict(css.exclude(project_id=subject.project).values_list("project_id")
                  .annotate(n=Count("id")).order_by("-n", "project_id")[:2])
    if len(counts) < 2:
        raise BenchError("Delete All needs two projects besides the measured one")
    size = max(run.args.delete_all, *counts.values())
    for project_id, present in counts.items():
        if present < size:
            generate_tasks(size - present, projects=[Project.objects.get(pk=project_id)],
                           services=["css"], seed=7, stream=open(os.devnull, "w"))
    raw_project, app_project = counts
    say(f"Delete All of {size:,} tasks, against a raw DELETE of as many")
    vacuum_analyze()

    # The raw DELETE is short enough that one checkpoint or a neighbour's burst would
    # move it: the median of three, the first two rolled back.
    table = connection.ops.quote_name(FailedTask._meta.db_table)
    timings = []
    for attempt in range(RAW_DELETES):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE project_id = %s AND service = 'css' "
                           "AND status = 'FAIL'", [raw_project])
            raw_count = cursor.rowcount
            transaction.set_rollback(attempt < RAW_DELETES - 1)
        timings.append(time.perf_counter() - started)
    raw = statistics.median(timings)

    action = paths.Subject(project="", counter_project="",
                           delete_project=app_project).fill(paths.DELETE_ALL_CSS)
    page = run.browser.get(action, paths.htmx(paths.OPENS_CONFIRMATION)).body.decode()
    fields = post_form_fields(page, action)
    started, failure = time.perf_counter(), ""
    try:
        run.browser.post_form(action, fields, {
            **paths.htmx(paths.SWAPS_LIST), "X-CSRFToken": run.browser.cookies.get("csrftoken", ""),
        }, expect=(200,))
    except (BenchError, OSError, http.client.HTTPException) as error:
        # e.g. gunicorn's 30 s worker timeout: what the person would have seen fail
        failure = f"failed: {error.__class__.__name__} {error}".strip()
    elapsed = time.perf_counter() - started
    left = css.filter(project_id=app_project).count()
    note = failure or ("" if left == 0 and raw_count == size else
                       f"raw deleted {raw_count:,}, {left:,} left after Delete All")
    return Row(f"Delete All of {size:,} tasks with audit", seconds(elapsed),
               seconds(raw), "raw DELETE", paths.DELETE_ALL_GOAL, note, failed=bool(failure))


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
            settings = {}
            for name in ("server_version", "shared_buffers", "work_mem"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0].split()[0]
            return (f"PostgreSQL {settings['server_version']} (shared_buffers "
                    f"{settings['shared_buffers']}, work_mem {settings['work_mem']})")
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def main(argv=None) -> None:
    args = parse_args(argv)
    env = production_env(args.database_url, args.static_root, args.secret_key)
    demo_env = production_env(args.demo_database_url, args.static_root, args.secret_key)
    os.environ.update(env)
    # This process loads and tops up the data and runs the raw DELETE, as an
    # administrator's management command would: without the web requests' statement
    # and lock timeouts (manage.py lifts them too), which a busy machine can outlast.
    # The gunicorns it measures keep theirs (`env`).
    os.environ["DB_STATEMENT_TIMEOUT"] = os.environ["DB_LOCK_TIMEOUT"] = "0"
    import django

    django.setup()
    from console.tenancy.models import Project

    say("migrate and seed_demo, twice: the run's database and one left at demo size")
    for database in (env, demo_env):
        manage(database, "migrate", "--noinput", "--verbosity", "0")
        manage(database, "seed_demo")
    say(f"seed_demo --tasks {args.tasks}")
    started = time.perf_counter()
    manage(env, "seed_demo", "--tasks", str(args.tasks))
    loaded = time.perf_counter() - started
    vacuumed = vacuum_analyze()
    version = database_version()
    subject = choose_subject(Project.objects.get(name=DEMO_PROJECT).pk)

    logs, demo_logs = args.workdir / "gunicorn", args.workdir / "gunicorn-demo"
    logs.mkdir(exist_ok=True)
    demo_logs.mkdir(exist_ok=True)
    with gunicorn(env, logs, paths.READY) as port, \
            gunicorn(demo_env, demo_logs, paths.READY) as demo_port:
        run = Run(args, port, demo_port, access_log=logs / "access.log")
        for tab in (run.browser, run.demo):
            tab.sign_in(paths.LOGIN, USER, PASSWORD)
            tab.get(subject.fill(paths.SERVICE_PAGE))  # where a person lands after signing in
        token = keystone_token(Browser(HOST, port), paths.TOKENS, USER, PASSWORD, subject.project)
        run.token_headers = {"X-Auth-Token": token}

        rows = measure_latency(run, subject)
        rows += measure_throughput(run, subject)
        rows.append(measure_recording(run, subject))
        rows.append(measure_delete_all(run, subject))
        rows.append(Row("errors under load", count(run.load_errors), None, "", no_more_than(0),
                        f"{len(run.load_runs)} paths under wrk"))

    print(f"\n## {version}: {args.tasks:,} failed tasks\n")
    print(f"Loaded by `seed_demo --tasks {args.tasks}` in {loaded:.0f} s"
          + (f", then VACUUM ANALYZE in {vacuumed:.0f} s" if vacuumed else "") + ".")
    print(f"Paths in {describe(subject)}; the counter in {DEMO_PROJECT}, against the same "
          "project in a second database at demo size.")
    print(f"Latency: median of {args.repeat} requests per path; throughput: wrk for "
          f"{args.seconds} s per path, in {SLICES} slices interleaved with its reference.\n")
    print(format_table(rows))
    print()
    for line in run.load_runs:
        print(f"- wrk, {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        raise SystemExit(f"bench: {error}")
