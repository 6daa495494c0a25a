"""How psycopg waits on its socket in a gevent worker: at once when the socket is ready.

Under gevent, psycopg waits with poll(), which gevent makes cooperative by always
handing the greenlet to the hub, even when the socket is ready already: a statement
that could be sent at once waits until every other request of the worker has had
its turn. Most waits are for the server's answer and must let others run. A wait
that a non-blocking look can answer is answered at once here; only then does the
greenlet wait cooperatively, as psycopg would. That matters most where a request
holds a lock: a recording's stamp, receivers' writes and COMMIT (failedtasks.services)
go out together instead of with other requests' work in between.

install() is called by the gunicorn worker once gevent has patched the standard
library (console/gunicorn.conf.py); elsewhere psycopg's own choice stands.
"""

import select
from time import monotonic

from psycopg import errors, waiting
from psycopg.waiting import READY_NONE, READY_R, READY_W, WAIT_R, WAIT_RW, WAIT_W

_EVENTS = {WAIT_R: select.POLLIN, WAIT_W: select.POLLOUT, WAIT_RW: select.POLLIN | select.POLLOUT}
_BAD = ~(select.POLLIN | select.POLLOUT)
AT_ONCE_IN_A_ROW = 32  # waits answered without yielding, before one cooperative wait


def install() -> None:
    from gevent import monkey

    if not monkey.is_module_patched("select"):
        return
    original_poll = monkey.get_original("select", "poll")

    def wait(gen, fileno: int, interval: float = 0.0, timeout: float | None = None):
        """psycopg's wait_poll, with a non-blocking look (the unpatched poll) first."""
        deadline = monotonic() + timeout if timeout is not None else None
        try:
            state = next(gen)
            now, later = original_poll(), select.poll()
            now.register(fileno, _EVENTS[state])
            later.register(fileno, _EVENTS[state])
            answered_at_once = 0
            while True:
                # At once while the socket is ready, but not for ever: a long answer
                # streaming in lets the worker's other requests run now and then.
                answered_at_once += 1
                events = now.poll(0) if answered_at_once <= AT_ONCE_IN_A_ROW else None
                if not events:
                    answered_at_once = 0
                    wait_ms = interval if deadline is None else min(interval, deadline - monotonic())
                    events = later.poll(int(max(0.0, wait_ms) * 1000.0))
                if not events:
                    state = gen.send(READY_NONE)
                else:
                    event = events[0][1]
                    ready = (READY_R if event & select.POLLIN else 0) | \
                        (READY_W if event & select.POLLOUT else 0)
                    if not ready and event & _BAD:
                        raise errors.OperationalError("connection socket closed")
                    state = gen.send(ready)
                now.modify(fileno, _EVENTS[state])
                later.modify(fileno, _EVENTS[state])
                if deadline is not None and monotonic() >= deadline:
                    raise errors._WaitTimeout("wait timeout expired")
        except StopIteration as stop:
            return stop.value

    waiting.wait = wait
