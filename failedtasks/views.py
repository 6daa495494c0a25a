"""The Failed Tasks list, its confirmations and its deletions.

Each view is a page without JavaScript and a fragment with htmx: the list
renders whole as a page, as the dialog (when the counter opens it) or as the
list region alone (tabs, search, paging, after a deletion). Confirmations are
GETs that show exactly what will go; deletions are POSTs through
failedtasks.services, then post/redirect/get or the re-rendered region.
"""

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from console.identity.signed_in import signed_in_member
from console.lib.errors import Invalid, NotFound
from console.lib.htmx import HtmxHttpRequest
from console.lib.views import confirm_then_act  # noqa: F401  the per-service URLs use it
from console.tenancy.cloud_services import SERVICES
from console.tenancy.models import Role
from console.tenancy.scoping import project_for
from failedtasks import confirmations
from failedtasks.actors import Actor
from failedtasks.catalog import entries_for, entries_read_with
from failedtasks.confirmations import Pinned
from failedtasks.insights import PERIODS
from failedtasks.listing import TaskListing
from failedtasks.models import (
    Category,
    Deletion,
    ErrorCode,
    FailedTask,
    ProjectRevision,
    Tallies,
    TaskTally,
)
from failedtasks.new_failures import NewFailures
from failedtasks.resource_links import resource_links
from failedtasks.services import (
    CannotUndo,
    NothingToDelete,
    delete_all_seen,
    delete_task,
    restore_deletion,
)

LIST_TEMPLATE = "failedtasks/failed_tasks.html"
CHANGED_EVENT = "failedTasksChanged"  # the counter listens for it


def _project_to_list(request: HtmxHttpRequest, project_id: str, need: str = Role.VIEWER):
    """project_for, with the project's revision read on the same query: the
    revision the list is rendered at, read before its rows (the new-failures
    notice counts from it)."""
    return project_for(request.user, project_id, need=need,
                       listing_revision=ProjectRevision.objects.of())


def _list_context(listing: TaskListing, role: str, revision: int,
                  notice: dict | None = None) -> dict:
    service = SERVICES[listing.service]
    rows = [] if listing.grouped else listing.page_rows
    causes = listing.cause_rows if listing.grouped else []
    return {
        "project": listing.project,
        "service": service,
        "listing": listing,
        "rows": rows,
        "causes": causes,
        "catalog": (entries_for(cause.error_code for cause in causes) if listing.grouped
                    else entries_read_with(rows)),
        "resource_links": resource_links(listing.project, listing.service, rows),
        "new_failures": NewFailures.when_listed(listing, revision),
        "can_delete": Role(role).allows(Role.OPERATOR),
        "notice": notice,
        "retention_days": settings.FAILED_TASK_RETENTION_DAYS,
    }


@require_GET
def failed_tasks(request: HtmxHttpRequest, project_id: str, service: str):
    # Opened from every service page and asked again by every tab, search and page:
    # the signed-in user, their role, the list's revision and the service's tallies
    # in one query (one snapshot: the tallies are those of that revision).
    member = signed_in_member(request, project_id,
                              ProjectRevision.objects.current_in_sql(project_id),
                              TaskTally.objects.for_service_in_sql(project_id, service))
    if member is None:
        return redirect_to_login(request.get_full_path())
    project, role, revision, tallies = member
    listing = TaskListing.from_params(project, service, request.GET,
                                      tallies=Tallies.of_json(tallies))
    template = LIST_TEMPLATE
    if request.htmx:
        template += "#dialog" if request.htmx.target == "modal-root" else "#task_list"
    return render(request, template, _list_context(listing, role, revision))


def _deletable_tasks(project, service: str):
    return FailedTask.objects.for_project(project).for_service(service).failed()


def _after_change(request: HtmxHttpRequest, listing: TaskListing, role: str, text: str, deletion=None,
                  revision: int | None = None):
    """Post/redirect/get without JavaScript; with htmx, the list region and the event.

    The list is shown at `revision` (read with the project, before the change),
    or, when the change itself took revisions (an undo), at the project's
    revision after it, so the tasks it restored are not announced as new."""
    if listing.page > 1 and not (listing.cause_rows if listing.grouped else listing.page_rows):
        listing = replace(listing, page=listing.page - 1)
    undo_url = None
    if deletion is not None and deletion.deleted_count:
        undo_url = reverse(
            "failed-task-undo", args=[listing.project.pk, listing.service, deletion.pk]
        )
    if not request.htmx:
        messages.success(request, text)
        return redirect(listing.url())
    response = render(
        request, LIST_TEMPLATE + "#task_list",
        _list_context(
            listing, role,
            ProjectRevision.objects.current(listing.project.pk) if revision is None else revision,
            notice={"text": text, "undo_url": undo_url},
        ),
    )
    return trigger_client_event(response, CHANGED_EVENT)


# --- Delete one --------------------------------------------------------------

GONE = gettext_lazy("That failed task does not exist or was deleted already.")


