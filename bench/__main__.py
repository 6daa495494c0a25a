"""`make bench`: the product's speed goals, measured on this machine over real HTTP.

Runs the production stack (gunicorn with 2 workers, DEBUG off, collected static
files) on a throwaway PostgreSQL database and on a throwaway SQLite file, loads
N failed tasks with `seed_demo --tasks N`, and prints, per database, one table:
each path's median latency (or throughput), its reference measured in the same
run, the ratio, the goal and whether it holds. See README, "Performance".

    python -m bench [--db both|postgresql|sqlite] [--tasks N] [--postgres URL] ...
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.load import wrk_path
from bench.server import manage, production_env

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("both", "postgresql", "sqlite"), default="both",
                        help="which database to run on (default: both, PostgreSQL first)")
    parser.add_argument("--tasks", type=int, default=1_000_000, metavar="N",
                        help="failed tasks to load with seed_demo --tasks (default 1,000,000)")
    parser.add_argument("--delete-all", type=int, default=100_000, metavar="N",
                        help="tasks in each Delete All set (default 100,000)")
    parser.add_argument("--repeat", type=int, default=20, metavar="R",
                        help="timed requests per latency path (default 20)")
    parser.add_argument("--seconds", type=int, default=6, metavar="S",
                        help="wrk's time on each throughput path, in 3 slices (default 6)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        metavar="URL", help="PostgreSQL server to create the throwaway database on "
                        f"(default $BENCH_POSTGRES_URL or {DEFAULT_POSTGRES})")
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.delete_all < 1 or args.repeat < 1 or args.seconds < 1:
        parser.error("--tasks, --delete-all, --repeat and --seconds must be at least 1")
    return args


def machine() -> str:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({cpu}), {memory} memory, load average {load} at start; "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


@contextmanager
def postgres_databases(server_url: str):
    """Two databases of its own on the server, dropped afterwards: the run's and the
    demo-size one (ftc_bench_<pid>, ftc_bench_<pid>_demo)."""
    import psycopg

    names = [f"ftc_bench_{os.getpid()}", f"ftc_bench_{os.getpid()}_demo"]
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")) for name in names]
    finally:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_databases(workdir: Path):
    try:
        yield [f"sqlite:///{workdir / 'bench.sqlite3'}", f"sqlite:///{workdir / 'bench-demo.sqlite3'}"]
    finally:
        for leftover in workdir.glob("bench*.sqlite3*"):
            leftover.unlink()


def run_one(urls: list[str], args, workdir: Path, static_root: Path, secret_key: str) -> int:
    command = [
        sys.executable, "-m", "bench.run", "--database-url", urls[0],
        "--demo-database-url", urls[1], "--static-root", str(static_root),
        "--workdir", str(workdir), "--secret-key", secret_key, "--tasks", str(args.tasks),
        "--delete-all", str(args.delete_all), "--repeat", str(args.repeat),
        "--seconds", str(args.seconds),
    ]
    child = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # The run got the interrupt too; let it stop its gunicorns before the databases go.
        child.wait(timeout=60)
        raise


def main(argv=None) -> int:
    args = parse_args(argv)
    wrk_path()  # before anything slow: say now if the load generator is missing
    print(f"# make bench\n\nMachine: {machine()}.", flush=True)
    secret_key = secrets.token_urlsafe(50)
    failures = []
    with tempfile.TemporaryDirectory(prefix="ftc-bench-") as tmp:
        workdir = Path(tmp)
        static_root = workdir / "static"
        env = production_env(f"sqlite:///{workdir / 'unused.sqlite3'}", static_root, secret_key)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        databases = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
        for vendor in databases:
            temporary = (postgres_databases(args.postgres) if vendor == "postgresql"
                         else sqlite_databases(workdir))
            with temporary as urls:
                if run_one(urls, args, workdir, static_root, secret_key) != 0:
                    failures.append(vendor)
    if failures:
        print(f"\nbench: the {' and '.join(failures)} run failed (see above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
