"""Trend alerts: emailing a spike to the team's lead and manager, and filing a spike as a
product-feedback escalation with the tickets behind it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teams.models import Team
from teams.permissions import can_view_overview, can_view_team_dashboard
from tickets.models import Category, Ticket
from tickets.services.outbox import outbox_add, outbox_handler

from ..models import ProductFeedback, TrendAlertNotice
from ..selectors.alerts import WINDOW_HOURS, spikes_in, volume_spikes

ALERT_MAIL = "metrics.trend_alert_mail"  # the outbox handler that e-mails a trend alert

MAX_EXAMPLES = 200  # tickets listed on one filing; the tickets list link shows them all


def _absolute(path: str) -> str:
    return settings.FRONTLINE["PUBLIC_BASE_URL"].rstrip("/") + path


def _describe(spike: dict) -> str:
    change = f"+{spike['change'] * 100:.0f}%" if spike["change"] is not None else "new"
    since = timezone.localtime(spike["window_start"]).strftime("%H:%M")
    return f"{spike['category']} {change} since {since}, {spike['z']:.1f}σ"


def trend_alerts_email(*, now: datetime | None = None) -> int:
    """Email each team's lead and manager about volume spikes among the team's tickets.

    Off unless FRONTLINE["TREND_ALERT_EMAILS"]. One email per team and spike: a category
    that keeps spiking is not sent again until its last notice's window has passed. Safe to
    run twice (a notice row is written with each email). Returns the emails sent."""
    if not settings.FRONTLINE["TREND_ALERT_EMAILS"]:
        return 0
    now = now or timezone.now()
    sent = 0
    teams = Team.objects.select_related("lead", "manager").filter(
        Q(lead__isnull=False) | Q(manager__isnull=False)
    )
    for team in teams:
        recipients = sorted(
            {u.email for u in (team.lead, team.manager) if u is not None and u.email}
        )
        if not recipients:
            continue
        for spike in spikes_in(Ticket.objects.filter(team=team), now=now):
            with transaction.atomic():
                recent = TrendAlertNotice.objects.select_for_update().filter(
                    team=team,
                    category_id=spike["category_id"],
                    window_end__gt=now - timedelta(hours=WINDOW_HOURS),
                )
                if recent.exists():
                    continue
                TrendAlertNotice.objects.create(
                    team=team,
                    category_id=spike["category_id"],
                    window_start=spike["window_start"],
                    window_end=now,
                    observed=spike["observed"],
                    expected=spike["expected"],
                    z=spike["z"],
                    recipients=recipients,
                    sent_at=now,
                )
                message = _alert_message(team, spike, recipients)
                outbox_add(
                    task=ALERT_MAIL,
                    payload={"subject": message.subject, "body": message.body, "to": message.to},
                )
                sent += 1
    return sent


@outbox_handler(ALERT_MAIL, queue="mail")
def _send_alert(payload: dict) -> None:
    """Send a trend alert written by trend_alerts_email (through the outbox, after commit)."""
    EmailMessage(subject=payload["subject"], body=payload["body"], to=payload["to"]).send()


def _alert_message(team: Team, spike: dict, recipients: list[str]) -> EmailMessage:
    tickets = _absolute(spike["url"] + f"&team={team.pk}")
    dashboard = _absolute(reverse("metrics:team_dashboard") + f"?team={team.pk}")
    return EmailMessage(
        subject=f"Volume spike on {team.name}: {_describe(spike)}",
        body=(
            f"{spike['observed']} {spike['category']} tickets for {team.name} in the last "
            f"{WINDOW_HOURS} hours, against {spike['expected']:.1f} usually in the same hours "
            f"of the last 4 weeks ({spike['z']:.1f}σ, p={spike['p']:.1g}).\n\n"
            f"The tickets: {tickets}\n"
            f"The dashboard (file it as product feedback from there): {dashboard}\n"
        ),
        to=recipients,
    )


def _may_file(user) -> bool:
    return can_view_team_dashboard(user) or can_view_overview(user)


@transaction.atomic
def product_feedback_file(
    *, user, category: Category, until: datetime, now: datetime | None = None
) -> tuple[ProductFeedback, bool]:
    """File the spike of `category` in the window ending `until` as a product-feedback
    escalation listing the tickets behind it (those `user` may see). Returns (filing, created).

    Idempotent: while a filing of the same category covers an overlapping window, that one is
    returned (with any newly visible tickets of the window added) instead of filing again.
    Raises PermissionDenied for people without a dashboard, ValidationError when the window
    is in the future, older than a week, or holds no spike."""
    if not _may_file(user):
        raise PermissionDenied("Filing product feedback is for leads and managers.")
    now = now or timezone.now()
    if until > now + timedelta(minutes=1) or until < now - timedelta(days=7):
        raise ValidationError("That alert window is not within the last 7 days.")
    spike = next((s for s in volume_spikes(user=user, q=Q(category=category), now=until)), None)
    if spike is None:
        raise ValidationError(f"There is no volume spike of {category.name} in that window.")
    Category.objects.select_for_update().filter(pk=category.pk).first()  # one filing at a time
    start = spike["window_start"]
    tickets = list(
        Ticket.objects.visible_to(user)
        .filter(category=category, created_at__gte=start, created_at__lt=until)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:MAX_EXAMPLES]
    )
    existing = ProductFeedback.objects.filter(
        category=category, window_start__lt=until, window_end__gt=start
    ).first()
    if existing is not None:
        existing.tickets.add(*tickets)
        return existing, False
    filing = ProductFeedback.objects.create(
        category=category,
        window_start=start,
        window_end=until,
        observed=spike["observed"],
        expected=spike["expected"],
        z=spike["z"],
        summary=_describe(spike),
        filed_by=user,
        filed_at=now,
    )
    filing.tickets.add(*tickets)
    return filing, True
