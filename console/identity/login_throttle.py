"""Slowing down password guessing, at every door that checks a password.

The throttle lives inside authentication itself (console.identity.auth_backends), so the
console login, the Django admin's login, POST /v3/auth/tokens and whatever calls
django.contrib.auth.authenticate() later are all guarded by this one module.

Protocol: an attempt is reserved, that is recorded as a failure, *before* the
password is hashed, inside a transaction that holds a lock per user name and per
address (PostgreSQL advisory locks; SQLite's write lock); a success then withdraws
it. Parallel guesses therefore queue for the lock and see each other's
reservations: however many arrive at once, no more passwords are checked than
the limits allow. The state is in the database, so every app server behind the
load balancer counts the same attempts.

The rules, over the last WINDOW:
- one user name from one address: LOGIN_FAILURES_PER_USER failures lock that pair
  only. Someone guessing elsewhere never locks the real user out of an address
  that has not failed.
- one address: LOGIN_FAILURES_PER_ADDRESS failures lock it for every user name.
- one user name from anywhere: past LOGIN_FAILURES_PER_USER failures, attempts
  from addresses the user has not signed in from lately are spaced by a doubling
  backoff (1 s, 2 s, 4 s ... at most LOGIN_BACKOFF_MAX_SECONDS), so a guesser
  spread over many addresses is slowed to a trickle, while the user's own known
  addresses are never held up.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from console.identity.models import KnownSignInAddress, LoginFailure

WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS_FOR = timedelta(days=30)  # how long a successful sign-in vouches for an address
_REFUSAL_ATTRIBUTE = "sign_in_retry_after"


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt: the failure row that stands for it until it succeeds."""

    username: str
    address: str | None
    failure_id: int


class Refused(Exception):
    """Too many failures: wait this many seconds before trying again."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def reserve(username: str, address: str | None) -> Attempt:
    """Count this attempt as a failure before its password is checked, or raise Refused.

    Reservations for the same user name or the same address are serialised, so
    the check and the record are one step as far as any other attempt can see.
    """
    username = _key(username)
    now = timezone.now()
    with transaction.atomic():
        _lock(f"user:{username}", f"address:{address}")
        wait = _seconds_to_wait(username, address, now)
        if wait:
            raise Refused(wait)
        failure = LoginFailure.objects.create(username=username, remote_addr=address, at=now)
    LoginFailure.objects.filter(at__lt=now - WINDOW).delete()  # the table stays small
    return Attempt(username, address, failure.pk)


def succeeded(attempt: Attempt) -> None:
    """The password was right: withdraw the reservation, clear this pair's failures
    (not other addresses': they may be someone else's) and vouch for the address."""
    LoginFailure.objects.filter(username=attempt.username, remote_addr=attempt.address).delete()
    if attempt.address is None:
        return
    now = timezone.now()
    KnownSignInAddress.objects.bulk_create(
        [KnownSignInAddress(username=attempt.username, remote_addr=attempt.address,
                            signed_in_at=now)],
        update_conflicts=True, unique_fields=["username", "remote_addr"],
        update_fields=["signed_in_at"],
    )
    KnownSignInAddress.objects.filter(
        username=attempt.username, signed_in_at__lt=now - KNOWN_ADDRESS_FOR).delete()


def refuse(request, retry_after: int) -> None:
    """Tell the view behind authenticate() why it got no user (authenticate() itself
    can only answer None)."""
    if request is not None:
        setattr(request, _REFUSAL_ATTRIBUTE, retry_after)


def retry_after(request) -> int:
    """Seconds the throttle asked this request to wait; 0 when it was not throttled."""
    return getattr(request, _REFUSAL_ATTRIBUTE, 0)


def _key(username: str) -> str:
    """The user name as stored (150 characters at most). A longer one, which no
    account can have, is stored as its digest rather than cut short: a prefix
    would count against the account it happens to name."""
    if len(username) <= 150:
        return username
    return "sha256:" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def _lock(*keys: str) -> None:
    """Hold a lock per key until the transaction ends, always in the same order so
    two attempts never wait on each other. SQLite needs none: the transaction
    starts IMMEDIATE, holding the database's write lock (console.settings)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)",
                           [int.from_bytes(digest, "big", signed=True)])


def _seconds_to_wait(username: str, address: str | None, now) -> int:
    recent = LoginFailure.objects.filter(at__gt=now - WINDOW)
    per_user = settings.LOGIN_FAILURES_PER_USER
    waits = [_until_one_expires(recent.filter(username=username, remote_addr=address),
                                per_user, now)]
    if address is not None:
        waits.append(_until_one_expires(recent.filter(remote_addr=address),
                                        settings.LOGIN_FAILURES_PER_ADDRESS, now))
    waits.append(_account_backoff(recent.filter(username=username), username, address, now))
    wait = max(waits)
    return int(wait) + 1 if wait > 0 else 0


def _until_one_expires(failures, limit: int, now) -> float:
    """At the limit, the time until the oldest of the last `limit` failures leaves the window."""
    oldest_counted = failures.order_by("-at").values_list("at", flat=True)[limit - 1:limit]
    oldest_counted = next(iter(oldest_counted), None)
    return (oldest_counted + WINDOW - now).total_seconds() if oldest_counted else 0


def _account_backoff(failures, username: str, address: str | None, now) -> float:
    summary = failures.aggregate(count=Count("id"), last=Max("at"))
    excess = summary["count"] - settings.LOGIN_FAILURES_PER_USER
    if excess < 0:
        return 0
    known = address is not None and KnownSignInAddress.objects.filter(
        username=username, remote_addr=address, signed_in_at__gt=now - KNOWN_ADDRESS_FOR).exists()
    if known:
        return 0
    delay = min(2 ** min(excess, 30), settings.LOGIN_BACKOFF_MAX_SECONDS)
    return (summary["last"] + timedelta(seconds=delay) - now).total_seconds()
