"""Vendors, teams, users, agents, role groups, shifts and tags, through the ORM."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from bench.generation.config import CLAIMERS, N_AGENTS, N_TEAMS, N_VENDORS, SAFETY_TEAMS, TAGS


def make_people(rng: random.Random, now: datetime) -> dict:
    """Vendors, teams, users, agents and role groups; returns what the ticket stream needs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from teams.demo import FIRST, LAST
    from teams.models import (
        Agent,
        ExposureConsent,
        ExposureKind,
        Role,
        Sensitivity,
        ShiftTemplate,
        Team,
        Vendor,
    )
    from teams.services import roles_sync_groups
    from tickets.demo import CATEGORIES, seed_categories
    from tickets.models import Tag

    User = get_user_model()
    groups = roles_sync_groups()
    password = make_password("demo")  # one hash for every bench login (bench database only)
    categories = seed_categories()
    care = [c[0] for c in CATEGORIES if c[2] == Sensitivity.NONE]
    safety = [c[0] for c in CATEGORIES if c[2] != Sensitivity.NONE]

    vendors = [Vendor(name="Frontline In-house", slug="frontline", kind="in_house", country="US")]
    bpo = [
        ("Northwind", "PH"),
        ("Atlas", "PL"),
        ("Meridian", "IN"),
        ("Lumen", "CO"),
        ("Kestrel", "KE"),
    ]
    for name, country in bpo:
        vendors.append(Vendor(name=f"{name} CX", slug=name.lower(), kind="bpo", country=country))
    Vendor.objects.bulk_create(vendors)
    vendors = list(Vendor.objects.order_by("pk"))
    zones = {
        "US": "America/New_York", "PH": "Asia/Manila", "PL": "Europe/Warsaw",
        "IN": "Asia/Kolkata", "CO": "America/Bogota", "KE": "Africa/Nairobi",
    }  # fmt: skip

    users: list = []

    def user(username, first, last, email):
        u = User(username=username, first_name=first, last_name=last, email=email)
        u.password = password
        users.append(u)
        return u

    manager = user("manager", "Morgan", "Lee", "manager@frontline.example")
    qa = user("qa", "Casey", "Nguyen", "qa@frontline.example")
    admin = user("admin", "Robin", "Admin", "admin@frontline.example")
    admin.is_staff = admin.is_superuser = True
    plan = []  # (user, role, team index, clearance, skills, languages, capacity)
    plan += [(manager, Role.MANAGER, None), (qa, Role.QA_ANALYST, None), (admin, Role.ADMIN, None)]
    team_specs = []
    for t in range(N_TEAMS):
        is_safety = t >= N_TEAMS - SAFETY_TEAMS
        vendor = vendors[0] if t == 0 or is_safety else vendors[1 + (t - 1) % (N_VENDORS - 1)]
        name = "Account Care" if t == 0 else f"{'Safety' if is_safety else 'Care'} {t:02d}"
        team_specs.append((t, name, vendor, is_safety))
    per_team = (N_AGENTS - 3) // N_TEAMS  # 14 per team with a lead; the rest go to team 0
    extra = N_AGENTS - 3 - per_team * N_TEAMS
    for t, _name, _vendor, is_safety in team_specs:
        size = per_team + (extra if t == 0 else 0)
        clearance = Sensitivity.RESTRICTED if is_safety else Sensitivity.SENSITIVE
        skills = safety if is_safety else care
        lead_name = "lead" if t == 0 else f"lead.{t:02d}"
        lead = user(lead_name, rng.choice(FIRST), rng.choice(LAST), f"{lead_name}@bench.example")
        plan.append((lead, Role.LEAD, t, Sensitivity.RESTRICTED, skills, ["en"], 10))
        for i in range(1, size):
            if t == 0 and i == 1:
                username = "associate"
            elif t == 0 and i <= 1 + CLAIMERS:
                username = f"claimer.{i - 1:02d}"
            else:
                username = f"agent.{t:02d}.{i:02d}"
            u = user(username, rng.choice(FIRST), rng.choice(LAST), f"{username}@bench.example")
            if username.startswith("claimer."):
                plan.append((u, Role.ASSOCIATE, t, clearance, [], [], 30000))
            else:
                plan.append((u, Role.ASSOCIATE, t, clearance, skills, ["en"], 12))
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.all()}

    teams = []
    for t, name, vendor, is_safety in team_specs:
        teams.append(
            Team(
                name=name,
                slug=name.lower().replace(" ", "-"),
                vendor=vendor,
                manager=by_name["manager"],
                lead=by_name["lead" if t == 0 else f"lead.{t:02d}"],
                time_zone=zones[vendor.country],
                country=vendor.country,
                categories=safety if is_safety else care,
                languages=["en"],
            )
        )
    Team.objects.bulk_create(teams)
    teams = list(Team.objects.order_by("pk"))

    agents = []
    memberships = []
    for entry in plan:
        u = by_name[entry[0].username]
        role = entry[1]
        memberships.append(User.groups.through(user_id=u.pk, group_id=groups[role].pk))
        if entry[2] is None:
            clearance = Sensitivity.RESTRICTED if role == Role.ADMIN else Sensitivity.SENSITIVE
            agents.append(Agent(user=u, role=role, clearance=clearance, time_zone="UTC"))
            continue
        _, _, t, clearance, skills, languages, capacity = entry
        team = teams[t]
        agents.append(
            Agent(
                user=u,
                role=role,
                team=team,
                clearance=clearance,
                skills=skills,
                languages=languages,
                capacity=capacity,
                time_zone=team.time_zone,
                start_date=date(2023, 1 + rng.randrange(12), 1 + rng.randrange(28)),
            )
        )
    User.groups.through.objects.bulk_create(memberships)
    Agent.objects.bulk_create(agents)
    # Every generated agent is cleared for sensitive work and opted in to every kind of it
    # (as the migration did for agents existing before consent per kind).
    ExposureConsent.objects.bulk_create(
        ExposureConsent(user_id=a.user_id, kind=k, at=now)
        for a in agents
        for k in ExposureKind.values
    )
    live = ["associate"] + [f"claimer.{i:02d}" for i in range(1, CLAIMERS + 1)]
    Agent.objects.filter(user__username__in=live).update(
        presence="available", presence_since=now - timedelta(minutes=30)
    )
    agents = list(Agent.objects.select_related("user").order_by("pk"))

    shifts = []
    for a in agents:
        if a.team_id is None:
            continue
        start = [6, 9, 14][a.pk % 3]
        off = {a.pk % 7, (a.pk + 1) % 7}
        for d in range(7):
            if d not in off:
                shifts.append(
                    ShiftTemplate(
                        agent=a, weekday=d, start=f"{start:02d}:00", end=f"{start + 8:02d}:00"
                    )
                )
    ShiftTemplate.objects.bulk_create(shifts)
    Tag.objects.bulk_create([Tag(name=t) for t in TAGS])

    team_index = {team.pk: i for i, team in enumerate(teams)}
    associates: list[list[tuple[int, int]]] = [[] for _ in teams]  # (user id, agent id)
    for a in agents:
        if a.role == Role.ASSOCIATE and not a.user.username.startswith("claimer."):
            associates[team_index[a.team_id]].append((a.user_id, a.pk))
    cat_rows = [(categories[c[0]].pk, c[0], c[2], c[3]) for c in CATEGORIES]
    return {
        "teams": [(t.pk, t.slug) for t in teams],
        "associates": associates,
        "associate_user": by_name["associate"].pk,
        "leads": [by_name["lead" if i == 0 else f"lead.{i:02d}"].pk for i in range(len(teams))],
        "qa_user": by_name["qa"].pk,
        "categories": cat_rows,
        "tags": list(Tag.objects.order_by("pk").values_list("pk", flat=True)),
        "agents": [(a.pk, a.user_id, a.team_id, a.user.username) for a in agents],
    }
