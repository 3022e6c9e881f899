"""One FilterSet for the queue page and the API: status, priority, category, tag, team,
assignee, SLA state, channel, date ranges and full-text search (`q`).

Search uses PostgreSQL full-text search (a stored document per ticket, migration 0012) and
falls back to icontains elsewhere (the embedded SQLite). `FL-123` or `123` finds that ticket directly.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from teams.models import Agent, Team
from teams.permissions import agents_visible_to, teams_for

from .choices import cached_for_scope
from .models import Category, Message, Ticket, TicketSLA, WorkSession

DUE_SOON = timedelta(hours=1)
CSAT_CHOICES = [
    ("rated", "Rated"),
    ("satisfied", "Satisfied (4-5)"),
    ("dissatisfied", "Not satisfied (1-3)"),
    *[(str(n), f"Rated {n}") for n in range(1, 6)],
]
SLA_OUTCOMES = [("met", "Met"), ("breached", "Breached")]
SEARCH_CONFIG = "simple"


def search_q(value: str) -> Q:
    """A filter matching the words of `value` in the subject or any message of the ticket."""
    value = value.strip()
    ref = re.fullmatch(r"(?:FL-)?(\d+)", value, re.IGNORECASE)
    if ref:
        return Q(pk=int(ref.group(1)))
    if connection.vendor == "postgresql":
        # The stored document (subject + every message) under a GIN index: migration 0012.
        return Q(
            pk__in=RawSQL(
                "SELECT ticket_id FROM tickets_ticketsearch "
                "WHERE document @@ websearch_to_tsquery(%s::regconfig, %s)",
                (SEARCH_CONFIG, value),
            )
        )
    body = Message.objects.filter(ticket=OuterRef("pk"), body_text__icontains=value)
    return Q(subject__icontains=value) | Q(Exists(body))


@extend_schema_field(OpenApiTypes.STR)
class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Several objects by slug (?category=billing&category=feedback)."""


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 with any offset, handed to the database in UTC. (PostgreSQL refuses offsets
    beyond ±15:59, e.g. "+22:10", with an error that used to be a 500.)"""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("That date is out of range.") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    # Own columns: no join, so no DISTINCT (which made PostgreSQL sort every column).
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Ticket.Priority.choices, distinct=False)
    category = SlugMultipleChoiceFilter(
        field_name="category__slug",
        to_field_name="slug",
        queryset=Category.objects.filter(active=True),
    )
    tag = django_filters.CharFilter(field_name="tags__name", label="Tag")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    vendor = django_filters.NumberFilter(field_name="team__vendor_id")
    assignee = django_filters.CharFilter(
        method="filter_assignee", label="Assignee", help_text='A user id, "me" or "none"'
    )
    channel = django_filters.ChoiceFilter(choices=Ticket.Channel.choices)
    sla = django_filters.ChoiceFilter(
        method="filter_sla",
        label="SLA",
        choices=[("breached", "Breached"), ("due_soon", "Due within an hour")],
    )
    breached = django_filters.BooleanFilter(method="filter_breached")
    reopened = django_filters.BooleanFilter(method="filter_reopened")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    solved_after = UtcIsoDateTimeFilter(field_name="solved_at", lookup_expr="gte")
    solved_before = UtcIsoDateTimeFilter(field_name="solved_at", lookup_expr="lt")
    first_reply_after = UtcIsoDateTimeFilter(field_name="first_reply_at", lookup_expr="gte")
    first_reply_before = UtcIsoDateTimeFilter(field_name="first_reply_at", lookup_expr="lt")
    due_after = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    # CSAT: rated tickets (or those rated satisfied / dissatisfied / a given score), by when.
    csat = django_filters.ChoiceFilter(method="filter_csat", choices=CSAT_CHOICES, label="CSAT")
    rated_after = UtcIsoDateTimeFilter(field_name="csat__rated_at", lookup_expr="gte")
    rated_before = UtcIsoDateTimeFilter(field_name="csat__rated_at", lookup_expr="lt")
    # SLA targets that ended (met or breached) — of a kind, under a policy, in a window; the
    # companions are read by filter_sla_outcome (tickets.querysets.TicketSLAQuerySet).
    sla_outcome = django_filters.ChoiceFilter(
        method="filter_sla_outcome", choices=SLA_OUTCOMES, label="SLA target"
    )
    sla_kind = django_filters.ChoiceFilter(method="filter_sla_part", choices=TicketSLA.Kind.choices)
    sla_policy = django_filters.CharFilter(
        method="filter_sla_part", help_text='An SLA policy id, or "none" for default targets'
    )
    sla_ended_after = UtcIsoDateTimeFilter(method="filter_sla_part")
    sla_ended_before = UtcIsoDateTimeFilter(method="filter_sla_part")
    # Tickets an agent worked on (handle time: work sessions with time in them) that started
    # in a window; the companions are read by filter_worked_by.
    worked_by = django_filters.CharFilter(
        method="filter_worked_by", label="Worked by", help_text="A user id"
    )
    worked_after = UtcIsoDateTimeFilter(method="filter_sla_part")
    worked_before = UtcIsoDateTimeFilter(method="filter_sla_part")
    # Ratings credited to an agent (CSATResponse.agent: the last public replier before the
    # solve), as the CSAT figures count them.
    csat_agent = django_filters.NumberFilter(field_name="csat__agent_id", label="CSAT credited to")
    # The figures the metrics app keeps per ticket, read through its reverse relations by
    # name (tickets import nothing from metrics): one-touch as its TicketMetric row says
    # (metrics.facts decides it), and tickets with a counted (submitted, not voided) QA review
    # submitted in a window.
    one_touch = django_filters.BooleanFilter(method="filter_one_touch", label="One-touch")
    qa_reviewed_after = UtcIsoDateTimeFilter(method="filter_qa_reviewed")
    qa_reviewed_before = UtcIsoDateTimeFilter(method="filter_sla_part")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)

        if self.user is not None:
            self.filters["team"].queryset = teams_for(self.user)

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_q(value)) if value.strip() else queryset

    def filter_assignee(self, queryset, name, value):
        value = value.strip().lower()
        if value == "me" and self.user is not None:
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset.none()

    def filter_sla(self, queryset, name, value):
        now = timezone.now()
        if value == "breached":
            return queryset.unsolved().filter(due_at__lt=now)
        return queryset.unsolved().filter(due_at__gte=now, due_at__lt=now + DUE_SOON)

    def filter_breached(self, queryset, name, value):
        if value is None:
            return queryset
        breached = Q(status__in=Ticket.UNSOLVED, due_at__lt=timezone.now())
        return queryset.filter(breached) if value else queryset.exclude(breached)

    def filter_csat(self, queryset, name, value):
        if value == "satisfied":
            return queryset.filter(csat__rating__gte=4)
        if value == "dissatisfied":
            return queryset.filter(csat__rating__lte=3)
        if value.isdigit():
            return queryset.filter(csat__rating=int(value))
        return queryset.filter(csat__rating__isnull=False)

    def filter_sla_outcome(self, queryset, name, value):
        c = self.form.cleaned_data
        lo, hi = c.get("sla_ended_after"), c.get("sla_ended_before")
        targets = TicketSLA.objects.filter(ticket=OuterRef("pk"))
        if value == "met":
            targets = targets.met_between(lo, hi)
        else:
            targets = targets.breached_between(lo, hi)
        if c.get("sla_kind"):
            targets = targets.filter(kind=c["sla_kind"])
        policy = (c.get("sla_policy") or "").strip().lower()
        if policy == "none":
            targets = targets.filter(policy__isnull=True)
        elif policy.isdigit():
            targets = targets.filter(policy_id=int(policy))
        elif policy:
            return queryset.none()
        return queryset.filter(Exists(targets))

    def filter_sla_part(self, queryset, name, value):
        return queryset  # read by filter_sla_outcome / filter_worked_by

    def filter_worked_by(self, queryset, name, value):
        value, c = value.strip(), self.form.cleaned_data
        if not value.isdigit():
            return queryset.none()
        sessions = WorkSession.objects.filter(agent_id=int(value), seconds__gt=0)
        if c.get("worked_after"):
            sessions = sessions.filter(started_at__gte=c["worked_after"])
        if c.get("worked_before"):
            sessions = sessions.filter(started_at__lt=c["worked_before"])
        return queryset.filter(pk__in=sessions.values("ticket_id"))

    def filter_one_touch(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(metric__one_touch=value)

    def filter_qa_reviewed(self, queryset, name, value):
        before = self.form.cleaned_data.get("qa_reviewed_before")
        window = {"qa_reviews__submitted_at__gte": value}
        if before:
            window["qa_reviews__submitted_at__lt"] = before
        reviewed = Ticket.objects.filter(qa_reviews__status="submitted", **window)
        return queryset.filter(pk__in=reviewed.values("pk"))

    def filter_reopened(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(reopen_count__gt=0) if value else queryset.filter(reopen_count=0)

    @property
    def qs(self):
        return self._distinct(super().qs)

    def filter_each(self, querysets):
        """These filters on each of several querysets: the disjoint parts of one scope
        (TicketQuerySet.visible_parts) that tickets.pagination merges. After is_valid()."""
        return [self._distinct(self.filter_queryset(qs)) for qs in querysets]

    def _distinct(self, qs):
        return qs.distinct() if self.data.get("tag") else qs


# The queue's filter form: the fields it shows as single and multiple selects or inputs.
SINGLE_FILTERS = ("q", "tag", "team", "assignee", "sla")
MULTIPLE_FILTERS = ("status", "priority", "category")


def filter_options(user) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the queue's filter selects: statuses, priorities, active
    categories, the teams the user acts for and the active agents of those teams (by user
    id). From the cache per access scope (tickets.choices); one query each for categories,
    teams and agents when a write moved the choices' version."""

    return cached_for_scope("queue-filters", user, lambda: _filter_options(user))


