"""Database sessions (Django's), that remember in each process what each session's row
held when it last read or wrote it.

The paths every open tab asks for again and again (the counter's poll, the Failed
Tasks dialog) sign the user in on one statement (console.identity.signed_in). The
session's row is needed first, for the user's id: a query of its own. With the
session's data remembered, the user's id is known beforehand, and the statement
reads the session's row beside the rest. The remembered data is used only when the
row still holds exactly that data and has not expired, so the row stays the only
truth: a session signed out, flushed or changed by another server is read again.
"""

from collections import OrderedDict

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from console.lib.sql_names import column, table

REMEMBERED = 10_000  # sessions per process; the least recently used go first
_remembered: OrderedDict[str, str] = OrderedDict()


def remembered(session_key: str | None) -> str | None:
    """The session's data as this process last read or wrote it; None when unknown."""
    if session_key is None or (data := _remembered.get(session_key)) is None:
        return None
    try:
        _remembered.move_to_end(session_key)
    except KeyError:  # another thread let it go meanwhile
        pass
    return data


def remember(session_key: str, data: str) -> None:
    _remembered[session_key] = data
    try:
        _remembered.move_to_end(session_key)
        while len(_remembered) > REMEMBERED:
            _remembered.popitem(last=False)
    except KeyError:  # another thread changed the memory meanwhile: it is only a memory
        pass


def forget(session_key: str | None) -> None:
    _remembered.pop(session_key, None)


def stored_data_in_sql(session_key: str) -> tuple[str, list]:
    """The session's data as its row holds it now, NULL when gone or expired: an SQL
    scalar expression and its parameters, for a statement's list of reads."""
    return (f"SELECT {column(Session, 'session_data')} FROM {table(Session)} "
            f"WHERE {column(Session, 'session_key')} = %s AND {column(Session, 'expire_date')} > %s",
            [session_key, connection.ops.adapt_datetimefield_value(timezone.now())])


class SessionStore(db.SessionStore):
    def load(self):
        # As Django's, remembering the row's data (a miss clears the store's key: the
        # key is taken first).
        session_key = self.session_key
        stored = self._get_session_from_db()
        if stored is None:
            forget(session_key)
            return {}
        remember(self.session_key, stored.session_data)
        return self.decode(stored.session_data)

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        self._written = instance.session_data
        return instance

    def save(self, must_create=False):
        self._written = None
        super().save(must_create=must_create)
        if self._written is not None and self.session_key is not None:
            remember(self.session_key, self._written)

    def delete(self, session_key=None):
        forget(session_key or self.session_key)
        super().delete(session_key)

    def take(self, data: dict) -> None:
        """Use `data`, decoded from what the session's row holds now, as if this store
        had read it."""
        self._session_cache = data
