"""The rows of the Failed Tasks table, as HTML.

The one part of the list that is repeated per task. Written here rather than as
a template loop: Django's template engine resolves each of a row's forty-odd
variables and tags one by one, which made the rows most of the dialog's rendering
time; here the labels and URLs a row repeats are read once per page, and each row
is one string. Every value that comes from a task is escaped.
"""

import functools
import html
from dataclasses import dataclass

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from console.lib.time_formats import TimeHtml
from failedtasks.labels import job_label, status_label


def escape(text) -> str:
    """Django's escape() without its lazy-string wrapper (the rows mark the whole safe)."""
    return html.escape(str(text))


@dataclass(frozen=True)
class RowLabels:
    """What every row repeats: translated once for the page."""

    name: str
    task: str
    status: str
    cause: str
    solution: str
    details: str
    time: str
    operation: str
    delete: str
    no_cause: str
    reference: str

    @classmethod
    def translated(cls) -> "RowLabels":
        """In the active language; the catalogs do not change while the process runs,
        so each language's labels are translated once."""
        return _row_labels(get_language())


@functools.cache
def _row_labels(language: str) -> RowLabels:
    with override(language):
        return RowLabels(*(escape(text) for text in (
            _("Name/ID"), _("Task"), _("Task Status"), _("Failure cause"), _("Solution"),
            _("Details"), _("Failure Time"), _("Operation"), _("Delete"),
            _("No cause was reported."), _("Error code reference"),
        )))


def task_rows(rows, *, catalog: dict, resource_links: dict, delete_url, place_inputs: str,
              can_delete: bool) -> SafeString:
    """The table rows of `rows`; `delete_url(pk)` is a task's Delete confirmation."""
    page = _Page(RowLabels.translated(), escape(reverse("error-codes")), TimeHtml(), {}, {})
    return mark_safe("".join(
        _row(task, page, catalog.get(task.error_code), resource_links.get(task.resource_id),
             delete_url if can_delete else None, place_inputs)
        for task in rows
    ))


@dataclass(frozen=True)
class _Page:
    """What the rows of one page share, each read or translated once."""

    labels: RowLabels
    codes_url: str
    time_html: TimeHtml
    translated: dict  # each task label (job, status) as translated the first time
    entries: dict  # each catalog entry's cause and solution, as written the first time

    def label(self, key, lazy) -> str:
        if key not in self.translated:
            self.translated[key] = escape(lazy())
        return self.translated[key]

    def entry_html(self, entry) -> str:
        """The catalog's code, cause and solution (in the page's language)."""
        if entry.code not in self.entries:
            code, labels = escape(entry.code), self.labels
            self.entries[entry.code] = (
                f'<p class="cause-code"><a href="{self.codes_url}#{code}">{code}</a></p>'
                f"<p><strong>{labels.cause}:</strong> {escape(entry.cause)}</p>"
                f"<p><strong>{labels.solution}:</strong> {escape(entry.solution)}</p>"
            )
        return self.entries[entry.code]


def _row(task, page: _Page, entry, link, delete_url, place_inputs) -> str:
    labels = page.labels
    name = escape(task.resource_name or task.job_id)
    resource = escape(task.resource_id or task.job_id)
    # Spaces where the inline elements of a cell meet, as a template's line breaks would be.
    cells = f'<span class="cell-name">{name}</span> <span class="cell-id">{resource}</span>'
    if link:
        cells = f'<a class="resource-link" href="{escape(link)}" data-resource-link>{cells}</a>'
    running = task.is_running
    status_text = page.label(("status", task.status, task.category, task.failure_status),
                             lambda: status_label(task))
    status = f'<span class="task-status {"running" if running else "failed"}">{status_text}</span>'
    if task.error_code:
        status += f' <code class="error-code">{escape(task.error_code)}</code>'
    if not running:
        status += (
            f' <button type="button" class="cause-toggle" aria-expanded="false" '
            f'aria-controls="cause-{task.pk}" aria-label="{labels.cause}">?</button>'
            f' <div class="cause" id="cause-{task.pk}" hidden>{_cause(task, page, entry)}</div>'
        )
    job = page.label(("job", task.job_type), lambda: job_label(task.job_type))
    if delete_url and not running:
        url = escape(delete_url(task.pk))
        operation = (
            f'<form method="get" action="{url}" hx-get="{url}" hx-target="#confirm-root" '
            f'hx-swap="innerHTML">{place_inputs}'
            f'<button type="submit" class="link-button">{labels.delete}</button></form>'
        )
    else:
        operation = '<span class="muted" aria-hidden="true">—</span>'
    return (
        f'<tr><td data-label="{labels.name}">{cells}</td>'
        f'<td data-label="{labels.task}">{job}</td>'
        f'<td data-label="{labels.status}">{status}</td>'
        f'<td data-label="{labels.time}">{page.time_html.html(task.failed_at)}</td>'
        f'<td data-label="{labels.operation}">{operation}</td></tr>'
    )


def _cause(task, page: _Page, entry) -> str:
    """What the question mark reveals: the catalog's cause and solution, or the reported reason."""
    labels = page.labels
    if entry is not None:
        html = page.entry_html(entry)
        if task.fail_reason:
            html += (f'<p class="cause-raw"><strong>{labels.details}:</strong> '
                     f"{escape(task.fail_reason)}</p>")
        return html
    html = f'<p class="cause-code">{escape(task.error_code)}</p>' if task.error_code else ""
    reason = escape(task.fail_reason) if task.fail_reason else labels.no_cause
    return (html + f"<p><strong>{labels.cause}:</strong> {reason}</p>"
            f'<p><a href="{page.codes_url}">{labels.reference}</a></p>')
