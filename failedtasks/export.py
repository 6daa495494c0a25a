"""A Failed Tasks list as CSV: every task it holds, not only the page shown.

Rows stream from the database in chunks (a server-side cursor on PostgreSQL)
and leave as CSV lines one by one, so a million tasks never sit in memory.
Cells are defused for spreadsheets (console.lib.csv_export).
"""

from collections.abc import Iterator
from datetime import tzinfo
from itertools import chain, islice

from django.utils import translation
from django.utils.translation import gettext as _

from console.lib.csv_export import EXCEL_BOM, csv_lines
from failedtasks.labels import job_label, status_label
from failedtasks.listing import TaskListing
from failedtasks.models import ErrorCode

CHUNK_SIZE = 2000  # rows fetched per round trip
FIELDS = ("resource_name", "resource_id", "job_id", "job_type", "status", "category",
          "failure_status", "failed_at", "error_code", "fail_reason")


def _header() -> list[str]:
    return [_("Name"), _("ID"), _("Task"), _("Task Status"), _("Failure Time"),
            _("Error Code"), _("Failure cause"), _("Solution"), _("Details"), _("Job ID")]


def csv_rows(listing: TaskListing, language: str, zone: tzinfo) -> Iterator[str]:
    """The list's tasks as CSV lines, newest failure first, after a byte order mark.

    Cells read as the dialog shows them: name and id (the job's when the
    resource has none), the operation and status in `language`, the failure
    time in the viewer's time zone (ISO 8601 with its offset), and the
    catalog's cause and solution when the catalog knows the code, else the
    cause as reported. The whole catalog is read once, before the first row:
    it is small, and the query count stays the same however many rows follow.
    """
    # The response streams after the view has returned: the viewer's language is
    # held here rather than left to whatever the thread has active by then.
    with translation.override(language):
        catalog = {entry.code: (entry.cause, entry.solution)
                   for entry in ErrorCode.objects.all()}
        tasks = listing.tasks().values_list(*FIELDS, named=True).iterator(chunk_size=CHUNK_SIZE)
        lines = csv_lines(chain([_header()], (_cells(task, catalog, zone) for task in tasks)))
        # Sent a chunk at a time: one write per line would cost more than the line.
        yield EXCEL_BOM
        while chunk := "".join(islice(lines, CHUNK_SIZE)):
            yield chunk


def _cells(task, catalog: dict, zone: tzinfo) -> list:
    known = catalog.get(task.error_code)
    cause, solution = known or (task.fail_reason, "")
    return [
        task.resource_name or task.job_id,
        task.resource_id or task.job_id,
        job_label(task.job_type),
        status_label(task),
        task.failed_at.astimezone(zone).isoformat(timespec="seconds"),
        task.error_code,
        cause,
        solution,
        task.fail_reason if known else "",
        task.job_id,
    ]
