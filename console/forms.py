from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console import login_throttle
from console.client_address import client_address


class ThrottledAuthenticationForm(AuthenticationForm):
    """The console's login form, refusing further tries after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Try again later."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = login_throttle.retry_after(username, address)
        if wait:
            minutes = max(1, round(wait / 60))
            raise ValidationError(
                ngettext("Too many failed sign-ins. Try again in %(minutes)d minute.",
                         "Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes)
                % {"minutes": minutes},
                code="throttled",
            )
        cleaned = super().clean()
        login_throttle.forget(username, address)
        return cleaned
