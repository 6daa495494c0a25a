"""How many tasks a list holds, without counting a million rows.

A total comes from the tallies (TaskTally) whenever nothing the tallies do not
keep narrows the list. Anything else (a search, an error code, an SDRS
protection group) is counted, but only so far: COUNT_LIMIT tasks, past which
the honest answer is "more than COUNT_LIMIT". Either can be read in the same
statement as the project's revision, so a count and the watermark it is shown
with describe one moment.
"""

from dataclasses import dataclass

from django.db.models import Value
from django.db.models.expressions import RawSQL

from console.tenancy.models import Project
from failedtasks.models import FailedTaskQuerySet, ProjectRevision, TaskTally

COUNT_LIMIT = 10_000  # a count that could run long stops here


@dataclass(frozen=True)
class Count:
    """A number of tasks; a lower bound ("more than value") when counting stopped."""

    value: int
    is_lower_bound: bool = False

    @classmethod
    def stopped_at(cls, counted: int, limit: int) -> "Count":
        """From a count that went no further than limit + 1."""
        return cls(min(counted, limit), counted > limit)


def counted_up_to(tasks: FailedTaskQuerySet, limit: int) -> RawSQL:
    """SELECT COUNT(*) over at most `limit` of `tasks`: an expression, to read beside others.

    The LIMIT inside is what bounds the work: the database stops reading at the
    limit however many tasks match."""
    sql, params = tasks.order_by().values("pk")[:limit].query.sql_with_params()
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) bounded", params)


def bounded_count(tasks: FailedTaskQuerySet) -> Count:
    """Count `tasks` up to COUNT_LIMIT, in one query."""
    counted = tasks.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    return Count.stopped_at(counted, COUNT_LIMIT)


def bounded_counts(project: Project, counting: dict[str, FailedTaskQuerySet]) -> dict[str, Count]:
    """Each queryset of `counting` counted up to COUNT_LIMIT, all in one statement."""
    if not counting:
        return {}
    names = list(counting)
    counted = (
        Project.objects.filter(pk=project.pk)
        .values_list(*(counted_up_to(counting[name], COUNT_LIMIT + 1) for name in names))
        .get()
    )
    return {name: Count.stopped_at(value, COUNT_LIMIT) for name, value in zip(names, counted)}


def count_beside_page(count: Count, offset: int, limit: int, fetched: int) -> int:
    """A whole number for an API whose contract has no "more than": `count`, a bounded
    count, made as exact as the page beside it allows.

    `fetched` is how many rows the page query returned when asked for limit + 1
    from `offset`. When counting stopped at the bound, the page still proves
    something: one row past it means the total is more than offset + limit; a
    last page that is not empty ends exactly at offset + fetched.
    """
    if not count.is_lower_bound:
        return count.value
    if fetched > limit:
        return max(count.value, offset + limit + 1)
    if fetched:
        return offset + fetched
    return count.value  # past the end of more than COUNT_LIMIT: at least that


def revision_and_count(project: Project, *, tallies: dict | None = None,
                       counting: FailedTaskQuerySet | None = None) -> tuple[int, Count]:
    """The project's revision and a count, read in one statement (one snapshot).

    The count is what the tallies hold, narrowed by `tallies` (service,
    category, status, error code), plus the tasks of `counting`, which the
    tallies do not keep, counted up to COUNT_LIMIT; either may be left out.
    Past the limit the count is a lower bound ("more than").
    """
    tallied = TaskTally.objects.tallied(**tallies) if tallies is not None else Value(0)
    counted = counted_up_to(counting, COUNT_LIMIT + 1) if counting is not None else Value(0)
    current, from_tallies, from_tasks = (
        Project.objects.filter(pk=project.pk)
        .values_list(ProjectRevision.objects.of(), tallied, counted)
        .get()
    )
    if from_tasks > COUNT_LIMIT:
        return current, Count(from_tallies + COUNT_LIMIT, is_lower_bound=True)
    return current, Count(from_tallies + from_tasks)
