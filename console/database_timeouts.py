"""A deadline on this side for every PostgreSQL statement, for a server that stops
answering altogether.

The connect, statement and lock timeouts (settings DB_*_TIMEOUT) are enforced by
libpq and by the server. A server that accepts the connection and then answers
nothing (frozen, or a proxy in front of it that hangs) cancels nothing, though, and
a query would wait for its answer forever. So each statement also has a deadline
here: the statement timeout plus a grace for the server's own cancellation to
arrive. Past it, a watchdog shuts the connection's socket down; the waiting call
then fails with an OperationalError and the request answers 503 (console.lib.outage).
Django drops the broken connection and the next request opens a new one.

Management commands run without a statement timeout (manage.py), so without this
deadline too.
"""

import functools
import itertools
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.signals import connection_created
from django.dispatch import receiver

logger = logging.getLogger(__name__)

# Past the statement timeout, how long the server's own cancellation may take to arrive.
GRACE_SECONDS = 2.0
# How often the watchdog looks: deadlines are kept to within this.
POLL_SECONDS = 0.25


class Watchdog:
    """One thread per process that shuts down the socket of any database call that
    outlived its deadline. A call registers its socket on the way in and removes it
    on the way out, both under the lock the watchdog holds while it shuts sockets
    down, so it never touches a socket once the call is over (and the number may
    belong to something else)."""

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, int]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def call(self, fileno: int, seconds: float, function, *args, **kwargs):
        key = next(self._keys)
        with self._lock:
            self._calls[key] = (time.monotonic() + seconds, fileno)
            # Started once per process (its loop never ends). Not is_alive() on every
            # call: under gevent, asking a running thread whether it is alive hands the
            # greenlet to the hub, and other requests would run in the middle of each
            # statement (and of the transactions that hold locks).
            if self._thread is None:
                thread = threading.Thread(target=self._watch, name="database-deadlines",
                                          daemon=True)
                thread.start()  # if it cannot start, the next call tries again
                self._thread = thread
        try:
            return function(*args, **kwargs)
        finally:
            with self._lock:
                self._calls.pop(key, None)

    def _watch(self):
        while True:
            time.sleep(POLL_SECONDS)
            try:
                self._shut_down_overdue()
            except Exception:  # never let the watchdog stop: log and keep watching
                logger.exception("The database deadline watchdog failed a round")

    def _shut_down_overdue(self):
        now = time.monotonic()
        with self._lock:
            for key, (deadline, fileno) in list(self._calls.items()):
                if now >= deadline:
                    del self._calls[key]
                    _shut_down(fileno)


def _shut_down(fileno: int) -> None:
    """End the connection under a waiting call: it wakes and finds the socket closed.
    A duplicate descriptor is shut down and closed; the original stays the driver's."""
    try:
        with socket.socket(fileno=os.dup(fileno)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


watchdog = Watchdog()


def statement_deadline() -> float | None:
    timeout = settings.DB_STATEMENT_TIMEOUT
    return timeout + GRACE_SECONDS if timeout else None


@functools.cache
def with_deadlines(cursor_class, methods: tuple[str, ...]):
    """`cursor_class` whose `methods` (the ones that wait on the server) keep the deadline."""
    if getattr(cursor_class, "keeps_deadlines", False):
        return cursor_class

    def keeping_deadline(name):
        method = getattr(cursor_class, name)

        def call(self, *args, **kwargs):
            return _within_deadline(self.closed, self.connection, method, self, *args, **kwargs)

        call.__name__ = name
        return call

    namespace = {name: keeping_deadline(name) for name in methods}
    return type(cursor_class.__name__, (cursor_class,), {"keeps_deadlines": True, **namespace})


@receiver(connection_created)
def keep_deadlines(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    driver = connection.connection
    # Every query goes through these, Django's own health check included.
    driver.cursor_factory = with_deadlines(driver.cursor_factory, ("execute", "executemany"))
    driver.server_cursor_factory = with_deadlines(
        driver.server_cursor_factory, ("execute", "fetchone", "fetchmany", "fetchall"))
    # console.lib.prepared's cursors bind on the server.
    driver.prepared_cursor_factory = with_deadlines(ServerBindingCursor, ("execute", "executemany"))
    # And the ends of transactions: in pipeline mode (a recording) the answers of the
    # statements before a COMMIT are waited for by the commit itself.
    # A pooled connection is announced again each time a request takes it: once each.
    for name in ("commit", "rollback"):
        method = getattr(driver, name)
        if not hasattr(method, "deadline_of"):
            setattr(driver, name, _keeping_deadline(driver, method))


def _keeping_deadline(driver, method):
    def call(*args, **kwargs):
        return _within_deadline(driver.closed, driver, method, *args, **kwargs)

    call.deadline_of = method
    return call


def _within_deadline(closed: bool, driver, method, *args, **kwargs):
    """`method(*args, **kwargs)`, which waits on `driver`'s server, under the watchdog's
    deadline (none when there is no statement timeout, or its cursor or connection is
    `closed` and the call fails at once)."""
    seconds = statement_deadline()
    if seconds is None or closed:
        return method(*args, **kwargs)
    return watchdog.call(driver.fileno(), seconds, method, *args, **kwargs)
