from django.contrib import admin

from .models import Agent, ShiftException, ShiftTemplate, Team, TimeOff, Vendor


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
