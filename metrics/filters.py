"""Dashboard filters (django-filter): date range, team, vendor, category, channel.

One FilterSet filters DailyRollups; `ticket_q()` turns the same choices into a filter on
tickets for the live queue, and `ticket_params()` into the tickets list's query parameters.
Choices only offer what the viewer may see.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from teams.models import Vendor
from teams.permissions import scope_for, teams_for
from tickets.choices import cached_for_scope
from tickets.models import Category, Ticket

from .models import DailyRollup

DEFAULT_DAYS = 56  # eight weeks
MAX_DAYS = 400


def _teams(request):
    return teams_for(request.user).select_related("vendor").order_by("name") if request else None


def _vendors(request):
    if request is None:
        return Vendor.objects.none()
    return Vendor.objects.filter(teams__in=teams_for(request.user)).distinct().order_by("name")


def _categories(request):
    if request is None:
        return Category.objects.none()
    return Category.objects.filter(sensitivity__in=scope_for(request.user).sensitivities)


def dashboard_filter_options(request) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs of the filters' selects for this viewer, as the FilterSet offers
    them, from the cache per access scope under the version that category, team, vendor,
    agent and user writes move (tickets.choices)."""

    return cached_for_scope(
        "dashboard-filters",
        request.user,
        lambda: {
            "team": [(str(t.pk), str(t)) for t in _teams(request)],
            "vendor": [(str(v.pk), str(v)) for v in _vendors(request)],
            "category": [(c.slug, str(c)) for c in _categories(request)],
            "channel": [(str(v), str(label)) for v, label in Ticket.Channel.choices],
        },
    )


class DashboardFilter(django_filters.FilterSet):
    """Filters for every dashboard; the range is in UTC days, inclusive."""

    start = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", label="From", widget=forms.DateInput({"type": "date"})
    )
    end = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", label="To", widget=forms.DateInput({"type": "date"})
    )
    team = django_filters.ModelChoiceFilter(queryset=_teams, label="Team", empty_label="All teams")
    vendor = django_filters.ModelChoiceFilter(
        queryset=_vendors, field_name="team__vendor", label="Vendor", empty_label="All vendors"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=_categories, to_field_name="slug", label="Category", empty_label="All categories"
    )
    channel = django_filters.ChoiceFilter(
        choices=Ticket.Channel.choices, label="Channel", empty_label="All channels"
    )

    class Meta:
        model = DailyRollup
        fields = ("start", "end", "team", "vendor", "category", "channel")

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        today = timezone.now().date()
        if not data.get("end"):
            data["end"] = today.isoformat()
        if not data.get("start"):
            end = _parse(data["end"]) or today
            data["start"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__(data, *args, **kwargs)

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        start, end = self.form.cleaned_data["start"], self.form.cleaned_data["end"]
        if start and end and start > end:
            self.form.add_error("end", "The end date is before the start date.")
            return False
        if start and end and (end - start).days > MAX_DAYS:
            self.form.add_error("start", f"Choose at most {MAX_DAYS} days.")
            return False
        return True

    @property
    def start_day(self) -> date:
        return self.form.cleaned_data["start"]

    @property
    def end_day(self) -> date:
        return self.form.cleaned_data["end"]

    @property
    def needs_fine_rows(self) -> bool:
        """A category or channel choice: only the fine rollups (DailyRollup,
        DailySLARollup) carry those; the coarser tables carry the sensitivity instead."""
        c = self.form.cleaned_data
        return bool(c.get("category") or c.get("channel"))

    def coarse_queryset(self, qs):
        """A coarse rollup queryset (team and sensitivity, no category or channel) narrowed
        to the range, team and vendor chosen."""
        return self.team_queryset(qs.between(self.start_day, self.end_day))

    def team_queryset(self, qs):
        """Rollups carrying a team, narrowed to the team and vendor chosen."""
        c = self.form.cleaned_data
        if c.get("team"):
            qs = qs.filter(team=c["team"])
        if c.get("vendor"):
            qs = qs.filter(team__vendor=c["vendor"])
        return qs

    def dimension_queryset(self, qs):
        """Rows carrying team, category and channel (TicketMetric) narrowed to every choice
        but the dates."""
        c, qs = self.form.cleaned_data, self.team_queryset(qs)
        if c.get("category"):
            qs = qs.filter(category=c["category"])
        if c.get("channel"):
            qs = qs.filter(channel=c["channel"])
        return qs

    def ticket_q(self) -> Q:
        """The non-date choices as a filter on tickets."""
        c, q = self.form.cleaned_data, Q()
        if c.get("team"):
            q &= Q(team=c["team"])
        if c.get("vendor"):
            q &= Q(team__vendor=c["vendor"])
        if c.get("category"):
            q &= Q(category=c["category"])
        if c.get("channel"):
            q &= Q(channel=c["channel"])
        return q

    def ticket_params(self) -> dict[str, str]:
        """The non-date choices as the tickets list's parameters (names of its FilterSet)."""
        c, out = self.form.cleaned_data, {}
        if c.get("team"):
            out["team"] = str(c["team"].pk)
        if c.get("vendor"):
            out["vendor"] = str(c["vendor"].pk)
        if c.get("category"):
            out["category"] = c["category"].slug
        if c.get("channel"):
            out["channel"] = c["channel"]
        return out

    def querystring(self) -> str:
        """The current filters, to carry into links (CSV downloads, drill-downs)."""

        c = self.form.cleaned_data
        params = {"start": c["start"].isoformat(), "end": c["end"].isoformat()}
        params.update(self.ticket_params())
        return urlencode(params)


def _parse(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
