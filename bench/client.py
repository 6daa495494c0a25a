"""A browser's side of the conversation, over real HTTP on loopback.

One `Browser` is one signed-in tab: it keeps its cookies (session, CSRF), reuses
its connection when the server allows it (gunicorn's sync workers close after
each answer, as behind most proxies; http.client then reconnects by itself)
and times each request from sending it to having read the whole answer.
"""

import http.client
import json
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode


class BenchError(Exception):
    """A path answered something other than what a user would get: stop, say which."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    elapsed_ms: float


class FormFields(HTMLParser):
    """The fields a form would submit: its hidden inputs, found by the form's action."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self.found = False
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._inside = attrs.get("action") == self.action
            self.found = self.found or self._inside
        elif tag == "input" and self._inside and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def post_form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """The hidden fields of the POST form whose action is `action`; BenchError if none."""
    parser = FormFields(action)
    parser.feed(html)
    if not parser.found:
        raise BenchError(f"no POST form for {action} in the page")
    return parser.fields


class Browser:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=300)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            if method != "GET":
                raise  # never send a deletion twice
            # A connection the server closed while idle: once more on a fresh one.
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      content, elapsed_ms)

    def get(self, path: str, headers: dict[str, str] | None = None,
            expect: tuple[int, ...] = (200,)) -> Answer:
        answer = self.request("GET", path, headers)
        if answer.status not in expect:
            raise BenchError(f"GET {path} answered {answer.status}, not {expect}")
        return answer

    def post_form(self, path: str, fields: list[tuple[str, str]],
                  headers: dict[str, str] | None = None, expect: tuple[int, ...] = (200, 302)) -> Answer:
        answer = self.request("POST", path, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{self.host}:{self.port}", **(headers or {}),
        }, urlencode(fields).encode())
        if answer.status not in expect:
            raise BenchError(f"POST {path} answered {answer.status}, not {expect}")
        return answer

    def sign_in(self, login_path: str, username: str, password: str) -> None:
        """Through the login form, as a person does: its CSRF field, then the session cookie."""
        page = self.get(login_path).body.decode()
        self.post_form(login_path, [*post_form_fields(page, login_path),
                                    ("username", username), ("password", password)],
                       expect=(302,))
        if "sessionid" not in self.cookies:
            raise BenchError(f"signing in as {username} set no session cookie")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def keystone_token(browser: Browser, tokens_path: str, username: str, password: str,
                   project_id: str) -> str:
    """A token scoped to one project, from the Keystone password method."""
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": username, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"id": project_id}},
    }}
    answer = browser.request("POST", tokens_path, {"Content-Type": "application/json"},
                             json.dumps(body).encode())
    if answer.status != 201 or "x-subject-token" not in answer.headers:
        raise BenchError(f"POST {tokens_path} answered {answer.status}: {answer.body[:200]!r}")
    return answer.headers["x-subject-token"]