@require_GET
def confirm_delete(request: HtmxHttpRequest, project_id: str, service: str, task_id: int):
    member = signed_in_member(request, project_id, need=Role.OPERATOR)
    if member is None:
        return redirect_to_login(request.get_full_path())
    project, _role = member
    listing = TaskListing.from_params(project, service, request.GET)
    task = _deletable_tasks(project, service).filter(pk=task_id).first()
    if task is None:
        raise NotFound(GONE)
    # Pinned as shown: a task recorded again since carries a higher revision.
    pinned = Pinned(revision=task.revision, task_pk=task.pk)
    return render(request, "failedtasks/confirm_delete.html", {
        "project": project, "service": SERVICES[service], "listing": listing, "task": task,
        "confirmation_token": confirmations.sign(request.user, project.pk, service, pinned),
    })


@require_POST
@login_required
def delete(request: HtmxHttpRequest, project_id: str, service: str, task_id: int):
    """Delete the task its confirmation named, unless it was recorded again since."""
    project, role = _project_to_list(request, project_id, need=Role.OPERATOR)
    tasks = _deletable_tasks(project, service)
    try:
        pinned = confirmations.verify(
            request.POST.get(confirmations.FIELD), request.user, project.pk, service
        )
    except Invalid:
        if not tasks.filter(pk=task_id).exists():
            raise NotFound(GONE)  # gone already: say so, whatever the form carried
        raise
    if pinned.task_pk != task_id:
        raise Invalid(_("This confirmation was made for another task, so nothing was deleted."))
    listing = TaskListing.from_params(project, service, request.POST)
    try:
        deletion = delete_task(tasks, task_id, Actor.from_request(request),
                               watermark=pinned.revision)
    except NothingToDelete:
        if tasks.filter(pk=task_id).exists():
            raise Invalid(_("This failed task was recorded again after the confirmation "
                            "opened, so nothing was deleted. Review it and delete it again."))
        raise NotFound(GONE)
    snapshot = deletion.tasks.get()
    text = _("Deleted the failed task %(name)s.") % {
        "name": snapshot.resource_name or snapshot.job_id
    }
    return _after_change(request, listing, role, text, deletion, project.listing_revision)


# --- Delete all --------------------------------------------------------------

@require_GET
def confirm_delete_all(request: HtmxHttpRequest, project_id: str, service: str):
    # Opened from the list as often as Delete All is considered: signed in as the list is.
    member = signed_in_member(request, project_id, need=Role.OPERATOR)
    if member is None:
        return redirect_to_login(request.get_full_path())
    project, _role = member
    listing = TaskListing.from_params(project, service, request.GET)
    confirmation = listing.confirmation()
    pinned = Pinned(revision=confirmation.revision, tab=listing.tab, search=listing.search,
                    period=listing.period, since=listing.since, error_code=listing.error_code)
    return render(request, "failedtasks/confirm_delete_all.html", {
        "project": project, "service": SERVICES[service], "listing": listing,
        "confirmation": confirmation,
        "confirmation_token": confirmations.sign(request.user, project.pk, service, pinned),
        "tab_label": Category(listing.tab).label if listing.tab else "",
        "period_label": PERIODS[listing.period].label if listing.period else "",
    })


@require_POST
@login_required
def delete_all(request: HtmxHttpRequest, project_id: str, service: str):
    """Delete what the signed confirmation showed: its filters, as of its revision."""
    project, role = _project_to_list(request, project_id, need=Role.OPERATOR)
    pinned = confirmations.verify(
        request.POST.get(confirmations.FIELD), request.user, project.pk, service
    )
    place = TaskListing.from_params(project, service, request.POST)
    listing = replace(place, tab=pinned.tab, search=pinned.search, period=pinned.period,
                      since=pinned.since, error_code=pinned.error_code, after_delete_all=True)
    deletion = delete_all_seen(
        project, listing.deletable(), pinned.revision, Actor.from_request(request),
        service=service, criteria=listing.criteria(),
    )
    text = ngettext(
        "Deleted %(count)d failed task.", "Deleted %(count)d failed tasks.", deletion.deleted_count
    ) % {"count": deletion.deleted_count}
    if deletion.kept_count:
        text += " " + ngettext(
            "%(count)d newer one was kept.", "%(count)d newer ones were kept.", deletion.kept_count
        ) % {"count": deletion.kept_count}
    if listing.grouped:  # a group's Delete: back to every group
        listing = replace(listing, error_code=None)
    return _after_change(request, listing, role, text, deletion, project.listing_revision)


# --- Undo --------------------------------------------------------------------

@require_POST
@login_required
def undo(request: HtmxHttpRequest, project_id: str, service: str, deletion_id: int):
    project, role = project_for(request.user, project_id, need=Role.OPERATOR)
    listing = TaskListing.from_params(project, service, request.POST)
    # Only the person who deleted can undo, from the list they deleted in.
    deletion = get_object_or_404(
        Deletion, pk=deletion_id, project=project, service=service, actor=request.user
    )
    try:
        restored = restore_deletion(deletion, Actor.from_request(request))
    except CannotUndo:
        raise Invalid(_("This deletion can no longer be undone."))
    text = ngettext(
        "Restored %(count)d failed task.", "Restored %(count)d failed tasks.", restored
    ) % {"count": restored}
    return _after_change(request, listing, role, text)


# --- The catalog -------------------------------------------------------------

@require_GET
@login_required
def error_codes(request: HtmxHttpRequest):
    """Every code of the catalog, with its cause and solution, in the page's language."""
    return render(request, "failedtasks/error_codes.html", {
        "entries": ErrorCode.objects.order_by("service", "code"),
    })
