"""Slowing down password guessing, for the console login and POST /v3/auth/tokens alike.

After too many failures for one user name, or from one address, within the
window, sign-ins are refused with "try again later" until the window passes.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from console.client_address import client_address
from console.models import LoginFailure

WINDOW = timedelta(minutes=15)


def retry_after(username: str, address: str | None) -> int:
    """Seconds until this user name and address may try again; 0 when they may now."""
    since = timezone.now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username=username[:150]).order_by("-at").values_list("at", flat=True)
    by_address = (recent.filter(remote_addr=address).order_by("-at").values_list("at", flat=True)
                  if address else [])
    waits = []
    for failures, limit in ((by_user, settings.LOGIN_FAILURES_PER_USER),
                            (by_address, settings.LOGIN_FAILURES_PER_ADDRESS)):
        failures = list(failures[:limit])
        if len(failures) >= limit:
            waits.append((failures[-1] + WINDOW - timezone.now()).total_seconds())
    return max(0, int(max(waits, default=0)) + 1) if waits else 0


@receiver(user_login_failed)
def remember_failure(sender, credentials, request=None, **kwargs):
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=now - WINDOW).delete()  # the table stays small
    LoginFailure.objects.create(
        username=str(credentials.get("username", ""))[:150], remote_addr=client_address(request),
        at=now,
    )


def forget(username: str, address: str | None) -> None:
    """A successful sign-in clears the user's failures (not the address's)."""
    LoginFailure.objects.filter(Q(username=username[:150])).delete()
