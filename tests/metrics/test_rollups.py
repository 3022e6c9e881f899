"""Rollups equal a straight computation from the raw tickets, after backfill and incrementally."""

import importlib
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from metrics import sketch
from metrics.models import (
    DailyAgentRollup,
    DailyRollup,
    DailySLARollup,
    DailyTeamRollup,
    DailyTeamSLARollup,
    RollupWatermark,
    TicketMetric,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)
from metrics.selectors.summary import COUNTS
from metrics.services import rollup_backfill, rollup_refresh
from metrics.services.rollups import agent_rollups_rebuild
from metrics.tasks import rollups_refresh
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory
from tickets.models import CSATResponse, Ticket, TicketSLA, WorkSession
from tickets.services import (
    sla_sweep,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
    work_heartbeat,
)
from tickets.services.csat import csat_comment, csat_token

pytestmark = pytest.mark.django_db
S = Ticket.Status
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def _generate_history(rng: random.Random, *, tickets: int, start: datetime, days: int):
    """A random but seeded history driven through the ticket services at frozen times."""
    teams = [TeamFactory(), TeamFactory()]
    agents = [AgentFactory(team=teams[i % 2]).user for i in range(4)]
    categories = [CategoryFactory(), CategoryFactory()]
    requester = RequesterFactory()
    plans = []
    for _ in range(tickets):
        created = start + timedelta(minutes=rng.randint(0, days * 24 * 60))
        plans.append(created)
    made = []
    for created in sorted(plans):
        with time_machine.travel(created, tick=False):
            t = ticket_create(
                subject="Help",
                body="Please",
                requester=requester,
                category=rng.choice(categories),
                team=rng.choice(teams),
                channel=rng.choice([Ticket.Channel.WEB, Ticket.Channel.EMAIL]),
                priority=rng.choice(list(Ticket.Priority.values)),
            )
        at = created
        agent = rng.choice(agents)
        if rng.random() < 0.85:
            at += timedelta(minutes=rng.randint(1, 2000))
            solve = rng.random() < 0.7
            for seconds in (rng.randint(40, 80), 30, 0):  # worked it before replying
                work_heartbeat(ticket=t, agent=agent, now=at - timedelta(seconds=seconds))
            with time_machine.travel(at, tick=False):
                ticket_reply(ticket=t, by=agent, body="Hi", status=S.SOLVED if solve else None)
            if solve and rng.random() < 0.3:
                at += timedelta(minutes=rng.randint(5, 3000))
                with time_machine.travel(at, tick=False):
                    ticket_requester_reply(ticket=t, requester=requester, body_html="Again")
                if rng.random() < 0.6:
                    at += timedelta(minutes=rng.randint(5, 600))
                    with time_machine.travel(at, tick=False):
                        ticket_change_status(ticket=t, by=agent, status=S.SOLVED)
        made.append(t)
    return made, agents


def _rate_some(rng: random.Random, tickets, agents) -> None:
    """CSAT on about 40% of the solved tickets, credited to a random agent, rated a day on."""
    for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=S.SOLVED):
        if rng.random() < 0.4:
            at = t.solved_at + timedelta(hours=rng.randint(1, 30))
            CSATResponse.objects.create(ticket=t, rating=rng.randint(1, 5), agent=rng.choice(agents), rated_at=at, created_at=at, updated_at=at)  # fmt: skip


def _straight(now):
    """Figures per (day, agent, team, category, channel) computed from Ticket columns only."""
    counts = defaultdict(Counter)
    frt = defaultdict(list)
    res = defaultdict(list)
    for t in Ticket.objects.all():
        key = (t.assignee_id, t.team_id, t.category_id, t.channel)
        counts[(t.created_at.date(), *key)]["created"] += 1
        if t.first_reply_at:
            minutes = (t.first_reply_at - t.created_at).total_seconds() / 60
            frt[(t.first_reply_at.date(), *key)].append(minutes)
        if t.status in Ticket.DONE:
            day = (t.solved_at.date(), *key)
            counts[day]["solved"] += 1
            counts[day]["reopened"] += 1 if t.reopen_count else 0
            res[day].append((t.solved_at - t.created_at).total_seconds() / 60)
    for c in CSATResponse.objects.select_related("ticket").exclude(rating=None):
        t = c.ticket
        day = (c.rated_at.date(), c.agent_id, t.team_id, t.category_id, t.channel)
        counts[day][f"csat_{c.rating}"] += 1
    for sla in TicketSLA.objects.select_related("ticket"):
        t = sla.ticket
        if sla.met is True:
            ended, outcome = sla.stopped_at, "met"
        elif sla.breached_at is not None or sla.met is False:
            ended, outcome = sla.breached_at or sla.due_at, "breached"
        else:
            continue  # still running
        day = (ended.date(), t.assignee_id, t.team_id, t.category_id, t.channel)
        counts[day]["sla_achieved" if outcome == "met" else "sla_breached"] += 1
        counts[day][f"sla_{sla.kind}_{outcome}"] += 1
    worked = defaultdict(float)
    for w in WorkSession.objects.select_related("ticket"):
        t = w.ticket
        worked[(w.started_at.date(), w.agent_id, t.team_id, t.category_id, t.channel, t.pk)] += (
            w.seconds
        )
    for (*key, _ticket), seconds in worked.items():
        if seconds:
            counts[tuple(key)]["handle_seconds"] += seconds
            counts[tuple(key)]["handle_count"] += 1
    return counts, frt, res


