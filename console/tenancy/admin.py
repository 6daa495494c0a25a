from django.contrib import admin

from console.tenancy.models import Membership, Project, Region, Resource


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("id", "name_en", "name_zh", "position")
    ordering = ("position", "id")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "region")
    list_filter = ("region",)
    search_fields = ("name", "id")
    list_select_related = ("region",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role")
    list_filter = ("role", "project")
    search_fields = ("user__username", "project__name")
    list_select_related = ("user", "project")
    autocomplete_fields = ("user", "project")


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "status", "project")
    list_filter = ("service", "project")
    search_fields = ("name", "resource_id")
    list_select_related = ("project",)
