from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from .forms import RequesterEraseForm
from .models import (
    Attachment,
    BusinessHours,
    Category,
    Escalation,
    LegalHold,
    Macro,
    OutboxMessage,
    Requester,
    RoutingRule,
    SavedView,
    SLAPolicy,
    Tag,
    TeamServiceSettings,
    Ticket,
    TicketEvent,
    TicketSLA,
)
from .permissions import can_erase_requester
from .services import macro_save, sla_recompute_later
from .services.privacy import requester_erase


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sensitivity", "exposure_kind", "active", "position"]
    list_editable = ["sensitivity", "exposure_kind", "active", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    """Requesters; "Erase" (admins) runs a data-subject erasure after a confirmation step."""

    list_display = ["email", "name", "handle", "country", "created_at"]
    search_fields = ["email", "name", "handle", "external_id"]
    change_form_template = "admin/tickets/requester/change_form.html"

    def get_urls(self):
        erase = self.admin_site.admin_view(self.erase_view)
        return [
            path("<path:object_id>/erase/", erase, name="tickets_requester_erase"),
            *super().get_urls(),
        ]

    def erase_view(self, request, object_id):
        """Confirmation page (reason, address typed again); POST erases and goes back to the
        list. Only admins (tickets.permissions.can_erase_requester)."""
        if not can_erase_requester(request.user):
            raise PermissionDenied
        requester = get_object_or_404(Requester, pk=object_id)
        form = RequesterEraseForm(request.POST or None, requester=requester)
        if request.method == "POST" and form.is_valid():
            try:
                counts = requester_erase(
                    requester=requester, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    f"Requester #{requester.pk} erased: {counts.tickets} tickets, "
                    f"{counts.messages} messages, {counts.attachments} attachments.",
                    messages.SUCCESS,
                )
                return redirect("admin:tickets_requester_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": requester,
            "form": form,
            "tickets": requester.tickets.count(),
            "title": f"Erase requester #{requester.pk}",
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/tickets/requester/erase.html", context, status=status
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "team",
        "active",
        "policy_article",
        "needs_policy_review",
        "updated_at",
    ]
    list_filter = ["team", "active"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_policy_review()

    @admin.display(boolean=True, description="Policy changed — review")
    def needs_policy_review(self, obj):
        return obj.needs_policy_review

    def save_model(self, request, obj, form, change):
        macro_save(macro=obj)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: ticket writes with rules go through the workspace and the services."""

    list_display = ["__str__", "status", "priority", "category", "team", "assignee", "created_at"]
    list_filter = ["status", "priority", "category", "team", "channel"]
    search_fields = ["subject", "requester__email"]
    raw_id_fields = ["requester", "assignee"]
    # The assignee too: assignment goes through the workspace or the API, where the exposure
    # rule (clearance, consent, caps, cool-down) is asked; the admin would be a side door.
    readonly_fields = [
        "assignee",
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


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Read-only: holds are placed and released on the ticket workspace (or through
    tickets.services.legal_hold_place / legal_hold_release), which check who may and audit it."""

    list_display = ["__str__", "owner", "placed_at", "released_at", "released_by"]
    list_filter = [("released_at", admin.EmptyFieldListFilter), "placed_at"]
    raw_id_fields = ["ticket", "requester", "owner", "released_by"]
    search_fields = ["=ticket__id", "=requester__id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Metadata only: files are read through the access-checked download view."""

    list_display = ["name", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket", "message"]
    readonly_fields = [
        "file", "preview", "safe_preview", "name", "content_type", "size", "sha256", "content_id",
        "inline",
    ]  # fmt: skip


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "created_at"]
    raw_id_fields = ["user"]


# --- SLA, routing, escalation, outbox (routing helper) ----------------------------


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    """Validated by the model's clean() like the Settings page; a change recomputes the due
    times of its teams' open tickets, quietly (no escalation for what it makes past due)."""

    list_display = ["name", "time_zone", "holiday_country", "always_open"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        teams = list(
            TeamServiceSettings.objects.filter(business_hours=obj).values_list("team_id", flat=True)
        )
        if teams:
            sla_recompute_later(team_ids=teams)


@admin.register(TeamServiceSettings)
class TeamServiceSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "business_hours", "interleave_sensitive", "exposure_cap_per_hour"]
    list_select_related = ["team", "business_hours"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "business_hours" in form.changed_data:
            sla_recompute_later(team_ids=[obj.team_id])


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "position",
        "active",
        "first_reply_minutes",
        "next_reply_minutes",
        "resolution_minutes",
        "business_time",
    ]
    list_editable = ["position", "active"]
    ordering = ["position", "pk"]
    filter_horizontal = ["categories", "teams"]

    # Targets, conditions and order decide every unsolved ticket's due times: resync them
    # (after commit, in the worker) whenever a policy changes — on its page or in the list's
    # editable columns (the changelist saves each row through save_related too) — quietly:
    # targets the change makes past due are recorded, not escalated (no flood). Validation is
    # the model's clean(), as in the Settings area.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sla_recompute_later()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        sla_recompute_later()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        sla_recompute_later()


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active", "is_default", "team", "set_priority"]
    list_editable = ["position", "active"]
    list_select_related = ["team"]
    ordering = ["is_default", "position", "pk"]
    filter_horizontal = ["categories"]


@admin.register(TicketSLA)
class TicketSLAAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "started_at", "due_at", "stopped_at", "breached_at", "met"]
    list_filter = ["kind", "met"]
    raw_id_fields = ["ticket"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "level", "source", "team", "created_at", "acknowledged_at"]
    list_filter = ["source", "level"]
    raw_id_fields = ["ticket", "sla"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task", "created_at", "sent_at", "done_at", "attempts"]
    list_filter = ["task"]

    def has_change_permission(self, request, obj=None):
        return False