def _rolled():
    counts = defaultdict(Counter)
    frt, res = {}, {}
    for r in DailyRollup.objects.all():
        key = (r.day, r.agent_id, r.team_id, r.category_id, r.channel)
        for name in (
            "created", "solved", "reopened", *(f"csat_{n}" for n in range(1, 6)),
            *(n for n in COUNTS if n.startswith("sla_") or n.startswith("handle_")),
        ):  # fmt: skip
            if getattr(r, name):
                counts[key][name] += getattr(r, name)
        if r.frt_count:
            frt[key] = (r.frt_count, r.frt_sum, r.frt_sketch)
        if r.resolution_count:
            res[key] = (r.resolution_count, r.resolution_sum, r.resolution_sketch)
    return counts, frt, res


def _assert_rollups_equal_raw(now):
    counts, frt, res = _straight(now)
    r_counts, r_frt, r_res = _rolled()
    assert {k: v for k, v in counts.items() if v} == dict(r_counts)
    assert set(frt) == set(r_frt)
    for key, values in frt.items():
        count, total, stored = r_frt[key]
        assert count == len(values)
        assert total == pytest.approx(sum(values))
        assert sketch.load(stored) == sketch.of(values)
    assert set(res) == set(r_res)
    for key, values in res.items():
        assert r_res[key][0] == len(values)
        assert r_res[key][1] == pytest.approx(sum(values))
    # Percentiles merged across all rows stay within the documented error (1 %).
    all_frt = [v for values in frt.values() for v in values if v >= sketch.MIN_MINUTES]
    merged = sketch.merge(h for _c, _s, h in r_frt.values())
    for q in (0.5, 0.9):
        exact = sketch.exact_percentile(all_frt, q)
        assert sketch.percentile(merged, q) == pytest.approx(exact, rel=sketch.RELATIVE_ERROR)


def _assert_agent_rollups_equal_fine():
    """DailyAgentRollup = DailyRollup summed per day × agent × team (sketches merged),
    DailyTeamRollup the same per day × team, and the weekly tables per week."""
    _assert_sums_equal(DailyAgentRollup, lambda r: (r.day, r.agent_id, r.team_id))
    _assert_sums_equal(DailyTeamRollup, lambda r: (r.day, r.team_id))
    # And the weekly tables: per week (Monday) × agent × team, per week × team.
    _assert_sums_equal(WeeklyAgentRollup, lambda r: (_week(r), r.agent_id, r.team_id))
    _assert_sums_equal(WeeklyTeamRollup, lambda r: (_week(r), r.team_id))


def _week(r):
    day = getattr(r, "week", None) or r.day
    return day - timedelta(days=day.weekday())


def _assert_sums_equal(coarse_model, key_of):
    fine, coarse = defaultdict(Counter), defaultdict(Counter)
    for model, out in ((DailyRollup, fine), (coarse_model, coarse)):
        for r in model.objects.all():
            key = key_of(r)
            for name in (*COUNTS, "frt_sketch", "resolution_sketch"):
                value = getattr(r, name)
                if name.endswith("_sketch"):
                    merged = sketch.load(value)
                    for k, v in enumerate(merged.counts.tolist(), start=merged.offset):
                        out[key][f"{name}:{k}"] += v
                elif value:
                    out[key][name] += value
    assert {k: +v for k, v in fine.items() if +v} == {k: +v for k, v in coarse.items() if +v}


