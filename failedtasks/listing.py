"""What one Failed Tasks list shows: the relation the dialog, its confirmations and
its deletions share, so that Delete All acts on exactly what the list showed."""

import dataclasses
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from console.lib.compiled_queries import run_compiled
from console.tenancy.cloud_services import SERVICES
from console.tenancy.models import Project
from failedtasks.causes import Cause, TallyScope, counted_causes, most_tasks_first
from failedtasks.counting import Count, bounded_counts, revision_and_count
from failedtasks.insights import PERIODS
from failedtasks.models import (
    Category,
    FailedTask,
    FailedTaskQuerySet,
    Tallies,
    TaskStatus,
    TaskTally,
)

PAGE_SIZE = 10
SEARCH_MAX_LENGTH = 100
ERROR_CODE_MAX_LENGTH = 64  # as FailedTask.error_code
CONFIRM_PREVIEW = 10  # tasks named in a Delete All confirmation before "and N more"


ALL_TIME = _("All time")  # the "Failure Time" default: no period, the list reaches back forever


@dataclass(frozen=True)
class Confirmation:
    """What a Delete All confirmation shows: how many, which first, as of which revision."""

    revision: int
    count: int
    preview: list
    count_is_lower_bound: bool = False  # "more than COUNT_LIMIT" for a broad search

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.preview))


