"""Post one signed body to a webhook target: checked addresses, bounded in time and size.

- The host is resolved and every address checked (failedtasks.alerts.targets) right
  before connecting; the connection goes to a checked address, never to a
  name resolved again, and TLS still verifies the certificate for the name.
- One deadline bounds the whole exchange (connect, send, headers, body): a
  target that answers one byte at a time is cut off, not waited for.
- Redirects are never followed: a 3xx is a failed delivery that names where
  it pointed. So a redirect can never lead to an address that was not checked.
- At most RESPONSE_BYTES of the answer are read, and only an excerpt is kept.
"""

import hashlib
import hmac
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from failedtasks.alerts.models import DeliveryOutcome, FailureReason
from failedtasks.alerts.targets import (
    Resolver,
    Target,
    TargetRefused,
    checked_addresses,
    parse_target,
)

SIGNATURE_HEADER = "X-Signature-256"
USER_AGENT = "FailedTasksConsole-Alerts/1.0"
RESPONSE_BYTES = 4096
EXCERPT_CHARS = 300


def signature(secret: str, body: bytes) -> str:
    """The X-Signature-256 value: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Result:
    outcome: str  # DeliveryOutcome
    duration_ms: int
    reason: str = ""  # FailureReason, when not delivered
    response_code: int | None = None
    detail: str = ""
    response_excerpt: str = ""

    @property
    def delivered(self) -> bool:
        return self.outcome == DeliveryOutcome.DELIVERED


def excerpt(raw: bytes) -> str:
    """The start of an answer as plain, printable text (the page still escapes it)."""
    text = raw.decode("utf-8", errors="replace")
    text = "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class _Deadline:
    """Shut the socket down when time is up, waking any read or write blocked on it."""

    def __init__(self, seconds: float):
        self.seconds, self.expired, self._sock = seconds, False, None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._started = time.monotonic()

    def start(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timer.start()

    def remaining(self) -> float:
        return max(0.05, self.seconds - (time.monotonic() - self._started))

    def _expire(self) -> None:
        self.expired = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(target: Target, addresses: list[str], deadline: _Deadline) -> socket.socket:
    """A connection to the first checked address that answers (TLS for https)."""
    last_error: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, target.port), timeout=deadline.remaining())
            break
        except OSError as error:
            last_error = error
    else:
        raise last_error or OSError("no address to connect to")
    if target.scheme == "https":
        context = ssl.create_default_context()
        try:
            sock = context.wrap_socket(sock, server_hostname=target.host)
        except BaseException:
            sock.close()
            raise
    return sock


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float | None = None,
    resolver: Resolver | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Result:
    """POST `body` to `url` once; a Result whatever happens (this never raises for the target)."""
    timeout = timeout or settings.ALERT_WEBHOOK_TIMEOUT_SECONDS
    started = clock()

    def result(outcome, reason="", **fields) -> Result:
        return Result(outcome, int((clock() - started) * 1000), reason, **fields)

    try:
        target = parse_target(url)
        addresses = checked_addresses(target, resolver=resolver, timeout=timeout)
    except TargetRefused as refused:
        return result(DeliveryOutcome.REFUSED, refused.reason, detail=refused.detail[:255])

    deadline = _Deadline(timeout)
    sock = None
    try:
        sock = _connect(target, addresses, deadline)
        deadline.start(sock)
        sock.settimeout(deadline.remaining())
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        connection.sock = sock  # already connected, to a checked address
        connection.request("POST", target.path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers,
        })
        response = connection.getresponse()
        answer = response.read(RESPONSE_BYTES)
        status = response.status
    except ssl.SSLError as error:  # certificate verification failures included
        return result(DeliveryOutcome.FAILED, FailureReason.TLS, detail=str(error)[:255])
    except TimeoutError:
        return result(DeliveryOutcome.FAILED, FailureReason.TIMEOUT,
                      detail=f"no complete answer within {timeout:g} s")
    except http.client.HTTPException as error:
        reason = FailureReason.TIMEOUT if deadline.expired else FailureReason.PROTOCOL
        return result(DeliveryOutcome.FAILED, reason,
                      detail=(f"no complete answer within {timeout:g} s" if deadline.expired
                              else f"{type(error).__name__}: {error}"[:255]))
    except OSError as error:
        if deadline.expired:
            return result(DeliveryOutcome.FAILED, FailureReason.TIMEOUT,
                          detail=f"no complete answer within {timeout:g} s")
        return result(DeliveryOutcome.FAILED, FailureReason.CONNECTION,
                      detail=(error.strerror or str(error) or type(error).__name__)[:255])
    finally:
        deadline.cancel()
        if sock is not None:
            sock.close()

    fields = {"response_code": status, "response_excerpt": excerpt(answer)}
    if 200 <= status < 300:
        return result(DeliveryOutcome.DELIVERED, **fields)
    if 300 <= status < 400:
        location = response.getheader("Location", "") or ""
        return result(DeliveryOutcome.FAILED, FailureReason.REDIRECT,
                      detail=f"Location: {location}"[:255], **fields)
    return result(DeliveryOutcome.FAILED, FailureReason.STATUS, **fields)