def test_backfill_then_incremental_refresh_equal_a_straight_computation():
    rng = random.Random(20260301)
    tickets, agents = _generate_history(rng, tickets=60, start=START, days=10)
    _rate_some(random.Random(7), tickets, agents)
    assert CSATResponse.objects.count() >= 5
    now = START + timedelta(days=14)
    with time_machine.travel(now, tick=False):
        sla_sweep(now=now)  # marks the overdue targets breached
    assert TicketSLA.objects.filter(met=True).exists()
    assert TicketSLA.objects.filter(breached_at__isnull=False).exists()
    assert WorkSession.objects.filter(seconds__gt=0).exists()
    with time_machine.travel(now, tick=False):
        rollup_backfill(start=START.date(), end=(START + timedelta(days=10)).date(), now=now)
        rollup_refresh(now=now)  # sets the watermark
    _assert_rollups_equal_raw(now)
    _assert_agent_rollups_equal_fine()
    assert DailyRollup.objects.exclude(solved=0).exists()
    assert DailyRollup.objects.exclude(csat_1=0, csat_2=0, csat_3=0, csat_4=0, csat_5=0).exists()
    assert DailyRollup.objects.exclude(sla_first_reply_breached=0).exists()
    assert DailyRollup.objects.exclude(handle_count=0).exists()

    # Later: some tickets are reopened, reassigned or solved again; only they are re-read.
    later = now + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        solved = [t for t in tickets if Ticket.objects.get(pk=t.pk).status == S.SOLVED]
        for t in solved[:3]:
            ticket_requester_reply(ticket=t, requester=t.requester, body_html="Broken again")
        for t in solved[3:6]:
            ticket_assign(ticket=t, by=agents[0], assignee=agents[1])
        # A requester changes their rating through the survey page: only that ticket moves.
        rated = CSATResponse.objects.filter(ticket__in=solved[6:]).first()
        new = 1 if rated.rating != 1 else 5
        csat_comment(token=csat_token(ticket_id=rated.ticket_id), ip="t", comment="", rating=new)
        result = rollup_refresh(now=later)
    assert result["tickets"] == 7
    _assert_rollups_equal_raw(later)
    _assert_agent_rollups_equal_fine()
    assert RollupWatermark.objects.get().value == later
    # Rebuilding the coarse table from the fine one (data rolled up before it existed).
    DailyAgentRollup.objects.all().delete()
    DailyTeamRollup.objects.all().delete()
    WeeklyAgentRollup.objects.all().delete()
    WeeklyTeamRollup.objects.all().delete()
    assert agent_rollups_rebuild() > 0
    _assert_agent_rollups_equal_fine()


def test_refresh_counts_an_sla_breach_the_sweep_marked_without_a_ticket_change():
    team = TeamFactory()
    with time_machine.travel(START, tick=False):
        ticket = ticket_create(
            subject="x",
            body="y",
            requester=RequesterFactory(),
            category=CategoryFactory(),
            team=team,
            priority=Ticket.Priority.URGENT,  # first reply due after 60 minutes
        )
        rollup_refresh(now=START)
    assert not DailyRollup.objects.filter(sla_breached__gt=0).exists()
    later = START + timedelta(minutes=61)
    with time_machine.travel(later, tick=False):
        rollup_refresh(now=later)
        assert not DailyRollup.objects.filter(sla_breached__gt=0).exists()  # not ended yet
        sla_sweep(now=later)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=START)  # only the SLA row moved
        rollup_refresh(now=later + timedelta(seconds=1))
    row = DailyRollup.objects.get(sla_breached=1)
    assert row.team_id == ticket.team_id
    assert row.sla_first_reply_breached == 1
    assert row.day == START.date()


def test_backfill_command_rebuilds_a_range_and_rejects_bad_dates(capsys):
    rng = random.Random(5)
    _generate_history(rng, tickets=8, start=START, days=2)
    with time_machine.travel(START + timedelta(days=5), tick=False):
        call_command("rollup_backfill", "--from", "2026-03-01", "--to", "2026-03-03")
    assert "Rebuilt 8 tickets" in capsys.readouterr().out
    assert sum(DailyRollup.objects.values_list("created", flat=True)) == 8
    with pytest.raises(CommandError, match="Not a date"):
        call_command("rollup_backfill", "--from", "March", "--to", "2026-03-03")
    with pytest.raises(CommandError, match="before"):
        call_command("rollup_backfill", "--from", "2026-03-03", "--to", "2026-03-01")


def test_refresh_task_is_scheduled_in_beat_and_runs_twice_safely():
    task = PeriodicTask.objects.get(task="metrics.tasks.rollups_refresh")
    assert task.enabled
    assert task.interval.every == 5
    _generate_history(random.Random(9), tickets=5, start=START, days=1)
    with time_machine.travel(START + timedelta(days=3), tick=False):
        rollups_refresh.delay()
        first = list(DailyRollup.objects.values_list("day", "created", "solved").order_by("pk"))
        rollups_refresh.delay()
        second = list(DailyRollup.objects.values_list("day", "created", "solved").order_by("pk"))
    assert sorted(first) == sorted(second)
    assert sum(c for _d, c, _s in second) == 5


