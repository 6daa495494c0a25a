"""Django admin for the installation's operator. Deleting failed tasks here goes
through failedtasks.services like everywhere else (audited, tallies kept exact);
the audit itself is read-only."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy, ngettext

from console.identity.models import Channel
from console.lib.errors import Invalid
from console.tenancy.models import Project
from failedtasks.actors import Actor
from failedtasks.confirmations import FIELD, sign_revisions, verify_revisions
from failedtasks.models import DeletedTask, Deletion, ErrorCode, FailedTask, ProjectRevision
from failedtasks.services import delete_all_seen


class EstimatedCountPaginator(Paginator):
    """Counts exactly when filtered; for the whole table on PostgreSQL, reads the
    planner's estimate instead of scanning millions of rows for a page number."""

    estimate_above = 100_000  # rows; below this an exact count is cheap

    @cached_property
    def count(self):
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            table = self.object_list.model._meta.db_table
            with connection.cursor() as cursor:
                # One query either way: the estimate when large, else the exact count.
                cursor.execute(
                    "SELECT CASE WHEN reltuples > %s THEN reltuples::bigint "
                    f"ELSE (SELECT COUNT(*) FROM {connection.ops.quote_name(table)}) END "
                    "FROM pg_class WHERE oid = %s::regclass",
                    [self.estimate_above, table],
                )
                return cursor.fetchone()[0]
        return super().count


@admin.register(FailedTask)
class FailedTaskAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    list_display = ("job_id", "resource_name", "service", "status", "error_code", "failed_at",
                    "project")
    list_filter = ("service", "status", "category", "project", "failed_at")
    search_fields = ("resource_name", "resource_id", "job_id", "error_code")
    list_select_related = ("project",)
    # No date_hierarchy: its MIN/MAX and per-day DISTINCT scan every row; the
    # failed_at filter above narrows by date without that cost.
    ordering = ("-failed_at", "-id")
    show_full_result_count = False  # a COUNT(*) over millions of rows on every page is not free
    readonly_fields = ("category", "recorded_at")
    actions = ["delete_selected"]  # ours, below, in place of Django's

    def has_add_permission(self, request):
        return False  # failures are recorded by the systems that run operations (API)

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting follows the console's two-step protocol: the confirmation page
    # signs the revision of every project it showed tasks of, and the POST
    # deletes the selected tasks only as they were then (re-reported ones stay).

    @admin.action(permissions=["delete"],
                  description=gettext_lazy("Delete selected failed tasks (audited)"))
    def delete_selected(self, request, queryset):
        if request.POST.get("post"):
            if self._verified_revisions(request) is not None:
                self.delete_queryset(request, queryset)
            return None  # back to the list, with the message
        token = self._sign(request, queryset)  # read before the page lists the tasks
        response = django_delete_selected(self, request, queryset)
        response.context_data["confirmation_token"] = token
        return response

    def render_delete_form(self, request, context):
        task = context["object"]  # pinned as loaded: its own revision
        context["confirmation_token"] = sign_revisions(request.user,
                                                       {task.project_id: task.revision})
        return super().render_delete_form(request, context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and self._verified_revisions(request) is None:
            return redirect(request.path)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        self.delete_queryset(request, FailedTask.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        """Audited, set-based, one deletion per project, as of the confirmation."""
        revisions = self._verified_revisions(request) or {}
        actor = Actor.from_request(request, Channel.ADMIN)
        deleted = 0
        for project in Project.objects.filter(pk__in=revisions).order_by("pk"):
            deleted += delete_all_seen(
                project, queryset.filter(project=project), revisions[project.pk], actor,
                criteria={"admin": True},
            ).deleted_count
        self.message_user(request, ngettext("Deleted %d failed task (audited).",
                                            "Deleted %d failed tasks (audited).", deleted) % deleted,
                          messages.SUCCESS)

    @staticmethod
    def _sign(request, queryset) -> str:
        """The revision now of each project the confirmation shows tasks of."""
        revisions = (
            Project.objects.filter(pk__in=queryset.values("project_id"))
            .annotate(revision=ProjectRevision.objects.of())
            .values_list("pk", "revision")
        )
        return sign_revisions(request.user, dict(revisions))

    def _verified_revisions(self, request) -> dict | None:
        try:
            return verify_revisions(request.POST.get(FIELD), request.user)
        except Invalid as error:
            self.message_user(request, str(error), messages.ERROR)
            return None


@admin.register(ErrorCode)
class ErrorCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "service", "cause_en", "cause_zh")
    list_filter = ("service",)
    search_fields = ("code", "cause_en", "cause_zh", "solution_en", "solution_zh")
    ordering = ("code",)


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """The audit trail: viewable, never editable or deletable."""

    list_display = ("created_at", "actor_name", "channel", "project", "service", "scope",
                    "deleted_count", "kept_count", "restored_at")
    list_filter = ("channel", "scope", "service", "project", "created_at")
    search_fields = ("actor_name", "remote_addr")
    list_select_related = ("project",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ("snapshot",)
    fields = ("created_at", "actor_name", "channel", "remote_addr", "project", "service", "scope",
              "criteria", "watermark", "deleted_count", "kept_count", "restored_at", "snapshot")

    SNAPSHOT_PREVIEW = 50

    @admin.display(description="Deleted tasks (first 50)")
    def snapshot(self, deletion):
        # A Delete All can hold 100,000 snapshots; a page shows the first few.
        tasks = DeletedTask.objects.filter(deletion=deletion).order_by("-failed_at", "-task_pk")
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {} · {} · {}</li>",
            ((t.job_id, t.resource_name, t.service, t.error_code or "—", t.failed_at)
             for t in tasks[: self.SNAPSHOT_PREVIEW]),
        ))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
