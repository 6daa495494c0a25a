"""The notice that failures arrived while a list was open: "3 new failed tasks".

A list never reorders under its reader. It is rendered at a known project
revision (ProjectRevision, read before its rows); while it is open, the page
asks every few seconds how many tasks of the list's scope (service, tab,
search) carry a higher revision: recorded since, or recorded again. The answer
is a notice with a "Show" button that reloads the list in place; the list
itself changes only when its reader asks.

The revision is read before the rows, so a task recorded between the two
reads may be both listed and announced once; it is never missed.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from failedtasks.counting import Count
from failedtasks.listing import TaskListing

# Past this many the notice says "more than": counting stops here, so an
# open dialog costs the same however busy its service is.
NOTICE_LIMIT = 99


@dataclass(frozen=True)
class NewFailures:
    listing: TaskListing
    since: int  # the revision the list was rendered at
    count: Count

    @classmethod
    def when_listed(cls, listing: TaskListing, revision: int) -> "NewFailures":
        """The notice of a list being rendered now, at `revision`: nothing new yet."""
        return cls(listing, revision, Count(0))

    @classmethod
    def since_revision(cls, listing: TaskListing, since: int, current: int) -> "NewFailures":
        """Failed tasks of the list's scope recorded after revision `since`.

        `current` is the project's revision now: when nothing at all was
        recorded in the project since, there is nothing to count. Otherwise the
        (project, revision) index finds the few tasks recorded since, and the
        list's other filters narrow them.
        """
        if current <= since:
            return cls(listing, since, Count(0))
        arrived = listing.deletable().changed_since(since).order_by().values("pk")
        counted = arrived[: NOTICE_LIMIT + 1].count()
        return cls(listing, since, Count.stopped_at(counted, NOTICE_LIMIT))

    @property
    def counted(self) -> int:
        """The count as the poll carries it back: NOTICE_LIMIT + 1 for "more than"."""
        return self.count.value + (1 if self.count.is_lower_bound else 0)

    @property
    def text(self) -> str:
        if self.count.is_lower_bound:
            return gettext("More than %(count)d new failed tasks") % {"count": self.count.value}
        return ngettext(
            "%(count)d new failed task", "%(count)d new failed tasks", self.count.value
        ) % {"count": self.count.value}

    @property
    def poll_url(self) -> str:
        """The poll keeps the list's place, its revision and what the notice shows now."""
        place = self.listing.query()
        state = urlencode({"since": self.since, "shown": self.counted})
        url = reverse("failed-tasks-new-count", args=[self.listing.project.pk, self.listing.service])
        return f"{url}{place}{'&' if place else '?'}{state}"

    @property
    def poll_seconds(self) -> int:
        return settings.NEW_FAILURES_POLL_SECONDS
