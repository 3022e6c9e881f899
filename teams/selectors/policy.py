"""Policy reads: the library in scope, pending acknowledgements, completion per article."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from ..caches import PENDING_POLICIES
from ..models import PolicyAcknowledgement, PolicyArticle, PolicyVersion, Team
from ..permissions import scope_for, teams_for


def pending_acknowledgements(*, user) -> QuerySet[PolicyAcknowledgement]:
    """What the user still has to acknowledge (the banner reads this: one indexed query)."""
    return (
        PolicyAcknowledgement.objects.filter(user=user, acknowledged_at__isnull=True)
        .select_related("version__article")
        .order_by("requested_at")
    )


PENDING_SHOWN = 5


def pending_policy_banner(*, user) -> list[dict]:
    """The banner on every page: the first PENDING_SHOWN versions the user still has to
    acknowledge (article slug and title, version number), kept in the cache until a write to
    acknowledgements, versions or articles (teams.caches.PENDING_POLICIES)."""
    key = PENDING_POLICIES.key(user.pk)
    shown = cache.get(key)
    if shown is None:
        shown = [
            {"slug": a.version.article.slug, "title": a.version.article.title,
             "number": a.version.number}
            for a in pending_acknowledgements(user=user)[:PENDING_SHOWN]
        ]  # fmt: skip
        cache.set(key, shown, 3600)
    return shown


def my_acknowledgements(*, user) -> QuerySet[PolicyAcknowledgement]:
    return PolicyAcknowledgement.objects.filter(user=user).select_related("version__article")


def policy_articles_for(*, user) -> QuerySet[PolicyArticle]:
    """Articles with a version published to a team in the user's scope (admins: all), with
    their latest version number annotated."""
    scope = scope_for(user)
    qs = PolicyArticle.objects.all()
    if not scope.all_teams:
        qs = qs.filter(
            Q(versions__teams__in=teams_for(user)) | Q(created_by_id=scope.user_id)
        ).distinct()
    return qs.annotate(latest=Max("versions__number")).order_by("title")


def policy_versions_for(*, user, article: PolicyArticle) -> QuerySet[PolicyVersion]:
    """The article's versions the user may read, newest first."""
    scope = scope_for(user)
    qs = article.versions.all()
    if not scope.all_teams:
        qs = qs.filter(teams__in=teams_for(user)).distinct()
    return qs.select_related("published_by").prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    )


@dataclass(frozen=True)
class TeamCompletion:
    team: Team
    asked: int
    done: int
    missing: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.asked) if self.asked else 100


def policy_completion(*, user, version: PolicyVersion) -> list[TeamCompletion]:
    """Per team in the user's scope: how many were asked, how many acknowledged, and the
    names of those still missing."""
    teams = {t.pk: t for t in teams_for(user).filter(pk__in=version.teams.values("pk"))}
    counts = (
        version.acknowledgements.filter(team_id__in=teams)
        .values("team_id")
        .annotate(asked=Count("pk"), done=Count("pk", filter=Q(acknowledged_at__isnull=False)))
    )
    missing: dict[int, list[str]] = {}
    for ack in (
        version.acknowledgements.filter(team_id__in=teams, acknowledged_at__isnull=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    ):
        if ack.team_id is None:  # the filter above names teams; the column allows none
            continue
        missing.setdefault(ack.team_id, []).append(ack.user.get_full_name() or ack.user.username)
    return [
        TeamCompletion(teams[c["team_id"]], c["asked"], c["done"], missing.get(c["team_id"], []))
        for c in sorted(counts, key=lambda c: teams[c["team_id"]].name)
    ]
