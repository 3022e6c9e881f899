"""Zendesk's people and groups in Frontline: groups become teams (matched by name, else
created), agents and admins become agents (matched by email, else created without a usable
password until invited), end users become requesters (matched by their Zendesk id, then email;
one without an email gets a placeholder address). Run again, it finds what it made."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from teams.models import Team

from ...models import Category, Requester
from ..importer.parsing import PLACEHOLDER_DOMAIN
from ..importer.references import agent_for_name, free_slug, import_vendor
from .reading import ZendeskExport

AGENT_ROLES = {"agent", "admin"}
# Zendesk's ticket types become categories (created when missing); no type is a question.
TYPES = {"question": "Question", "incident": "Incident", "problem": "Problem", "task": "Task"}


@dataclass
class People:
    teams: dict[int, int] = field(default_factory=dict)  # Zendesk group id → team id
    agents: dict[int, int] = field(default_factory=dict)  # Zendesk user id → user id
    requesters: dict[int, int] = field(default_factory=dict)  # Zendesk user id → requester id
    categories: dict[str, int] = field(default_factory=dict)  # Zendesk type → category id
    created: dict[str, int] = field(default_factory=dict)


def requester_key(zendesk_id: int) -> str:
    return f"zendesk:{zendesk_id}"


def people_sync(export: ZendeskExport) -> People:
    """Teams, agents, requesters and categories for the export (one transaction: the
    caller's)."""
    people = People(created={"teams": 0, "agents": 0, "requesters": 0, "categories": 0})
    by_name = {t.name.lower(): t.pk for t in Team.objects.all()}
    vendor = None
    for gid, group in export.groups.items():
        name = str(group.get("name") or f"Zendesk group {gid}")[:120]
        if name.lower() not in by_name:
            vendor = vendor or import_vendor()
            team = Team.objects.create(name=name, slug=free_slug(Team, name), vendor=vendor)
            by_name[name.lower()] = team.pk
            people.created["teams"] += 1
        people.teams[gid] = by_name[name.lower()]
    users = get_user_model().objects
    for uid, user in export.users.items():
        if user.get("role") not in AGENT_ROLES:
            continue
        email = (user.get("email") or "").lower()
        found = users.filter(email__iexact=email).first() if email else None
        if found is None:
            group_id = export.memberships.get(uid) or int(user.get("default_group_id") or 0)
            team_id = people.teams.get(group_id)
            name = email or str(user.get("name") or f"zendesk-agent-{uid}")
            # Zendesk admins too come in as associates: an admin here grants roles by hand.
            found = agent_for_name(name, team_id, full_name=str(user.get("name") or ""))
            people.created["agents"] += 1
        people.agents[uid] = found.pk
    _requesters(export, people)
    for kind in {t.get("type") or "question" for t in export.tickets}:
        label = TYPES.get(kind, str(kind).title())
        cat = Category.objects.filter(slug=slugify(label)).first()
        if cat is None:
            cat = Category.objects.create(slug=slugify(label), name=label)
            people.created["categories"] += 1
        people.categories[kind] = cat.pk
    return people


def _requesters(export: ZendeskExport, people: People) -> None:
    wanted = {int(t["requester_id"]) for t in export.tickets if t.get("requester_id")}
    wanted |= {
        int(c["author_id"])
        for comments in export.comments.values()
        for c in comments
        if c.get("author_id") and int(c["author_id"]) not in people.agents
    }
    wanted -= set(people.agents)
    keys = {requester_key(u): u for u in wanted}
    for pk, ext in Requester.objects.filter(external_id__in=keys).values_list("pk", "external_id"):
        people.requesters[keys[ext]] = pk
    for uid in sorted(wanted - set(people.requesters)):
        user = export.users.get(uid, {})
        email = (user.get("email") or "").lower() or f"zendesk-{uid}@{PLACEHOLDER_DOMAIN}"
        requester = Requester.objects.filter(email=email).first()
        if requester is None:
            requester = Requester.objects.create(
                email=email,
                name=str(user.get("name") or "")[:200],
                phone=str(user.get("phone") or "")[:40],
                locale=str(user.get("locale") or "en")[:16],
                time_zone="",
                external_id=requester_key(uid),
            )
            people.created["requesters"] += 1
        elif not requester.external_id:
            requester.external_id = requester_key(uid)
            requester.save(update_fields=["external_id"])
        people.requesters[uid] = requester.pk
