"""Demo people: vendors, four teams (two in-house, two at BPO partners), their staff and the
five demo logins. Deterministic for a given seed; safe to run twice (get-or-create)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.cache import written

from .models import (
    ActionItem,
    Agent,
    AuditEntry,
    CoachingSession,
    ExposureConsent,
    ExposureKind,
    PolicyAcknowledgement,
    PolicyArticle,
    Presence,
    Role,
    Sensitivity,
    ShiftTemplate,
    Team,
    Vendor,
)
from .selectors import agents_on_shift, rotas_prefetched
from .services import (
    agent_create,
    exposure_consent_set,
    policy_publish,
    presence_set,
    roles_sync_groups,
)

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
            # The Trust & Safety lead signs in too (password "demo"): their exposure page
            # shows the team that handles the sensitive work.
            password = DEMO_PASSWORD if spec.slug == "trust-safety" else None
            lead = _agent(f"lead.{spec.slug}", email=f"lead.{spec.slug}@{spec.vendor}.example", role=Role.LEAD, team=team, first_name=first, last_name=last, time_zone=spec.time_zone, clearance=Sensitivity.RESTRICTED if spec.vendor == "frontline" else Sensitivity.SENSITIVE, skills=spec.skills, languages=spec.languages, password=password)  # fmt: skip
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
    seed_consent()
    seed_rota(teams=teams)
    seed_presence(teams=teams, rng=rng)
    seed_policies(teams=teams)
    seed_coaching()
    return associates


# The demo's one associate who opted out of every kind of sensitive work (on their exposure
# page): cleared for restricted work by their lead, they get only plain tickets.
OPTED_OUT = "trust-safety.01"


def seed_consent() -> None:
    """Agents cleared for sensitive work opt in to every kind of it (as the migration did for
    existing agents), except OPTED_OUT, who opted in and then out of all of it (audited).
    Idempotent: an agent who has chosen (any consent row or consent audit entry) is left."""
    chosen = set(ExposureConsent.objects.values_list("user_id", flat=True)) | set(
        AuditEntry.objects.filter(action=AuditEntry.Action.EXPOSURE_CONSENT).values_list(
            "actor_id", flat=True
        )
    )
    now = timezone.now()
    agents = Agent.objects.exclude(clearance=Sensitivity.NONE).select_related("user")
    for agent in agents:
        if agent.user_id in chosen:
            continue
        ExposureConsent.objects.bulk_create(
            [ExposureConsent(user_id=agent.user_id, kind=k, at=now) for k in ExposureKind.values]
        )
        if agent.user.username == OPTED_OUT:
            exposure_consent_set(agent=agent, kinds=[], at=now)


# Shift slots in each team's own time zone; with two rotating days off per person, every day
# of the week is covered from early morning to late evening (Trust & Safety also at night).
SLOTS = [(time(6), time(14)), (time(9), time(17)), (time(14), time(22))]
NIGHT = (time(22), time(6))


def seed_rota(*, teams: dict[str, Team]) -> None:
    """Weekly shifts for everyone in the demo teams who has none yet (one bulk insert).
    Associates rotate through the slots; within a slot their two days off are staggered."""
    rows = []
    for team in teams.values():
        slots = SLOTS + [NIGHT] if team.slug == "trust-safety" else SLOTS
        members = list(team.members.select_related("user").order_by("pk"))
        has_shifts = set(
            ShiftTemplate.objects.filter(agent__team=team).values_list("agent_id", flat=True)
        )
        rotating = [
            a for a in members if a.role == Role.ASSOCIATE and a.user.username != "associate"
        ]
        for agent in members:
            if agent.pk in has_shifts:
                continue
            if agent.role != Role.ASSOCIATE or agent.user.username == "associate":
                # Leads 08-16 and the demo associate 09-17, Monday to Friday.
                hours = (time(8), time(16)) if agent.role == Role.LEAD else SLOTS[1]
                rows += [
                    ShiftTemplate(agent=agent, weekday=d, start=hours[0], end=hours[1])
                    for d in range(5)
                ]
                continue
            idx = rotating.index(agent)
            start, end = slots[idx % len(slots)]
            first_off = (2 * (idx // len(slots))) % 7
            off = {first_off, (first_off + 1) % 7}
            rows += [
                ShiftTemplate(agent=agent, weekday=d, start=start, end=end)
                for d in range(7)
                if d not in off
            ]
    ShiftTemplate.objects.bulk_create(rows)
    written(ShiftTemplate)  # bulk_create sends no signals


def seed_presence(*, teams: dict[str, Team], rng: random.Random) -> None:
    """Agents on shift now get a presence (mostly available); the demo associate is always
    available so "get next" works whenever the demo is opened. Only agents never set."""
    now = timezone.now()
    fresh = Agent.objects.filter(team__in=teams.values(), presence_since__isnull=True)
    members = list(rotas_prefetched(fresh.select_related("user")))
    on_shift = agents_on_shift(agents=members, at=now)
    choices = [Presence.AVAILABLE] * 7 + [Presence.BREAK, Presence.LUNCH, Presence.MEETING]
    for agent in members:
        if agent.user.username == "associate":
            status = Presence.AVAILABLE
        elif agent.pk in on_shift:
            status = rng.choice(choices)
        else:
            continue
        presence_set(agent=agent, status=status, at=now - timedelta(minutes=rng.randint(5, 90)))


POLICIES = [
    (
        "identity-checks",
        "Account recovery: identity checks",
        "## Before you restore an account\n\n1. Ask for **two** of: last login city, "
        "recovery email, a recent purchase.\n2. Never read out what is on file.\n3. Three "
        "failed checks: escalate to Trust & Safety; do not restore.\n",
        "Two checks instead of one",
        ["account-care", "manila-care", "krakow-care"],
    ),
    (
        "wellness-breaks",
        "Wellness: stepping out of sensitive work",
        "## You may step out at any time\n\nOn **My exposure**, choose *Step out of sensitive "
        "work for this shift*. You don't need to give a reason. Your lead sees that you "
        "stepped out, not why.\n",
        "",
        ["account-care", "trust-safety", "manila-care", "krakow-care"],
    ),
]


def seed_policies(*, teams: dict[str, Team]) -> None:
    """Two articles; everyone has acknowledged the first except the demo associate's
    pending request for the second (so the banner shows for them)."""
    for slug, title, body, summary, team_slugs in POLICIES:
        article, _ = PolicyArticle.objects.get_or_create(slug=slug, defaults={"title": title})
        if article.versions.exists():
            continue
        version = policy_publish(
            by=None,
            article=article,
            body=body,
            effective_date=timezone.localdate() - timedelta(days=3),
            teams=[teams[t] for t in team_slugs],
            summary=summary,
        )
        acks = version.acknowledgements.exclude(
            user__username="associate", version__article__slug="wellness-breaks"
        )
        acks.update(acknowledged_at=timezone.now())
        written(PolicyAcknowledgement)  # QuerySet.update sends no signal


def seed_coaching() -> None:
    """One coaching session for the demo associate, with an open and a done action item."""
    associate = Agent.objects.filter(user__username="associate").first()
    lead = User.objects.filter(username="lead").first()
    if associate is None or lead is None or associate.coaching_sessions.exists():
        return
    session = CoachingSession.objects.create(
        coach=lead,
        associate=associate,
        team_id=associate.team_id,
        date=timezone.localdate() - timedelta(days=2),
        agenda="Recovery cases: identity checks and tone",
        notes="Good empathy. Two recoveries restored after a single check; new policy needs two.",
    )
    ActionItem.objects.create(
        session=session,
        text="Re-read the identity checks policy",
        due_date=timezone.localdate() + timedelta(days=5),
    )
    ActionItem.objects.create(
        session=session,
        text="Shadow a Trust & Safety escalation",
        done=True,
        done_at=timezone.now(),
    )
