"""Signed confirmations: what a Delete or Delete All confirmation showed, pinned.

A confirmation GET signs who it was shown to, where (project, service), what it
listed (tab, search, failure-time period with the cutoff it fixed, a group's error
code, or the one task) and the project revision it read. The
POST that follows acts on exactly that, recomputed on the server from the
signed values, never from what the client sends beside them. An altered token
fails its signature; an old one has expired; either way nothing is deleted.
See docs/deletion-guarantee.md.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.lib.errors import Invalid

SALT = "failedtasks.confirmation"
MAX_AGE_SECONDS = 30 * 60  # an open confirmation is good for half an hour
FIELD = "confirmation"  # the form field that carries the token


@dataclass(frozen=True)
class Pinned:
    """What a confirmation showed: its list's filters and the revision it read."""

    revision: int
    tab: str = ""
    search: str = ""
    task_pk: int | None = None  # a Delete confirmation names one task
    period: str = ""
    # The period's start as the confirmation computed it: "the last 24 hours"
    # means the same tasks when Yes is pressed as when the list was shown.
    since: datetime | None = None
    error_code: str | None = None  # a group's Delete: exactly this code ("" for none)


OTHER_LIST = gettext_lazy("This confirmation was made for another list, so nothing was "
                          "deleted. Open it again.")


def _load(token: str | None, salt: str, user) -> dict:
    """A confirmation's signed payload, if unaltered, fresh and made for `user`."""
    try:
        payload = signing.loads(token or "", salt=salt, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise Invalid(_("This confirmation has expired, so nothing was deleted. "
                        "Open it again to see what would be deleted now."))
    except signing.BadSignature:
        raise Invalid(_("This confirmation is missing or was altered, so nothing was "
                        "deleted. Open it again."))
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        raise Invalid(OTHER_LIST)
    return payload


def sign(user, project_id: str, service: str, pinned: Pinned) -> str:
    return signing.dumps(
        {"u": user.pk, "p": project_id, "s": service, "r": pinned.revision,
         "t": pinned.tab, "q": pinned.search, "k": pinned.task_pk, "pd": pinned.period,
         "f": pinned.since.isoformat() if pinned.since else None, "c": pinned.error_code},
        salt=SALT, compress=True,
    )


def verify(token: str | None, user, project_id: str, service: str) -> Pinned:
    """The pinned confirmation, or Invalid (a 400 saying nothing was deleted).

    The token must be this user's, for this project and service, unaltered and
    no older than MAX_AGE_SECONDS.
    """
    payload = _load(token, SALT, user)
    if (payload.get("p"), payload.get("s")) != (project_id, service):
        raise Invalid(OTHER_LIST)
    since = payload.get("f")
    return Pinned(revision=payload["r"], tab=payload["t"], search=payload["q"],
                  task_pk=payload["k"], period=payload.get("pd", ""),
                  since=datetime.fromisoformat(since) if since else None,
                  error_code=payload.get("c"))


# --- The console API's watermark ------------------------------------------------

WATERMARK_SALT = "failedtasks.watermark"


class BadWatermark(Exception):
    """Not a watermark a listing of this project gave out, or wider than it."""


def sign_watermark(project_id: str, revision: int, filters: dict) -> str:
    """An opaque watermark for an API listing: its project, revision and filters."""
    kept = {name: value for name, value in filters.items() if value}
    return signing.dumps({"p": project_id, "r": revision, "f": kept},
                         salt=WATERMARK_SALT, compress=True)


def verify_watermark(token, project_id: str, filters: dict) -> int:
    """The revision of an API listing's watermark, for a delete-all with `filters`.

    The delete-all may narrow the listing (add a filter it did not have) but
    not widen it: every filter the listing had must be there, unchanged.
    """
    if not isinstance(token, str) or len(token) > 1000:
        raise BadWatermark("Required: the watermark of the listing whose tasks to delete.")
    try:
        payload = signing.loads(token, salt=WATERMARK_SALT)
    except signing.BadSignature:
        raise BadWatermark("Not a watermark this API gave out (it may have been altered).")
    if payload.get("p") != project_id:
        raise BadWatermark("This watermark belongs to another project's listing.")
    widened = sorted(name for name, value in payload["f"].items() if filters.get(name) != value)
    if widened:
        raise BadWatermark("The listing was filtered by " + ", ".join(widened)
                           + "; delete-all must keep those filters, unchanged.")
    return payload["r"]


# --- The Django admin's confirmations --------------------------------------------

ADMIN_SALT = "failedtasks.admin-confirmation"


def sign_revisions(user, revisions: dict[str, int]) -> str:
    """An admin confirmation: the revision of each project whose tasks it showed."""
    return signing.dumps({"u": user.pk, "r": revisions}, salt=ADMIN_SALT, compress=True)


def verify_revisions(token: str | None, user) -> dict[str, int]:
    return _load(token, ADMIN_SALT, user)["r"]
