"""Auto-routing and push assignment timed in a transaction rolled back (a child-process task)."""

from __future__ import annotations

import contextlib
import statistics
import time
from datetime import UTC, datetime

from bench.loadtest.client import percentiles


def routing_bench(count: int, push: int) -> dict:
    """Time what routing adds to ticket_create (the decision: rules, follow-the-sun; the
    record: TicketRouting and its event) on new tickets, and ticket_auto_assign for a push-mode team, all in one transaction that is rolled back.
    The data set has no routing rules: the run adds one per team (category and language
    conditions, as an admin would) and a default, so every decision walks a real rule list."""
    import random

    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from teams.caches import ON_SHIFT
    from teams.models import Agent, Presence, Team
    from teams.selectors import teams_on_shift
    from tickets.models import Category, Requester, RoutingRule, Ticket
    from tickets.services.routing import (
        routing_apply,
        routing_decide,
        routing_record,
        ticket_auto_assign,
    )

    rng = random.Random(7)
    out: dict = {}

    def timed(fn, samples: list, cpu: list, queries: list | None = None):
        with contextlib.ExitStack() as stack:
            captured = stack.enter_context(CaptureQueriesContext(connection)) if queries else None
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        if captured is not None:
            queries[0].append(len(captured.captured_queries))
        return result

    with transaction.atomic():
        teams = list(Team.objects.order_by("pk"))
        categories = list(Category.objects.order_by("pk"))
        requesters = list(Requester.objects.order_by("pk")[:1000])
        for i, team in enumerate(teams):
            rule = RoutingRule.objects.create(
                name=f"bench {team.slug}", position=i, team=team, languages=team.languages[:1]
            )
            rule.categories.set([c for c in categories if c.slug in (team.categories or [])][:2])
        RoutingRule.objects.create(name="bench default", is_default=True, team=teams[0])
        now = datetime.now(UTC)

        def new_ticket(**kw) -> Ticket:
            return Ticket.objects.create(
                subject="Bench routing", requester=rng.choice(requesters),
                category=kw.pop("category", None) or rng.choice(categories), created_at=now,
                channel=rng.choice(["web", "email", "api"]),
                language=rng.choice(["en", "en", "es", "de", "pl", "tl", "fr"]), **kw,
            )  # fmt: skip

        ON_SHIFT.move()
        cold: list[float] = []
        timed(lambda: teams_on_shift(team_ids=[t.pk for t in teams], at=now), cold, [])
        out["on_shift_all_teams_cold_ms"] = round(cold[0], 2)
        tickets = [new_ticket() for _ in range(count)]
        wall: list[float] = []
        cpu: list[float] = []
        queries: list[list[int]] = [[]]
        followed = 0
        decide: list[float] = []

        def route(t: Ticket):
            """What ticket_create adds: decide before the INSERT, record after it."""
            t0 = time.perf_counter()
            decision = routing_decide(
                category=t.category, language=t.language, country=t.requester.country,
                channel=t.channel, subject=t.subject, body="Please help me", now=now,
            )  # fmt: skip
            decide.append((time.perf_counter() - t0) * 1000)
            routing_apply(ticket=t, decision=decision)
            routing_record(ticket=t, decision=decision, now=now)
            return decision

        for i, ticket in enumerate(tickets):
            decision = timed(lambda t=ticket: route(t), wall, cpu, queries if i < 100 else None)
            followed += decision.followed_sun
        p50, p95 = percentiles(wall)
        out.update(
            p50_ms=round(p50, 2), p95_ms=round(p95, 2),
            decide_p50_ms=round(statistics.median(decide), 2),
            cpu_p50_ms=round(statistics.median(cpu), 2),
            queries=statistics.median(queries[0]), queries_max=max(queries[0]),
            decisions=len(wall), followed_sun=followed, rules=len(teams) + 1,
            teams=len(teams), agents=Agent.objects.count(),
        )  # fmt: skip

        available = (
            Agent.objects.filter(presence=Presence.AVAILABLE, status=Agent.Status.ACTIVE)
            .values("team_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if available and push:
            team = Team.objects.get(pk=available["team_id"])
            team.work_mode = Team.WorkMode.PUSH
            team.save(update_fields=["work_mode"])
            skills = set(Agent.objects.filter(team=team).values_list("skills", flat=True)[0] or [])
            usable = [c for c in categories if not skills or c.slug in skills] or categories
            pushed = [new_ticket(team=team, category=rng.choice(usable)) for _ in range(push)]
            wall, cpu, queries = [], [], [[]]
            assigned = 0
            for i, ticket in enumerate(pushed):
                got = timed(
                    lambda t=ticket: ticket_auto_assign(ticket_id=t.pk),
                    wall, cpu, queries if i < 50 else None,
                )  # fmt: skip
                assigned += got is not None
            p50, p95 = percentiles(wall)
            out["push_auto_assign"] = {
                "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
                "cpu_p50_ms": round(statistics.median(cpu), 2),
                "queries": statistics.median(queries[0]), "assigned": assigned,
                "tickets": len(pushed), "available_agents": available["n"],
            }  # fmt: skip
        transaction.set_rollback(True)  # the data set stays as generated
    ON_SHIFT.move()  # nothing cached from inside the rolled-back transaction outlives it
    return out
