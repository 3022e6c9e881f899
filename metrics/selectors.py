"""Figures for the dashboards, straight from tickets in the viewer's scope."""

from datetime import timedelta

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from teams.permissions import teams_for
from tickets.models import Ticket


def queue_health(*, user, team_ids=None) -> dict:
    """Backlog by status, breached and unassigned now, created and solved in the last 7 days."""
    now = timezone.now()
    week_ago = now - timedelta(days=7)
    qs = Ticket.objects.visible_to(user)
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    unsolved = Q(status__in=Ticket.UNSOLVED)
    agg = qs.aggregate(
        new=Count("pk", filter=Q(status=Ticket.Status.NEW)),
        open=Count("pk", filter=Q(status=Ticket.Status.OPEN)),
        pending=Count("pk", filter=Q(status=Ticket.Status.PENDING)),
        on_hold=Count("pk", filter=Q(status=Ticket.Status.ON_HOLD)),
        unsolved=Count("pk", filter=unsolved),
        breached=Count("pk", filter=unsolved & Q(due_at__lt=now)),
        unassigned=Count("pk", filter=unsolved & Q(assignee__isnull=True)),
        created_7d=Count("pk", filter=Q(created_at__gte=week_ago)),
        solved_7d=Count("pk", filter=Q(solved_at__gte=week_ago)),
    )
    return agg


def per_team(*, user) -> list[dict]:
    """One row per team in scope: backlog, breached, solved and first-reply mean over 7 days."""
    now = timezone.now()
    week_ago = now - timedelta(days=7)
    unsolved = Q(tickets__status__in=Ticket.UNSOLVED)
    visible = Ticket.objects.visible_to(user).values("pk")
    rows = (
        teams_for(user)
        .select_related("vendor")
        .annotate(
            unsolved=Count("tickets", filter=unsolved & Q(tickets__in=visible)),
            breached=Count(
                "tickets", filter=unsolved & Q(tickets__due_at__lt=now, tickets__in=visible)
            ),
            solved_7d=Count(
                "tickets", filter=Q(tickets__solved_at__gte=week_ago, tickets__in=visible)
            ),
            frt_7d=Avg(
                F("tickets__first_reply_at") - F("tickets__created_at"),
                filter=Q(tickets__first_reply_at__gte=week_ago, tickets__in=visible),
            ),
        )
        .order_by("vendor__name", "name")
    )
    return list(rows)


def per_associate(*, user, team_ids) -> list[dict]:
    """Open load and solved in 7 days per associate of the given teams."""
    from teams.selectors import associates_of

    week_ago = timezone.now() - timedelta(days=7)
    agents = list(associates_of(team_ids=team_ids).order_by("user__first_name", "user__last_name"))
    counts = {
        row["assignee"]: row
        for row in Ticket.objects.visible_to(user)
        .filter(assignee__in=[a.user_id for a in agents])
        .values("assignee")
        .annotate(
            open_load=Count("pk", filter=Q(status__in=Ticket.UNSOLVED)),
            solved_7d=Count("pk", filter=Q(solved_at__gte=week_ago)),
        )
    }
    return [
        {
            "agent": a,
            "open_load": counts.get(a.user_id, {}).get("open_load", 0),
            "solved_7d": counts.get(a.user_id, {}).get("solved_7d", 0),
        }
        for a in agents
    ]
