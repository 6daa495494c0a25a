"""Authentication backends: Django's own, behind the sign-in throttle.

Every password check in the installation goes through authenticate(), and so
through ThrottledModelBackend: the console login, the Django admin's login,
POST /v3/auth/tokens and any door added later share one throttle without
having to remember to call it.

prefetched_user() lets a path that has read the signed-in user's row on a query
of its own (the counter's poll, with the project and the count on the same row)
hand it to Django's session check instead of having it read again.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from console.identity import login_throttle
from console.identity.client_address import client_address


def session_user_id(request):
    """The id of the user the request's session signed in, not yet checked; None."""
    return user_id_in(request.session)


def user_id_in(session_data):
    """The id of the user a session (or its decoded data) signed in, not yet checked; None."""
    try:
        return get_user_model()._meta.pk.to_python(session_data[SESSION_KEY])
    except KeyError:
        return None


_prefetched_user = ContextVar("prefetched_user", default=None)


@contextmanager
def prefetched_user(user):
    """While the block runs, the session check takes `user` (a row of the user model,
    or None) for its id rather than reading it again. Django still checks it as it
    would its own read: active, and the session's password hash."""
    token = _prefetched_user.set(user)
    try:
        yield
    finally:
        _prefetched_user.reset(token)


class ThrottledModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = _prefetched_user.get()
        if user is not None and user.pk == user_id:
            return user if self.user_can_authenticate(user) else None
        return super().get_user(user_id)

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            attempt = login_throttle.reserve(str(username), client_address(request))
        except login_throttle.Refused as refusal:
            login_throttle.refuse(request, refusal.retry_after)
            # PermissionDenied stops authenticate() at once: no other backend checks it.
            raise PermissionDenied("Too many failed sign-ins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_throttle.succeeded(attempt)
        return user