def _filter_options(user) -> dict[str, list[tuple[str, str]]]:

    agents = assignee_choices(user).values_list(
        "user_id", "user__first_name", "user__last_name", "user__username"
    )
    return {
        "status": [(str(v), str(label)) for v, label in Ticket.Status.choices],
        "priority": [(str(v), str(label)) for v, label in Ticket.Priority.choices],
        "category": list(Category.objects.filter(active=True).values_list("slug", "name")),
        "team": [(str(pk), name) for pk, name in teams_for(user).values_list("pk", "name")],
        "sla": [
            (str(v), str(label)) for v, label in TicketFilter.base_filters["sla"].extra["choices"]
        ],
        # Labelled as Agent.__str__ does: the full name, else the username.
        "assignee": [("me", "Me"), ("none", "Nobody")]
        + [(str(pk), f"{first} {last}".strip() or name) for pk, first, last, name in agents],
    }


def filter_values(data) -> dict:
    """What the filter form shows as chosen: lists for the multiple selects, strings else."""
    values = {name: data.getlist(name) for name in MULTIPLE_FILTERS}
    return values | {name: data.get(name, "") for name in SINGLE_FILTERS}


def filters_given(data) -> bool:
    """Whether `data` sets any of TicketFilter's filters (an empty value sets none)."""
    return any(v != "" for name in TicketFilter.base_filters for v in data.getlist(name))


def assignee_choices(user):
    """Agents of the teams in the user's scope (for the assignee filter's select)."""

    return agents_visible_to(user).filter(status=Agent.Status.ACTIVE)
