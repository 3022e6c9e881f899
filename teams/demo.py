"""Demo people: vendors, four teams (two in-house, two at BPO partners), their staff and the
five demo logins. Deterministic for a given seed; safe to run twice (get-or-create)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model

from .models import Agent, Role, Sensitivity, Team, Vendor
from .services import agent_create, roles_sync_groups

User = get_user_model()

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo login, only created with DEBUG on

FIRST = [
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Gabe", "Hana", "Ivan", "Jade", "Kofi", "Lena",
    "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vera", "Wes", "Xin",
    "Yara", "Zane", "Aiko", "Bruno", "Carmen", "Dario", "Esra", "Felix", "Gia", "Hugo", "Isla",
    "Jonas", "Kira", "Luis", "Maya", "Noah", "Olga", "Pablo", "Rhea", "Soren", "Tess", "Viktor",
]  # fmt: skip
LAST = [
    "Reyes", "Santos", "Cruz", "Nowak", "Kowalski", "Garcia", "Kim", "Okafor", "Silva", "Haddad",
    "Novak", "Larsen", "Patel", "Mendoza", "Bautista", "Wisniewski", "Lewandowska", "Ortiz",
    "Chen", "Adeyemi", "Fischer", "Moreau", "Rossi", "Tanaka", "Dubois", "Yilmaz", "Aquino",
]  # fmt: skip

CARE_SKILLS = ["account-access", "account-recovery", "technical-issue", "billing", "feedback", "privacy-request", "content-appeal"]  # fmt: skip
SAFETY_SKILLS = ["safety-report", "self-harm", "child-safety", "content-appeal", "account-recovery"]


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    vendor: str
    time_zone: str
    country: str
    size: int
    skills: list[str]
    languages: list[str]
    clearance: str


VENDORS = [
    ("frontline", "Frontline In-house", Vendor.Kind.IN_HOUSE, "US"),
    ("northwind", "Northwind Teleservices", Vendor.Kind.BPO, "PH"),
    ("atlas", "Atlas CX", Vendor.Kind.BPO, "PL"),
]

TEAMS = [
    TeamSpec(
        "account-care",
        "Account Care",
        "frontline",
        "America/New_York",
        "US",
        14,
        CARE_SKILLS,
        ["en", "es"],
        Sensitivity.SENSITIVE,
    ),  # fmt: skip
    TeamSpec(
        "trust-safety",
        "Trust & Safety",
        "frontline",
        "America/Los_Angeles",
        "US",
        12,
        SAFETY_SKILLS,
        ["en"],
        Sensitivity.RESTRICTED,
    ),  # fmt: skip
    TeamSpec(
        "manila-care",
        "Manila Care",
        "northwind",
        "Asia/Manila",
        "PH",
        15,
        CARE_SKILLS,
        ["en", "tl"],
        Sensitivity.NONE,
    ),  # fmt: skip
    TeamSpec(
        "krakow-care",
        "Krakow Care",
        "atlas",
        "Europe/Warsaw",
        "PL",
        13,
        CARE_SKILLS,
        ["en", "pl", "de"],
        Sensitivity.NONE,
    ),  # fmt: skip
]

# The five documented logins (password "demo").
DEMO_LOGINS = [
    ("associate", Role.ASSOCIATE, "account-care", "Alex", "Rivera"),
    ("lead", Role.LEAD, "account-care", "Jordan", "Blake"),
    ("manager", Role.MANAGER, None, "Morgan", "Lee"),
    ("qa", Role.QA_ANALYST, None, "Casey", "Nguyen"),
    ("admin", Role.ADMIN, None, "Robin", "Admin"),
]


def _agent(username: str, **kwargs) -> Agent:
    existing = Agent.objects.select_related("user").filter(user__username=username).first()
    return existing or agent_create(username=username, **kwargs)


def seed_people(*, seed: int = 7) -> dict[str, list[Agent]]:
    """Create vendors, teams, leads, associates and the demo logins; return associates by team slug."""
    rng = random.Random(seed)
    roles_sync_groups()
    vendors = {}
    for slug, name, kind, country in VENDORS:
        vendors[slug], _ = Vendor.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "country": country}
        )

    manager = _agent("manager", email="manager@frontline.example", role=Role.MANAGER, first_name="Morgan", last_name="Lee", password=DEMO_PASSWORD, time_zone="America/New_York", clearance=Sensitivity.SENSITIVE)  # fmt: skip
    teams: dict[str, Team] = {}
    associates: dict[str, list[Agent]] = {}
    for spec in TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "vendor": vendors[spec.vendor],
                "time_zone": spec.time_zone,
                "country": spec.country,
                "categories": spec.skills,
                "languages": spec.languages,
                "manager": manager.user,
            },
        )
        teams[spec.slug] = team
        if spec.slug == "account-care":
            lead = _agent("lead", email="lead@frontline.example", role=Role.LEAD, team=team, first_name="Jordan", last_name="Blake", password=DEMO_PASSWORD, time_zone=spec.time_zone, clearance=Sensitivity.RESTRICTED, skills=spec.skills, languages=spec.languages)  # fmt: skip
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            lead = _agent(f"lead.{spec.slug}", email=f"lead.{spec.slug}@{spec.vendor}.example", role=Role.LEAD, team=team, first_name=first, last_name=last, time_zone=spec.time_zone, clearance=Sensitivity.RESTRICTED if spec.vendor == "frontline" else Sensitivity.SENSITIVE, skills=spec.skills, languages=spec.languages)  # fmt: skip
        if team.lead_id != lead.user_id:
            team.lead = lead.user
            team.save(update_fields=["lead"])

        members = []
        if spec.slug == "account-care":
            members.append(
                _agent(
                    "associate",
                    email="associate@frontline.example",
                    role=Role.ASSOCIATE,
                    team=team,
                    first_name="Alex",
                    last_name="Rivera",
                    password=DEMO_PASSWORD,
                    time_zone=spec.time_zone,
                    clearance=Sensitivity.SENSITIVE,
                    skills=spec.skills,
                    languages=["en"],
                    capacity=12,
                    start_date=date(2024, 3, 4),
                )  # fmt: skip
            )
        while len(members) < spec.size:
            i = len(members) + 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            members.append(
                _agent(
                    f"{spec.slug}.{i:02d}",
                    email=f"{first.lower()}.{last.lower()}{i}@{spec.vendor}.example",
                    role=Role.ASSOCIATE,
                    team=team,
                    first_name=first,
                    last_name=last,
                    time_zone=spec.time_zone,
                    clearance=spec.clearance,
                    skills=rng.sample(spec.skills, k=max(3, len(spec.skills) - rng.randint(0, 2))),
                    languages=spec.languages[: rng.randint(1, len(spec.languages))],
                    capacity=rng.choice([8, 10, 12]),
                    start_date=date(
                        2022 + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                )
            )
        associates[spec.slug] = members

    _agent("qa", email="qa@frontline.example", role=Role.QA_ANALYST, first_name="Casey", last_name="Nguyen", password=DEMO_PASSWORD, time_zone="America/New_York", clearance=Sensitivity.SENSITIVE)  # fmt: skip
    _agent("admin", email="admin@frontline.example", role=Role.ADMIN, first_name="Robin", last_name="Admin", password=DEMO_PASSWORD, time_zone="UTC", clearance=Sensitivity.RESTRICTED)  # fmt: skip
    return associates
