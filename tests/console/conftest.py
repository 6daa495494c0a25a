"""Database faults on purpose: the default connection's database goes down, comes back,
or (PostgreSQL) freezes, while requests go through the same connection handling as
under a real server."""

import copy

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from tests.tcp_proxy import TcpProxy


class ServedClient(Client):
    """The test client, with the connection checks a real server runs around every
    request (Django's test client leaves them out): a connection that failed is
    checked and dropped at the next request, so recovery is tested as it happens."""

    def request(self, **request):
        close_old_connections()
        try:
            return super().request(**request)
        finally:
            close_old_connections()


class DatabaseFaults:
    """down() and up() on either database; freeze() and thaw() on PostgreSQL, through
    a TCP proxy in front of it."""

    def __init__(self, tmp_path, django_settings):
        self.settings = connection.settings_dict
        self.original = copy.deepcopy(
            {key: self.settings[key] for key in ("NAME", "HOST", "PORT", "CONN_MAX_AGE", "OPTIONS")})
        self.tmp_path = tmp_path
        self.django_settings = django_settings
        self.proxy = None
        if connection.vendor == "postgresql":
            upstream = (self.settings["HOST"] or "127.0.0.1", int(self.settings["PORT"] or 5432))
            self.proxy = TcpProxy(upstream).start()
            self.settings.update(HOST="127.0.0.1", PORT=str(self.proxy.port))
            # Persistent connections, as in production, so a dropped one must be noticed.
            self.settings["CONN_MAX_AGE"] = 60
        connection.close()

    def down(self):
        if self.proxy:
            self.proxy.kill()
        else:
            # SQLite: the file cannot be opened (a missing directory; root reads anything).
            self.settings["NAME"] = str(self.tmp_path / "gone" / "db.sqlite3")
            connection.close()

    def up(self):
        if self.proxy:
            self.proxy.start()
        else:
            self.settings["NAME"] = self.original["NAME"]

    def limit(self, *, statement: float = 0, lock: float = 0, connect: int = 2):
        """Timeouts short enough for a test, applied as settings.py applies them."""
        options = self.settings["OPTIONS"]
        if connection.vendor == "postgresql":
            options["options"] = (f"-c statement_timeout={round(statement * 1000)} "
                                  f"-c lock_timeout={round(lock * 1000)}")
            options["connect_timeout"] = connect
        else:
            options["timeout"] = lock
        self.django_settings.DB_STATEMENT_TIMEOUT = statement
        self.django_settings.DB_LOCK_TIMEOUT = lock
        connection.close()

    def freeze(self):
        self.proxy.freeze()

    def thaw(self):
        self.proxy.thaw()

    def restore(self):
        if self.proxy:
            self.proxy.thaw()
            self.proxy.kill()
        self.settings.update(copy.deepcopy(self.original))
        connection.close()


@pytest.fixture
def database(transactional_db, tmp_path, settings):
    faults = DatabaseFaults(tmp_path, settings)
    yield faults
    faults.restore()


@pytest.fixture
def postgresql_proxy(database):
    if database.proxy is None:
        pytest.skip("needs PostgreSQL (DATABASE_URL): a TCP proxy freezes it; SQLite is a local file")
    return database


@pytest.fixture
def served_client():
    return ServedClient()
