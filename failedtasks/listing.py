"""What one Failed Tasks list shows: the relation the dialog, its confirmations and
its deletions share, so that Delete All acts on exactly what the list showed."""

from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html_join

from console.tenancy.cloud_services import SERVICES
from console.tenancy.models import Project
from failedtasks.causes import Cause, TallyScope, counted_causes, most_tasks_first
from failedtasks.counting import revision_and_count
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
    grouped: bool = False  # "Group by cause": one row per error code
    error_code: str | None = None  # exactly this code ("" for none); None: any

    @classmethod
    def from_params(cls, project: Project, service: str, params) -> "TaskListing":
        """Read tab, search, page, grouping and error code from a query string or
        form; bad values fall back."""
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
        return cls(project, service, tab, search, page, grouped, error_code)

    # --- what is listed ---------------------------------------------------

    def tasks(self) -> FailedTaskQuerySet:
        """Every task the list shows, running creations included, newest failure first."""
        tasks = (
            FailedTask.objects.for_project(self.project)
            .for_service(self.service)
            .in_category(self.tab or None)
        )
        if self.error_code is not None:
            tasks = tasks.filter(error_code=self.error_code)
        if self.search:
            tasks = tasks.matching(self.search)
        return tasks.newest_first()

    def deletable(self) -> FailedTaskQuerySet:
        """What Delete and Delete All may remove: failed, not still running."""
        return self.tasks().failed()

    @cached_property
    def rows(self) -> list[FailedTask]:
        start = (self.page - 1) * PAGE_SIZE
        # One row more than a page tells whether there is a next page without a COUNT.
        return list(self.tasks().page(start, start + PAGE_SIZE + 1))

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
        return TaskTally.objects.for_service(self.project, self.service)

    @property
    def total(self) -> int | None:
        """How many the list holds, from the tallies; None while searching: the
        list of a search is not counted, which would cost as much again as its
        page (the Delete All confirmation counts it, up to COUNT_LIMIT)."""
        if self.search:
            return None
        if self.error_code is not None:
            return sum(n for (category, _status, code), n in self.tallies.by_code.items()
                       if code == self.error_code and category == (self.tab or category))
        return self.tallies.in_category(self.tab) if self.tab else self.tallies.listed

    def tab_count(self, tab: str) -> int:
        return self.tallies.in_category(tab)

    # --- grouped by cause -------------------------------------------------

    @cached_property
    def _grouping(self) -> tuple[list[Cause], bool]:
        """Every group of the failed tasks listed, most tasks first, and whether the
        counts are lower bounds. From the tallies (read for the tabs already),
        unless a search narrows the list: then from its tasks, bounded."""
        if self.search:
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
        if self.search:
            return shown  # counted from the tasks, times included
        scope = TallyScope(self.project, self.service, self.tab or None, TaskStatus.FAIL)
        return scope.with_failure_times(shown)

    def cause_url(self, error_code: str) -> str:
        """The normal list narrowed to one cause's tasks."""
        return self.url(group="", code=error_code, page=1)

    @property
    def clear_code_url(self) -> str:
        return self.url(code=None, page=1)

    def cause_inputs(self, error_code: str) -> str:
        """The place of a group's Delete: the group view, narrowed to that code."""
        return self._inputs({**self._place(), "code": error_code})

    # --- confirmation of Delete All ---------------------------------------

    def confirmation(self) -> Confirmation:
        """The revision, count and first tasks a Delete All confirmation shows.

        The revision is read in the same statement as the count (the tallies, or
        a search's matches counted up to COUNT_LIMIT), so the count is exactly
        the tasks at or below it.
        """
        if self.search:
            revision, count = revision_and_count(self.project, counting=self.deletable())
        else:
            revision, count = revision_and_count(self.project, tallies={
                "service": self.service, "category": self.tab, "status": TaskStatus.FAIL,
                "error_code": self.error_code})
        preview = list(self.deletable().seen_at(revision)[:CONFIRM_PREVIEW])
        return Confirmation(revision, count.value, preview, count.is_lower_bound)

    def criteria(self) -> dict:
        """The filters, as the audit records them ("error_code": "" for the tasks
        without one)."""
        criteria = {key: value for key, value in (("tab", self.tab), ("q", self.search)) if value}
        if self.error_code is not None:
            criteria["error_code"] = self.error_code
        return criteria

    # --- URLs keep the list's place ----------------------------------------

    def _place(self, **changes) -> dict:
        """The list's place as parameters; "code" stays even when empty (no code)."""
        params = {"tab": self.tab, "q": self.search, "page": self.page,
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
        """Hidden inputs that carry the list's place (tab, search, page, grouping, error
        code) through a form.

        Built once per list rather than rendered by a template for every row."""
        return self._inputs(self._place())

    @cached_property
    def toggle_inputs(self) -> str:
        """The place of the "Group by cause" form: the other view, first page."""
        return self._inputs(self._place(group="" if self.grouped else "1", page=1))

    def url(self, **changes) -> str:
        return self.base_url + self.query(**changes)

    @property
    def base_url(self) -> str:
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

    @property
    def page_count(self) -> int | None:
        total = len(self.causes) if self.grouped else self.total
        return None if total is None else max(1, -(-total // PAGE_SIZE))

    def elsewhere(self, **changes) -> "TaskListing":
        return replace(self, **changes)

    def tabs(self) -> list[dict]:
        """The ECS tabs with their counts; each opens on its first page, search kept."""
        if not self.tab:
            return []
        return [
            {"tab": tab, "label": tab.label, "count": self.tab_count(tab),
             "url": self.url(tab=tab.value, page=1), "selected": tab == self.tab}
            for tab in Category
        ]
