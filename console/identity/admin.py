from django.contrib import admin, messages
from django.utils import timezone

from console.identity.forms import ThrottledAdminAuthenticationForm
from console.identity.models import AccessKey, ApiToken


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    """Access keys can be looked at and deleted (revoked) here; secrets are never shown."""

    list_display = ("access_key", "user", "description", "created_at", "last_used_at")
    search_fields = ("access_key", "user__username", "description")
    list_select_related = ("user",)
    readonly_fields = ("user", "access_key", "created_at", "last_used_at")
    exclude = ("salt",)

    def has_add_permission(self, request):
        return False  # created by their owner (My Credentials) or create_access_key


@admin.action(description="Revoke the selected tokens")
def revoke_tokens(modeladmin, request, queryset):
    revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    modeladmin.message_user(request, f"Revoked {revoked} tokens.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "created_at", "expires_at", "revoked_at")
    list_filter = ("project",)
    search_fields = ("user__username",)
    list_select_related = ("user", "project")
    readonly_fields = ("user", "project", "created_at", "expires_at", "revoked_at")
    exclude = ("token_hash",)
    actions = [revoke_tokens]

    def has_add_permission(self, request):
        return False

# The admin's sign-in goes through the same throttle as every other (it sits in
# authentication); this form only words its refusal.
admin.site.login_form = ThrottledAdminAuthenticationForm
