"""How gunicorn serves the console: `make serve`, or by hand
`gunicorn -c console/gunicorn.conf.py console.wsgi --bind HOST:PORT`.

gevent workers: each connection is a greenlet, so clients that stay idle or send their
request slowly (a kept-alive browser, a client trickling bytes, a port scanner) cost a
few kilobytes each and never hold up the worker another request waits for; gunicorn
closes a connection that has not sent a whole request within its keepalive (2 s).
Sync workers serve one connection at a time: two idle connections delayed a request by
half a minute. gunicorn's threaded workers hand each new connection to a thread until
its first bytes arrive (up to 5 s), so a couple of hundred idle connections stall them
too, and a slow client keeps its thread for as long as it trickles.

Requests being greenlets, a per-thread persistent database connection would become one
connection per request: each worker shares a pool of PostgreSQL connections instead
(DB_POOL_SIZE, settings.py).

Never --preload: psycopg picks how it waits on its sockets when imported, and must be
imported after gevent has patched the standard library (the worker patches it before
loading the application), or a database wait would block every request of the worker.
Once the worker is ready, psycopg's wait is replaced by one that answers at once when
the socket is ready and waits cooperatively only otherwise (console/green_waiting.py).
"""

import os

worker_class = "gevent"
# Open connections per worker, idle ones included (each a greenlet).
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
accesslog = "-"

os.environ.setdefault("DB_POOL_SIZE", "10")


def post_worker_init(worker):
    # gevent has patched the standard library by now (console/green_waiting.py).
    from console.green_waiting import install

    install()
