"""Every figure opens its tickets: the nine summary cards and the per-associate columns link
to the tickets list filtered to exactly the tickets counted; tickets per productive hour is
computed from presence, and says in place why not where it cannot be."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from metrics.models import Criterion, QAReview
from metrics.selectors.dashboards.productive import NO_PRESENCE, NO_SHIFT_TIME
from metrics.services import (
    productive_time_refresh,
    qa_review_submit,
    rollup_refresh,
    scorecard_publish,
)
from teams.models import Presence, PresenceLog, ShiftTemplate
from tests.factories import AgentFactory
from tickets.models import CSATResponse, Ticket, TicketSLA
from tickets.services import sla_sweep, ticket_change_status, ticket_reply

from .conftest import NOW, days_ago, make_ticket, urgent_policy

pytestmark = pytest.mark.django_db

DAY = days_ago(2).date()


def _at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _rate(ticket, rating, agent, at):
    CSATResponse.objects.create(ticket=ticket, rating=rating, agent=agent, rated_at=at, created_at=at, updated_at=at)  # fmt: skip


@pytest.fixture
def figures(org, frozen):
    """Team A: a1 solves an urgent ticket in time (one touch, rated 5, QA-reviewed), one
    late (SLA breached, rated 2) and one after two replies and a reopen; a2 has an open
    ticket and was available outside any shift; a3 never set a presence. a1 was available
    during a shift. Team B: b1 solves one ticket (rated 4)."""
    o = org
    urgent_policy()
    urgent = Ticket.Priority.URGENT
    fast = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True, priority=urgent)  # fmt: skip
    late = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2, 1), reply_after=timedelta(minutes=90), agent=o["a1"], solve=True, priority=urgent)  # fmt: skip
    worked = make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(3), reply_after=timedelta(minutes=20), agent=o["a1"])  # fmt: skip
    with time_machine.travel(days_ago(3) + timedelta(hours=2), tick=False):
        ticket_reply(ticket=worked, by=o["a1"], body="More", status=Ticket.Status.SOLVED)
    with time_machine.travel(days_ago(3) + timedelta(hours=3), tick=False):
        ticket_change_status(ticket=worked, by=o["a1"], status=Ticket.Status.OPEN)
    with time_machine.travel(days_ago(3) + timedelta(hours=4), tick=False):
        ticket_reply(ticket=worked, by=o["a1"], body="Fixed", status=Ticket.Status.SOLVED)
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(1), reply_after=timedelta(minutes=5), agent=o["a2"])  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(1))
    b = make_ticket(o, team=o["team_b"], category=o["login"], created=days_ago(1), reply_after=timedelta(minutes=20), agent=o["b1"], solve=True)  # fmt: skip
    _rate(fast, 5, o["a1"], days_ago(1))
    _rate(late, 2, o["a1"], days_ago(1))
    _rate(b, 4, o["b1"], days_ago(1))
    card = scorecard_publish(
        name="Card",
        sections=[{"title": "A", "criteria": [{"text": "Right", "scale": Criterion.Scale.YES_NO}]}],
    )
    criterion = card.sections.get().criteria.get()
    with time_machine.travel(days_ago(1), tick=False):
        qa_review_submit(ticket=fast, version=card, reviewer=o["lead"], answers={criterion.pk: 1})
    # Presence: a1 available 9-13 inside a 9-17 shift; a2 available 9-13 with no shift.
    for agent, shift in ((o["a1"], True), (o["a2"], False)):
        if shift:
            ShiftTemplate.objects.create(
                agent=agent.agent, weekday=DAY.weekday(), start=time(9), end=time(17)
            )
        PresenceLog.objects.create(
            agent=agent.agent, status=Presence.AVAILABLE, started_at=_at(DAY, 9),
            ended_at=_at(DAY, 13),
        )  # fmt: skip
    o["a3"] = AgentFactory(team=o["team_a"]).user
    productive_time_refresh(days=[DAY], now=NOW)
    sla_sweep(now=NOW)
    rollup_refresh(now=NOW)
    return o


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(response.context["page"].rows)


CARD_COUNTS = {
    "created": "created",
    "solved": "solved",
    "first_reply": "frt_count",
    "reopened": "reopened",
    "one_touch": "one_touch",
    "sla_met_first_reply": "sla_first_reply_met",
    "sla_breached_first_reply": "sla_first_reply_breached",
    "sla_met_resolution": "sla_resolution_met",
    "qa": "qa_count",
    "csat": "csat_rated",
    "csat_satisfied": "csat_satisfied",
}


@pytest.mark.parametrize(("viewer", "page"), [("lead", "/metrics/team/"), ("manager", "/metrics/overview/")])  # fmt: skip
def test_every_summary_card_opens_exactly_the_tickets_it_counts(client, figures, viewer, page):
    client.force_login(figures[viewer])
    response = client.get(page)
    assert response.status_code == 200
    summary, links = response.context["summary"], response.context["summary_links"]
    for name, field in CARD_COUNTS.items():
        assert _listed(client, links[name]) == summary[field], name
    # SLA counts targets: the card opens the tickets with any target met in the range; per
    # kind (one first-reply and one resolution target a ticket) the counts are the figures.
    visible = Ticket.objects.visible_to(figures[viewer])
    met = TicketSLA.objects.filter(met=True, ticket__in=visible).values("ticket").distinct()
    met = met.count()
    assert _listed(client, links["sla_met"]) == met > 0
    # Resolution counts the solved tickets: the card opens them.
    assert summary["resolution_count"] == summary["solved"]
    # The fixture makes every card count something, so the checks above could fail.
    assert all(summary[f] for f in CARD_COUNTS.values()), summary
    body = response.content.decode()
    assert body.count('data-card="') == 9
    for name in CARD_COUNTS:
        assert links[name].replace("&", "&amp;") in body


def test_per_associate_columns_open_their_tickets(client, figures):
    client.force_login(figures["lead"])
    response = client.get("/metrics/team/")
    rows = {r["agent"].user_id: r for r in response.context["associates"]}
    a1 = rows[figures["a1"].pk]
    assert a1["summary"]["solved"] == 3
    assert a1["productive_hours"] == pytest.approx(4)
    assert a1["per_hour"] == pytest.approx(3 / 4)
    assert _listed(client, a1["solved_url"]) == 3  # per productive hour: the solved tickets
    assert a1["summary"]["one_touch"] == 2
    assert _listed(client, a1["one_touch_url"]) == 2
    assert a1["summary"]["csat_rated"] == 2
    assert _listed(client, a1["csat_url"]) == 2
    a2 = rows[figures["a2"].pk]
    assert a2["open_load"] == 1
    assert _listed(client, a2["load_url"]) == 1  # capacity: the open tickets it holds
    body = response.content.decode()
    assert 'data-per-hour><a href="' in body
    assert 'data-capacity><a href="' in body


def test_tickets_per_productive_hour_says_why_it_is_missing(client, figures):
    client.force_login(figures["lead"])
    response = client.get("/metrics/team/")
    rows = {r["agent"].user_id: r for r in response.context["associates"]}
    assert rows[figures["a2"].pk]["per_hour"] is None
    assert rows[figures["a2"].pk]["per_hour_missing"] == NO_SHIFT_TIME
    assert rows[figures["a3"].pk]["per_hour_missing"] == NO_PRESENCE
    body = response.content.decode()
    assert NO_SHIFT_TIME in body
    assert NO_PRESENCE in body
    assert "data-per-hour>—" not in body


def test_qa_and_one_touch_filters_narrow_the_tickets_list(client, figures):
    client.force_login(figures["lead"])
    reviewed = QAReview.objects.get().ticket
    after = days_ago(2).isoformat()
    response = client.get("/tickets/", {"view": "all", "qa_reviewed_after": after})
    assert [r["pk"] for r in response.context["page"].rows] == [reviewed.pk]
    one_touch = client.get("/tickets/", {"view": "all", "one_touch": "true"})
    assert reviewed.pk in [r["pk"] for r in one_touch.context["page"].rows]
    assert len(one_touch.context["page"].rows) == 2
