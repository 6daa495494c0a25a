"""The server `make serve` starts: idle or slow clients cannot stall it, a request that
needs no database is not held up by one that does, and it answers 503 while the
database is down and recovers by itself when it is back.

Each test runs the very gunicorn command `make serve` runs (read from `make -n serve`),
against the test database, without the collectstatic and migrate steps before it.
One worker: every idle connection then lands on the worker that must answer, the
hardest case, and warming it up is deterministic.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
IDLE_CONNECTIONS = 200
# What the issue asks of a normal request while the idle connections are open.
ANSWER_WITHIN_SECONDS = 1.0


def serve_command(port: int) -> str:
    """The gunicorn line of `make serve`, for this host and port."""
    result = subprocess.run(["make", "-n", "serve", "HOST=127.0.0.1", f"PORT={port}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    commands = result.stdout.replace("\\\n", " ").splitlines()
    [gunicorn] = [line for line in commands if "gunicorn" in line]
    return gunicorn


def database_url(host=None, port=None) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host = host or settings["HOST"] or "127.0.0.1"
    port = port or settings["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, tmp_path, database: str, **env):
        self.port = free_port()
        environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG",)}
        environment.update(
            DATABASE_URL=database, SECRET_KEY="serving-test-" + "s" * 50,
            SECURE_SSL_REDIRECT="false", WEB_CONCURRENCY="1",
            XDG_RUNTIME_DIR=str(tmp_path),  # gunicorn's control socket, not the user's
            **env)
        self.log = open(tmp_path / "server.log", "w+")
        self.process = subprocess.Popen(
            ["bash", "-c", serve_command(self.port)], cwd=ROOT, env=environment,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while self.get("/healthz", timeout=2)[0] != 200:
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)

    def get(self, path: str, timeout: float = 10) -> tuple[int | None, float]:
        """(status, seconds) of one request on a new connection; no status if none came."""
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            client.request("GET", path)
            response = client.getresponse()
            response.read()
            return response.status, time.monotonic() - started
        except OSError:
            return None, time.monotonic() - started
        finally:
            client.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture
def serve(transactional_db, tmp_path):
    servers = []

    def start(database=None, **env):
        server = Server(tmp_path, database or database_url(), **env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_make_serve_runs_gunicorn_with_a_worker_built_for_idle_clients():
    command = serve_command(8000)
    assert re.search(r"gunicorn -c console/gunicorn\.conf\.py console\.wsgi", command), command
    config = (ROOT / "console/gunicorn.conf.py").read_text()
    assert 'worker_class = "gevent"' in config


def test_idle_connections_do_not_stall_a_normal_request(serve):
    server = serve()
    warm_up(server)
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
            for _ in range(IDLE_CONNECTIONS)]
    try:
        # Three tries, each on a new connection behind the idle ones: the bound is
        # the requirement, the best of three keeps a busy machine's hiccup out of it.
        answers = [server.get("/readyz", timeout=5) for _ in range(3)]
        # (gunicorn closes a connection that sent no request within its keepalive, 2 s.)
        still_open = sum(_is_open(sock) for sock in idle)
    finally:
        for sock in idle:
            sock.close()
    print(f"\n{IDLE_CONNECTIONS} idle connections ({still_open} still open after): "
          f"answers {[(status, round(seconds, 3)) for status, seconds in answers]}")
    assert [status for status, _seconds in answers] == [200, 200, 200], server.output()
    assert min(seconds for _status, seconds in answers) < ANSWER_WITHIN_SECONDS


def warm_up(server):
    """The worker's first requests load the URLconf and open the database pool."""
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 3:
        assert time.monotonic() < deadline, server.output()
        answered = answered + 1 if server.get("/readyz")[0] == 200 else 0


def _is_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def test_the_server_answers_503_while_the_database_is_down_and_recovers(serve):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): a TCP proxy stops it; SQLite is a local file")
    settings = connection.settings_dict
    proxy = TcpProxy((settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))).start()
    try:
        server = serve(database_url("127.0.0.1", proxy.port), DB_CONNECT_TIMEOUT="2",
                       DB_STATEMENT_TIMEOUT="2")
        warm_up(server)

        proxy.kill()
        assert server.get("/readyz")[0] == 503
        assert server.get("/healthz")[0] == 200

        proxy.freeze()
        proxy.start()  # accepts again, but passes nothing: requests wait on the database
        waiting = _request_in_background(server, "/readyz")
        assert server.get("/healthz", timeout=5)[0] == 200  # not held up behind the request that waits on the database
        assert waiting.result() == 503  # the connect timeout answered it

        proxy.thaw()
        deadline = time.monotonic() + 30
        while (status := server.get("/readyz")[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200, server.output()
        log = server.output()
        assert "Traceback" not in log
        assert "Database unavailable: GET /readyz answered 503" in log
    finally:
        proxy.thaw()
        proxy.kill()


def _request_in_background(server, path):
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(lambda: server.get(path, timeout=30)[0])
    executor.shutdown(wait=False)
    time.sleep(0.5)  # let it reach the database first
    return future
