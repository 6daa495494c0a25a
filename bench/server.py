"""The production stack as `make serve` runs it: gunicorn, 2 workers, DEBUG off."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.client import Browser

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
WORKERS = 2


def production_env(database_url: str, static_root: Path, secret_key: str) -> dict[str, str]:
    """Production settings over plain HTTP on loopback (no TLS proxy in front)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        # Plain HTTP: no redirect to HTTPS and cookies the client may send back.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "BENCH_STATIC_ROOT": str(static_root),
        "PYTHONPATH": str(ROOT),
    }


def manage(env: dict[str, str], *args: str) -> None:
    """A management command, in its own process, as an administrator would run it."""
    # Its output is progress, not results: stderr, so stdout holds only the report.
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=sys.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], logs: Path, ready_path: str, port: int | None = None):
    """gunicorn serving the console until the block ends; yields its port."""
    port = port or free_port()
    command = [
        # As `make serve` runs it: its configuration (gevent workers, a pool of
        # database connections per worker), with the bench's worker count and logs.
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "console" / "gunicorn.conf.py"),
        "console.wsgi", "--bind", f"{HOST}:{port}",
        "--workers", str(WORKERS), "--access-logfile", str(logs / "access.log"),
        "--error-logfile", str(logs / "gunicorn.log"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_until_serving(process, port, ready_path, logs)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_idle(access_log: Path, *, quiet_checks: int = 5, interval: float = 0.1,
                    most_checks: int = 600, size_of=None, sleep=time.sleep) -> bool:
    """Wait until the access log has not grown for `quiet_checks` looks in a row,
    `interval` seconds apart: gunicorn logs each request as it answers it, so by
    then it answers none. False when it still grew after `most_checks` looks."""
    size_of = size_of or (lambda path: path.stat().st_size if path.exists() else 0)
    last, quiet = None, 0
    for _ in range(most_checks):
        size = size_of(access_log)
        quiet = quiet + 1 if size == last else 0
        if quiet >= quiet_checks:
            return True
        last = size
        sleep(interval)
    return False


def _wait_until_serving(process, port: int, ready_path: str, logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {logs / 'gunicorn.log'}")
        try:
            # One request per worker, so both have loaded the application.
            for _ in range(WORKERS * 2):
                Browser(HOST, port).get(ready_path)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {logs / 'gunicorn.log'}")
