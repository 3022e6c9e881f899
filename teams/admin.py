from django.contrib import admin
from django.utils import timezone

from .models import (
    ActionItem,
    Agent,
    ApiToken,
    CoachingSession,
    ExposureEntry,
    FeedbackNote,
    PolicyArticle,
    PolicyVersion,
    PresenceLog,
    ShiftException,
    ShiftTemplate,
    Team,
    TimeOff,
    Vendor,
)


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "time_zone", "lead", "work_mode"]
    list_filter = ["vendor", "work_mode"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["lead", "manager"]


class ShiftTemplateInline(admin.TabularInline):
    model = ShiftTemplate
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "team", "capacity", "clearance", "status"]
    list_filter = ["role", "team", "clearance", "status"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    raw_id_fields = ["user"]
    inlines = [ShiftTemplateInline]


@admin.register(ShiftException)
class ShiftExceptionAdmin(admin.ModelAdmin):
    list_display = ["agent", "date", "kind", "start", "end"]
    list_filter = ["kind"]
    raw_id_fields = ["agent", "created_by"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["agent", "start_date", "end_date", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["agent", "created_by"]


@admin.register(PresenceLog)
class PresenceLogAdmin(admin.ModelAdmin):
    list_display = ["agent", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    raw_id_fields = ["agent"]


@admin.register(ExposureEntry)
class ExposureEntryAdmin(admin.ModelAdmin):
    list_display = ["user", "ticket_id", "sensitivity", "at"]
    list_filter = ["sensitivity"]
    raw_id_fields = ["user"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["associate", "coach", "date", "team"]
    raw_id_fields = ["coach", "associate"]
    inlines = [ActionItemInline]


@admin.register(FeedbackNote)
class FeedbackNoteAdmin(admin.ModelAdmin):
    list_display = ["associate", "kind", "author", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["author", "associate"]


class PolicyVersionInline(admin.StackedInline):
    model = PolicyVersion
    extra = 0
    readonly_fields = ["body_html", "published_at", "published_by"]
    fields = ["number", "summary", "effective_date", "teams", "published_at", "published_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # publish through the policy pages (teams.services.policy_publish)


@admin.register(PolicyArticle)
class PolicyArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    inlines = [PolicyVersionInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins see every token (never its secret) and may revoke; owners create them at
    /account/tokens/."""

    list_display = ["name", "user", "scope", "prefix", "created_at", "expires_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "scope", "prefix", "key_hash", "created_at", "expires_at",
                       "last_used_at", "revoked_at"]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):

        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} token(s) revoked.")
