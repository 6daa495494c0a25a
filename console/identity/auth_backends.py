"""Authentication backends: Django's own, behind the sign-in throttle.

Every password check in the installation goes through authenticate(), and so
through ThrottledModelBackend: the console login, the Django admin's login,
POST /v3/auth/tokens and any door added later share one throttle without
having to remember to call it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from console.identity import login_throttle
from console.identity.client_address import client_address


class ThrottledModelBackend(ModelBackend):
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
