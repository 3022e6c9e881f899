from django.contrib import admin

from .models import Attachment, Category, Macro, Requester, SavedView, Tag, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sensitivity", "active", "position"]
    list_editable = ["sensitivity", "active", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "handle", "country", "created_at"]
    search_fields = ["email", "name", "handle", "external_id"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "active", "updated_at"]
    list_filter = ["team", "active"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: ticket writes with rules go through the workspace and the services."""

    list_display = ["__str__", "status", "priority", "category", "team", "assignee", "created_at"]
    list_filter = ["status", "priority", "category", "team", "channel"]
    search_fields = ["subject", "requester__email"]
    raw_id_fields = ["requester", "assignee"]
    readonly_fields = [
        "status",
        "created_at",
        "first_reply_at",
        "solved_at",
        "closed_at",
        "version",
    ]
    list_select_related = ["category", "team", "assignee"]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "field", "old", "new", "actor", "created_at"]
    raw_id_fields = ["ticket", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Metadata only: files are read through the access-checked download view."""

    list_display = ["name", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket", "message"]
    readonly_fields = ["file", "name", "content_type", "size", "sha256", "content_id", "inline"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "created_at"]
    raw_id_fields = ["user"]
