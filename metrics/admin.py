"""Admin for measurement data: scorecards (sections and criteria), reviews, queue, rollups."""

from django.contrib import admin

from .models import (
    Criterion,
    DailyRollup,
    QAQueueItem,
    QAReview,
    ReportRun,
    ReportSchedule,
    Scorecard,
    ScorecardSection,
    ScorecardVersion,
)


class VersionInline(admin.TabularInline):
    model = ScorecardVersion
    extra = 0
    fields = ("number", "created_at", "created_by")
    readonly_fields = ("created_at",)


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "created_at")
    inlines = [VersionInline]


class SectionInline(admin.TabularInline):
    model = ScorecardSection
    extra = 1


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_at", "created_by")
    inlines = [SectionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("text", "section", "scale", "weight", "auto_fail", "position")
    list_filter = ("section__version__scorecard", "scale", "auto_fail")


@admin.register(QAReview)
class QAReviewAdmin(admin.ModelAdmin):
    list_display = ("ticket", "reviewer", "agent", "score", "auto_failed", "status", "response")
    list_filter = ("status", "response", "auto_failed")
    raw_id_fields = ("ticket", "reviewer", "agent", "resolved_by", "team")


@admin.register(QAQueueItem)
class QAQueueItemAdmin(admin.ModelAdmin):
    list_display = ("ticket", "agent", "team", "reason", "week", "done_at")
    list_filter = ("reason", "week")
    raw_id_fields = ("ticket", "agent", "team")


@admin.register(DailyRollup)
class DailyRollupAdmin(admin.ModelAdmin):
    list_display = ("day", "team", "agent", "category", "channel", "created", "solved")
    list_filter = ("day", "team", "channel")


class ReportRunInline(admin.TabularInline):
    model = ReportRun
    extra = 0
    fields = ("period_start", "period_end", "status", "row_count", "sent_to", "sent_count", "error")
    readonly_fields = fields
    can_delete = False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    """Read-only here: schedules are created, run and deleted on /metrics/reports/, which keeps
    their django-celery-beat entries in step."""

    list_display = ("name", "owner", "dataset", "format", "frequency", "enabled")
    list_filter = ("frequency", "format", "enabled")
    inlines = [ReportRunInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
