"""The workspace's pickers (macros, categories, assignees) and the escalation routes, kept in
process memory while their version in the cache stands: they change a few times a day and
cost six queries a page. Every write that changes one moves the version (tickets.caches.CHOICES
lists them), so the next read anywhere reads the rows again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import BigIntegerField, Q, Value

from core.memo import Held, Memo
from teams.models import Agent, Sensitivity, Team
from teams.permissions import scope_for

from .caches import CHOICES
from .models import Category, Macro, SLAPolicy, TeamServiceSettings

MAX_ENTRIES = 1024  # teams × sensitivities: a few hundred at most; past it, start over
POLICY_REVIEW_NOTE = " (policy changed — check before sending)"


@dataclass(frozen=True)
class EscalationRoutes:
    """Where escalations may go: the teams (by name) with the categories they serve, the teams
    that take escalations (`designated`), which team's unacknowledged ones go where
    (`onward`), and the categories that are sensitive or restricted (`delicate`)."""

    teams: tuple[Team, ...]
    designated: frozenset[int]
    onward: dict[int, frozenset[int]]
    delicate: frozenset[str]


class Choices:
    """The choices as of one version; each kind read once, when first asked for."""

    def __init__(self, held: Held):
        self._get = held.get

    def macros(self, team_id: int | None) -> tuple[tuple[int, str], ...]:
        """(pk, label) of the active macros shared by all teams or of `team_id`, by title; the
        label says when the cited policy has changed since the macro was saved."""

        def read():
            rows = (
                Macro.objects.filter(
                    Q(team__isnull=True) | Q(team_id=team_id), owner__isnull=True, active=True
                )
                .with_policy_review()
                .values_list("pk", "title", "needs_policy_review")
            )
            return tuple(
                (pk, title + POLICY_REVIEW_NOTE if flag else title) for pk, title, flag in rows
            )

        return self._get(("macros", team_id), read)

    def personal_macros(self, owner_id: int) -> tuple[tuple[int, str], ...]:
        """(pk, label) of the active personal macros of `owner_id`, by title; flagged like
        the shared ones when their cited policy changed."""

        def read():
            rows = (
                Macro.objects.filter(owner_id=owner_id, active=True)
                .with_policy_review()
                .values_list("pk", "title", "needs_policy_review")
            )
            return tuple(
                (pk, f"{title} (personal)" + (POLICY_REVIEW_NOTE if flag else ""))
                for pk, title, flag in rows
            )

        return self._get(("personal_macros", owner_id), read)

    def categories(self, sensitivities) -> tuple[tuple[str, str], ...]:
        """(slug, name) of the active categories of these sensitivities, in taxonomy order."""
        sensitivities = tuple(sorted(sensitivities))

        def read():
            return tuple(
                Category.objects.filter(active=True, sensitivity__in=sensitivities).values_list(
                    "slug", "name"
                )
            )

        return self._get(("categories", sensitivities), read)

    def assignees(self, team_id: int, sensitivity: str) -> tuple[tuple[int, str], ...]:
        """(user id, name) of the team's active agents cleared for `sensitivity`."""

        def read():
            cleared = [c for c in Sensitivity.values if sensitivity in Sensitivity.allowed_for(c)]
            agents = Agent.objects.filter(
                team_id=team_id, status=Agent.Status.ACTIVE, clearance__in=cleared
            ).select_related("user")
            return tuple((a.user_id, str(a)) for a in agents)

        return self._get(("assignees", team_id, sensitivity), read)

    def escalation_routes(self) -> EscalationRoutes:
        def read():
            routes = (
                TeamServiceSettings.objects.filter(escalate_unacknowledged_to__isnull=False)
                .values_list("team_id", "escalate_unacknowledged_to")
                .order_by()
                .union(
                    SLAPolicy.objects.filter(second_level_team__isnull=False)
                    .values_list(Value(None, output_field=BigIntegerField()), "second_level_team")
                    .order_by()
                )
            )
            designated, onward = set(), {}
            for source, target in routes:
                designated.add(target)
                if source is not None:
                    onward.setdefault(source, set()).add(target)
            delicate = Category.objects.exclude(sensitivity=Sensitivity.NONE)
            return EscalationRoutes(
                teams=tuple(Team.objects.only("pk", "name", "categories").order_by("name")),
                designated=frozenset(designated),
                onward={k: frozenset(v) for k, v in onward.items()},
                delicate=frozenset(delicate.values_list("slug", flat=True)),
            )

        return self._get(("escalation_routes",), read)


_kept: Memo = Memo(CHOICES.version_key, size=MAX_ENTRIES)


def choices() -> Choices:
    """The current choices: one cache read when nothing has changed."""
    return Choices(_kept.current())


def cached_for_scope(name: str, user, read):
    """`read()` kept in the shared cache per access scope (teams, vendor, clearance) under the
    choices' version: for option lists shown to everyone with the same scope (the queue's
    and the dashboards' filter selects)."""
    scope = scope_for(user)
    teams = "all" if scope.all_teams else ",".join(str(i) for i in sorted(scope.team_ids))
    who = f"{teams}:{scope.vendor_id}:{','.join(sorted(scope.sensitivities))}"
    if len(who) > 150:  # a manager of many teams
        who = hashlib.sha256(who.encode()).hexdigest()
    key = CHOICES.key("scoped", name, who)
    value = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, 24 * 3600)
    return value