@dataclass(frozen=True)
class TaskListing:
    project: Project
    service: str
    tab: str = ""  # an ECS tab (Category); empty elsewhere
    search: str = ""
    page: int = 1
    period: str = ""  # a key of insights.PERIODS (the same choices); "" for all time
    # The start of the period: now minus its length when the list is read, or the
    # cutoff a Delete All confirmation fixed and signed.
    since: datetime | None = None
    grouped: bool = False  # "Group by cause": one row per error code
    error_code: str | None = None  # exactly this code ("" for none); None: any
    # Shown again after a Delete All: the tallies say first whether anything is left.
    after_delete_all: bool = False
    # The service's tallies when the caller read them already (with the sign-in).
    read_tallies: Tallies | None = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def from_params(cls, project: Project, service: str, params,
                    tallies: Tallies | None = None) -> "TaskListing":
        """Read tab, search, period, page, grouping and error code from a query string
        or form; bad values fall back. `tallies`: the service's, if read already."""
        tab = ""
        if SERVICES[service].tabbed_failures:
            tab = params.get("tab", Category.CREATION)
            tab = tab if tab in Category.values else Category.CREATION
        # NUL cannot reach PostgreSQL; other control characters are folded like spaces.
        search = str(params.get("q", "")).replace("\x00", " ")
        search = " ".join(search.split())[:SEARCH_MAX_LENGTH]
        try:
            page = max(1, min(int(params.get("page", 1)), 100_000))
        except (TypeError, ValueError):
            page = 1
        grouped = params.get("group") == "1"
        error_code = None
        if "code" in params:  # present but empty: the tasks without an error code
            error_code = str(params.get("code")).replace("\x00", "").strip()
            error_code = error_code[:ERROR_CODE_MAX_LENGTH]
        listing = cls(project, service, tab, search, page, grouped=grouped, error_code=error_code,
                      read_tallies=tallies)
        period = PERIODS.get(str(params.get("period", "")))
        if period is None:  # all time, or a period this list does not offer
            return listing
        return replace(listing, period=period.key, since=timezone.now() - period.length)

    # --- what is listed ---------------------------------------------------

    def tasks(self) -> FailedTaskQuerySet:
        """Every task the list shows, running creations included, newest failure first."""
        tasks = self._unsearched()
        if self.search:
            tasks = tasks.matching(self.search)
        return tasks.newest_first()

    def _unsearched(self) -> FailedTaskQuerySet:
        tasks = (
            FailedTask.objects.for_project(self.project)
            .for_service(self.service)
            .in_category(self.tab or None)
            .failed_between(self.since)
        )
        if self.error_code is not None:
            tasks = tasks.with_error_code(self.error_code)
        return tasks

    def deletable(self) -> FailedTaskQuerySet:
        """What Delete and Delete All may remove: failed, not still running."""
        return self.tasks().failed()

    @cached_property
    def rows(self) -> list[FailedTask]:
        if self.after_delete_all and self._tallied_empty:
            return []
        start = (self.page - 1) * PAGE_SIZE
        if start == 0 and not self.search and self.since is None:
            return self._first_page()
        # A later page knows its total anyway (the pager shows "Page N of M"): read
        # first, it lets a deep page be picked from whichever end is nearer.
        total = self.exact_total if start else None
        # One row more than a page tells whether there is a next page without a COUNT.
        return list(self.tasks().page(start, start + PAGE_SIZE + 1, total).with_row_extras())

    def _first_page(self) -> list[FailedTask]:
        """The first page of a tab or a cause, as every opening of the list reads it:
        the same query as any page, its SQL compiled once per shape and run with
        this list's values (console.lib.compiled_queries)."""
        values = {"project": self.project.pk}
        if self.tab:
            values["tab"] = self.tab
        if self.error_code is not None:
            values["error_code"] = self.error_code

        def build(given: dict) -> FailedTaskQuerySet:
            listing = replace(self, project=Project(pk=given["project"]), tab=given.get("tab", ""),
                              error_code=given.get("error_code"))
            return listing.tasks()[: PAGE_SIZE + 1].with_row_extras()

        return run_compiled(("failed-task-list", self.service, *values), build, values)

    @property
    def _tallied_empty(self) -> bool:
        """Whether the tallies say the list holds no task. Asked after a Delete All,
        whose deleted tasks keep their entries in the list's index until vacuum: a
        page read through 100,000 of them visits every one, to find none left."""
        return not self.search and self.since is None and self.total == 0

    @property
    def page_rows(self) -> list[FailedTask]:
        return self.rows[:PAGE_SIZE]

    @property
    def has_next(self) -> bool:
        if self.grouped:
            return len(self.causes) > self.page * PAGE_SIZE
        return len(self.rows) > PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @cached_property
    def tallies(self) -> Tallies:
        if self.read_tallies is not None:
            return self.read_tallies
        return TaskTally.objects.for_service(self.project, self.service)

    @cached_property
    def counts_in_period(self) -> dict[str, Count]:
        """Within a period, what the tallies cannot say: how many tasks each tab (or
        the list) holds, each counted up to COUNT_LIMIT, in one statement. The
        search does not narrow them, as it does not narrow the tallies' counts."""
        tasks = (FailedTask.objects.for_project(self.project).for_service(self.service)
                 .failed_between(self.since))
        if self.tab:
            return bounded_counts(self.project, {tab: tasks.in_category(tab) for tab in Category})
        return {} if self.search else bounded_counts(self.project, {"": tasks})

    def _count(self, tab: str) -> Count:
        if self.since is not None:
            return self.counts_in_period[tab]
        return Count(self.tallies.in_category(tab) if tab else self.tallies.listed)

    @property
    def total(self) -> int | None:
        """How many the list holds, from the tallies (or counted, within a period);
        None while searching: the list of a search is not counted, which would cost
        as much again as its page (the Delete All confirmation counts it, up to
        COUNT_LIMIT)."""
        if self.search:
            return None
        if self.error_code is not None:
            if self.since is not None:
                return None  # a period's tasks of one code are not counted
            return sum(n for (category, _status, code), n in self.tallies.by_code.items()
                       if code == self.error_code and category == (self.tab or category))
        return self._count(self.tab).value

    @property
    def total_is_lower_bound(self) -> bool:
        return self.total is not None and self.error_code is None and \
            self._count(self.tab).is_lower_bound

    @property
    def exact_total(self) -> int | None:
        """The total when it is exact; None for a search or past COUNT_LIMIT."""
        return None if self.total_is_lower_bound else self.total

    def tab_count(self, tab: str) -> Count:
        return self._count(tab)

    # --- grouped by cause -------------------------------------------------

    @cached_property
    def _grouping(self) -> tuple[list[Cause], bool]:
        """Every group of the failed tasks listed, most tasks first, and whether the
        counts are lower bounds. From the tallies (read for the tabs already),
        unless a search or a period narrows the list: then from its tasks, bounded."""
        if self.search or self.since is not None:
            return counted_causes(self.deletable())
        counts: dict[str, int] = {}
        for (category, status, code), n in self.tallies.by_code.items():
            if (status == TaskStatus.FAIL and category == (self.tab or category)
                    and self.error_code in (None, code)):
                counts[code] = counts.get(code, 0) + n
        return most_tasks_first(Cause(code, n) for code, n in counts.items()), False

    @property
    def causes(self) -> list[Cause]:
        return self._grouping[0]

    @property
    def cause_counts_are_lower_bounds(self) -> bool:
        return self._grouping[1]

    @cached_property
    def cause_rows(self) -> list[Cause]:
        """The groups of this page, with their first and last failure."""
        shown = self.causes[(self.page - 1) * PAGE_SIZE : self.page * PAGE_SIZE]
        if self.search or self.since is not None:
            return shown  # counted from the tasks, times included
        scope = TallyScope(self.project, self.service, self.tab or None, TaskStatus.FAIL)
        return scope.with_failure_times(shown)

    def cause_url(self, error_code: str) -> str:
        """The normal list narrowed to one cause's tasks."""
        return self.url(group="", code=error_code, page=1)

    @property
    def return_url(self) -> str:
        """Where a confirmation's No goes: the list it was opened from. A group's
        Delete was opened from the view of every group (its place names the group's
        code only for the confirmation), as a deleted group goes back to it."""
        return self.url(code=None) if self.grouped else self.url()

    @property
    def clear_code_url(self) -> str:
        return self.url(code=None, page=1)

    def cause_inputs(self, error_code: str) -> str:
        """The place of a group's Delete: the group view, narrowed to that code."""
        return self._inputs({**self._place(), "code": error_code})

    # --- confirmation of Delete All ---------------------------------------

    def confirmation(self) -> Confirmation:
        """The revision, count and first tasks a Delete All confirmation shows.

        The revision is read in the same statement as the count, so the count is
        exactly the tasks at or below it. The count comes from the tallies where
        they keep it: a whole tab or group, and the tasks a search finds by the
        error code it names; only what they do not keep (a period, the tasks a
        search finds by name or id) is counted, up to COUNT_LIMIT.
        """
        tallied = {"service": self.service, "category": self.tab, "status": TaskStatus.FAIL,
                   "error_code": self.error_code}
        if self.since is not None:
            revision, count = revision_and_count(self.project, counting=self.deletable())
        elif self.search:
            revision, count = revision_and_count(
                self.project, tallies={**tallied, "error_code__iexact": self.search},
                counting=self._unsearched().failed().matching_except_by_code(self.search),
            )
        else:
            revision, count = revision_and_count(self.project, tallies=tallied)
        preview = list(self.deletable().seen_at(revision)[:CONFIRM_PREVIEW])
        return Confirmation(revision, count.value, preview, count.is_lower_bound)

    def criteria(self) -> dict:
        """The filters, as the audit records them: a period with the cutoff it applied,
        and a group's error code ("" for the tasks without one)."""
        since = self.since.isoformat() if self.since else ""
        criteria = {key: value for key, value in (
            ("tab", self.tab), ("q", self.search), ("period", self.period), ("since", since),
        ) if value}
        if self.error_code is not None:
            criteria["error_code"] = self.error_code
        return criteria

    # --- URLs keep the list's place ----------------------------------------

    def _place(self, **changes) -> dict:
        """The list's place as parameters; "code" stays even when empty (no code)."""
        params = {"tab": self.tab, "q": self.search, "period": self.period, "page": self.page,
                  "group": "1" if self.grouped else "", **changes}
        params = {k: v for k, v in params.items() if v not in ("", None, 1)}
        code = changes.get("code", self.error_code)
        if code is not None:
            params["code"] = code
        return params

    def query(self, **changes) -> str:
        params = self._place(**changes)
        return f"?{urlencode(params)}" if params else ""

    @staticmethod
    def _inputs(params: dict) -> str:
        return format_html_join(
            "", '<input type="hidden" name="{}" value="{}">', params.items(),
        )

    @cached_property
    def place_inputs(self) -> str:
        """Hidden inputs that carry the list's place (tab, search, period, page, grouping,
        error code) through a form.

        Built once per list rather than rendered by a template for every row."""
        return self._inputs(self._place())

    @cached_property
    def toggle_inputs(self) -> str:
        """The place of the "Group by cause" form: the other view, first page."""
        return self._inputs(self._place(group="" if self.grouped else "1", page=1))

    def url(self, **changes) -> str:
        return self.base_url + self.query(**changes)

    @cached_property
    def base_url(self) -> str:
        # Every link and form of the list starts here: reversed once per list.
        return reverse("failed-tasks", args=[self.project.pk, self.service])

    @property
    def previous_url(self) -> str:
        return self.url(page=self.page - 1)

    @property
    def next_url(self) -> str:
        return self.url(page=self.page + 1)

    @property
    def clear_search_url(self) -> str:
        return self.url(q="", page=1)

    def delete_url(self, task_pk: int) -> str:
        """A task's Delete confirmation: under the list's URL (failedtasks/urls.py)."""
        return f"{self.base_url}{task_pk}/delete/"

    @property
    def export_url(self) -> str:
        """The CSV of the whole list, every page: its place without the page."""
        return reverse("failed-tasks-export", args=[self.project.pk, self.service]) + \
            self.query(page=1)

    @property
    def page_count(self) -> int | None:
        if self.grouped:
            return max(1, -(-len(self.causes) // PAGE_SIZE))
        if self.total is None or self.total_is_lower_bound:
            return None
        return max(1, -(-self.total // PAGE_SIZE))

    def elsewhere(self, **changes) -> "TaskListing":
        return replace(self, **changes)

    def periods(self) -> list[dict]:
        """The "Failure Time" choices, the list's own selected."""
        choices = [*((period.key, period.label) for period in PERIODS.values()), ("", ALL_TIME)]
        return [{"value": value, "label": label, "selected": value == self.period}
                for value, label in choices]

    def tabs(self) -> list[dict]:
        """The ECS tabs with their counts; each opens on its first page, search kept."""
        if not self.tab:
            return []
        return [
            {"tab": tab, "label": tab.label, "count": self.tab_count(tab).value,
             "count_is_lower_bound": self.tab_count(tab).is_lower_bound,
             "url": self.url(tab=tab.value, page=1), "selected": tab == self.tab}
            for tab in Category
        ]