def test_first_refresh_of_a_large_history_reads_only_recent_changes(monkeypatch):
    from metrics.services.rollups import refresh

    _generate_history(random.Random(3), tickets=4, start=START, days=1)
    monkeypatch.setattr(refresh, "FIRST_RUN_MAX", 2)
    later = START + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        assert rollup_refresh(now=later)["tickets"] == 0  # all changed long before
    assert RollupWatermark.objects.get(name="rollups").value == later
    # The older history is left to the backfill, a week per run of the refresh task.
    assert RollupWatermark.objects.get(name="backfill").value == START
    assert not DailyRollup.objects.exists()
    with time_machine.travel(later, tick=False):
        rollups_refresh.delay()
    assert sum(DailyRollup.objects.values_list("created", flat=True)) == 4
    _assert_rollups_equal_raw(later)
    assert RollupWatermark.objects.get(name="backfill").value == START + timedelta(days=7)
    with time_machine.travel(later, tick=False):
        rollups_refresh.delay()  # days 8-11: through today, so the backfill is done
    assert not RollupWatermark.objects.filter(name="backfill").exists()
    _assert_rollups_equal_raw(later)


def _rolled_up_before_the_upgrade(now):
    """An installation rolled up by the code before SLA kinds, handle time and the SLA-by-
    policy tables: those figures are zero or missing, CSAT was never counted."""
    with time_machine.travel(now, tick=False):
        rollup_backfill(start=START.date(), end=(START + timedelta(days=10)).date(), now=now)
        rollup_refresh(now=now)
    DailySLARollup.objects.all().delete()
    DailyTeamSLARollup.objects.all().delete()
    zero = dict.fromkeys([n for n in COUNTS if n.startswith(("sla_", "handle_", "csat_"))], 0)
    for model in (DailyRollup, DailyAgentRollup, DailyTeamRollup):
        model.objects.update(**zero)
    TicketMetric.objects.update(csat_rating=None, csat_agent=None, csat_day=None, sla_days=[])


def _migrate_forward(name, function="schedule_backfill"):
    from django.apps import apps
    from django.db import connection

    module = importlib.import_module(f"metrics.migrations.{name}")
    getattr(module, function)(apps, connection.schema_editor())


def test_an_upgraded_installation_gets_its_history_backfilled_by_the_refresh_task():
    rng = random.Random(11)
    tickets, agents = _generate_history(rng, tickets=30, start=START, days=10)
    _rate_some(random.Random(2), tickets, agents)
    now = START + timedelta(days=12)
    with time_machine.travel(now, tick=False):
        sla_sweep(now=now)
    _rolled_up_before_the_upgrade(now)
    assert not DailyRollup.objects.exclude(handle_count=0).exists()

    _migrate_forward("0015_backfill_after_upgrade")
    assert RollupWatermark.objects.get(name="backfill").value == START
    with time_machine.travel(now, tick=False):
        rollups_refresh.delay()  # the first week
        assert RollupWatermark.objects.get(name="backfill").value == START + timedelta(days=7)
        rollups_refresh.delay()  # the rest, through today
    assert not RollupWatermark.objects.filter(name="backfill").exists()
    _assert_rollups_equal_raw(now)
    _assert_agent_rollups_equal_fine()
    ended = TicketSLA.objects.exclude(met=None, breached_at=None).count()
    assert ended > 0
    assert sum(r.met + r.breached for r in DailySLARollup.objects.all()) == ended
    assert sum(r.met + r.breached for r in DailyTeamSLARollup.objects.all()) == ended


def test_backfill_command_finishes_the_pending_backfill_at_once(capsys):
    _generate_history(random.Random(4), tickets=6, start=START, days=3)
    now = START + timedelta(days=40)
    _rolled_up_before_the_upgrade(now)
    _migrate_forward("0015_backfill_after_upgrade")
    with time_machine.travel(now, tick=False):
        call_command("rollup_backfill", "--pending")
    out = capsys.readouterr().out
    assert "Backfilled 6 tickets over 41 days from 2026-03-01." in out
    assert not RollupWatermark.objects.filter(name="backfill").exists()
    _assert_rollups_equal_raw(now)
    with time_machine.travel(now, tick=False):
        call_command("rollup_backfill", "--pending")
    assert "No backfill pending." in capsys.readouterr().out
    with pytest.raises(CommandError, match="--pending"):
        call_command("rollup_backfill")


def test_a_fresh_installation_schedules_no_backfill():
    _generate_history(random.Random(4), tickets=2, start=START, days=1)
    _migrate_forward("0015_backfill_after_upgrade")  # tickets, but never rolled up
    assert not RollupWatermark.objects.exists()
