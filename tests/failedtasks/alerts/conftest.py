"""Alert rule builders, a real webhook receiver on loopback, and a clock tests move by hand."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from failedtasks.alerts.services import create_rule

SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture
def allow_loopback(settings):
    """Demos and tests list 127.0.0.1; production lists nothing by default."""
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CONSOLE_BASE_URL = "https://console.example.com"


def make_rule(project, target_url="http://127.0.0.1:9/hook", **fields):
    fields.setdefault("service", "")
    fields.setdefault("error_code", "")
    fields.setdefault("threshold", 1)
    fields.setdefault("window_minutes", 5)
    fields.setdefault("secret", SECRET)
    return create_rule(project, created_by=None, target_url=target_url, **fields)


class Received:
    def __init__(self, path: str, headers: dict, body: bytes):
        self.path, self.headers, self.body = path, headers, body

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """What the webhook target saw, and how it should answer the next requests."""

    def __init__(self):
        self.requests: list[Received] = []
        self.fail_first = 0  # answer 503 to this many requests first
        self.status = 204
        self.answer = b""
        self.headers: dict[str, str] = {}
        self.url = ""

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", 0))
        self.requests.append(Received(handler.path, dict(handler.headers), handler.rfile.read(length)))
        status, answer = self.status, self.answer
        if len(self.requests) <= self.fail_first:
            status, answer = 503, b"<b>busy</b>, try later"
        handler.send_response(status)
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)


@pytest.fixture
def receiver(allow_loopback):
    """An HTTP server in a thread on 127.0.0.1, on a port the system picks."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state.respond(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/failed-tasks?team=ops"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class Clock:
    """timezone.now() that stands still until a test moves it: for recordings
    (their windows) and for the worker (what is due), so no window ever splits
    because a slow machine crossed its boundary mid-test."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    pinned = Clock()
    monkeypatch.setattr("failedtasks.alerts.scheduling.clock", pinned)
    return pinned
