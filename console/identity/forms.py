from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from console.identity import login_throttle


class ThrottleMessage:
    """Says "try again in N minutes" when the sign-in throttle refused the attempt.

    The throttle itself sits in authentication (console.identity.auth_backends); a form
    only explains why authenticate() found no user.
    """

    def get_invalid_login_error(self):
        wait = login_throttle.retry_after(self.request)
        if not wait:
            return super().get_invalid_login_error()
        minutes = max(1, round(wait / 60))
        return ValidationError(
            ngettext("Too many failed sign-ins. Try again in %(minutes)d minute.",
                     "Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes)
            % {"minutes": minutes},
            code="throttled",
        )


class ThrottledAuthenticationForm(ThrottleMessage, AuthenticationForm):
    """The console's login form."""


class ThrottledAdminAuthenticationForm(ThrottleMessage, AdminAuthenticationForm):
    """The Django admin's login form."""
