"""The teams, categories and agents the rows name: found by slug, name, username or email,
and, when the mapping's `create_missing` (or `--create-missing`) allows, created — agents as
people without a usable password until invited (a password reset sets one)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.text import slugify

from teams.models import Role, Team, Vendor
from teams.services.people import agent_create

from ...models import Category
from .parsing import FALLBACK_CATEGORY, ParsedRow
from .report import RowError

IMPORT_VENDOR = "imported"
# The author of a first reply whose export names no agent (no login, not an agent profile).
UNATTRIBUTED = "import-unattributed"


@dataclass
class References:
    teams: dict[str, int] = field(default_factory=dict)  # name in the file → team id
    categories: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)  # username or email → user id
    missing: dict[str, list[str]] = field(default_factory=dict)  # kind → names to create

    def errors(self, rows: list[ParsedRow], create: list[str]) -> list[RowError]:
        """A RowError for each row naming something that does not exist and may not be made."""
        out = []
        for row in rows:
            for kind, value, known in (
                ("team", row.team, self.teams),
                ("category", row.category, self.categories),
                ("agent", row.agent, self.agents),
            ):
                fallback = kind == "category" and value == FALLBACK_CATEGORY
                if value and value not in known and _plural(kind) not in create and not fallback:
                    out.append(
                        RowError(
                            row.line,
                            f"{kind} {value!r} does not exist in Frontline "
                            f"(add it, or import with --create-missing)",
                        )
                    )
        return out


def _plural(kind: str) -> str:
    return {"team": "teams", "category": "categories", "agent": "agents"}[kind]


def references_find(rows: list[ParsedRow]) -> References:
    """Look up every team, category and agent the rows name; what is not found is `missing`."""
    refs = References()
    names = {k: {getattr(r, k) for r in rows} - {""} for k in ("team", "category", "agent")}
    for team in Team.objects.filter(_named(names["team"])):
        for key in (team.slug, team.name):
            refs.teams[key] = team.pk
    for cat in Category.objects.filter(_named(names["category"])):
        for key in (cat.slug, cat.name):
            refs.categories[key] = cat.pk
    users = get_user_model().objects.filter(
        Q(username__in=names["agent"]) | Q(email__in=names["agent"])
    )
    for user in users:
        refs.agents[user.username] = user.pk
        if user.email:
            refs.agents.setdefault(user.email, user.pk)
    _case_insensitive(refs, names)
    for kind, known in (("team", refs.teams), ("category", refs.categories), ("agent", refs.agents)):  # fmt: skip
        refs.missing[_plural(kind)] = sorted(n for n in names[kind] if n not in known)
    return refs


def _named(names: set[str]) -> Q:
    return Q(slug__in=names) | Q(name__in=names) | Q(slug__in={slugify(n) for n in names})


def _case_insensitive(refs: References, names: dict[str, set[str]]) -> None:
    """'Billing' finds the team 'billing' too: names compare without case and as slugs."""
    for kind, known in (("team", refs.teams), ("category", refs.categories)):
        by_slug = {slugify(k): v for k, v in known.items()}
        for name in names[kind]:
            if name not in known and slugify(name) in by_slug:
                known[name] = by_slug[slugify(name)]
    lowered = {k.lower(): v for k, v in refs.agents.items()}
    for name in names["agent"]:
        if name not in refs.agents and name.lower() in lowered:
            refs.agents[name] = lowered[name.lower()]


def references_create(refs: References, rows: list[ParsedRow], create: list[str]) -> dict:
    """Create the missing teams, categories and agents `create` allows; returns the counts.
    Run inside the import's transaction so a failed import leaves none behind."""
    made = {"teams": 0, "categories": 0, "agents": 0}
    if "teams" in create and refs.missing.get("teams"):
        vendor = import_vendor()
        for name in refs.missing["teams"]:
            team = Team.objects.create(name=name[:120], slug=free_slug(Team, name), vendor=vendor)
            refs.teams[name] = team.pk
            made["teams"] += 1
    allowed = refs.missing.get("categories", []) if "categories" in create else []
    if FALLBACK_CATEGORY in refs.missing.get("categories", []):
        allowed = sorted({*allowed, FALLBACK_CATEGORY})
    if allowed:
        for name in allowed:
            cat = Category.objects.create(name=name[:120], slug=free_slug(Category, name))
            refs.categories[name] = cat.pk
            made["categories"] += 1
    if "agents" in create:
        team_of = _usual_team(rows)
        for name in refs.missing.get("agents", []):
            refs.agents[name] = agent_for_name(name, refs.teams.get(team_of.get(name, ""))).pk
            made["agents"] += 1
    return made


def import_vendor() -> Vendor:
    vendor = Vendor.objects.filter(kind=Vendor.Kind.IN_HOUSE).order_by("pk").first()
    if vendor is None:
        vendor, _ = Vendor.objects.get_or_create(
            slug=IMPORT_VENDOR, defaults={"name": "Imported", "country": ""}
        )
    return vendor


def free_slug(model, name: str) -> str:
    base = slugify(name)[:45] or "imported"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _usual_team(rows: list[ParsedRow]) -> dict[str, str]:
    """Each agent's most frequent team in the file (the team a created agent joins)."""
    counts: dict[str, Counter] = {}
    for row in rows:
        if row.agent and row.team:
            counts.setdefault(row.agent, Counter())[row.team] += 1
    return {agent: c.most_common(1)[0][0] for agent, c in counts.items()}


def agent_for_name(
    name: str, team_id: int | None, *, full_name: str = "", role: str = Role.ASSOCIATE
):
    """A new agent (an email or a full name; returns the user) with no usable password: they
    get a login when invited (an admin sets one)."""
    users = get_user_model().objects
    is_email = "@" in name
    username = (name if is_email else slugify(name) or "agent")[:150]
    base, n = username, 1
    while users.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    first, _, last = (full_name or ("" if is_email else name)).partition(" ")
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    agent = agent_create(
        username=username,
        email=name if is_email else "",
        role=role,
        team=team,
        first_name=first[:150],
        last_name=last[:150],
    )
    return agent.user


def unattributed_user():
    """The author of first replies the export gives no agent for (inactive, no login), so the
    reply still counts as an agent's in the metrics."""
    user, _ = get_user_model().objects.get_or_create(
        username=UNATTRIBUTED,
        defaults={"first_name": "Imported", "last_name": "reply", "is_active": False},
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
