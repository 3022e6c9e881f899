"""Policy writes: articles, publishing versions (which asks associates to acknowledge),
acknowledging. tickets/ flags macros citing an article from policy_publish's return value."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from core.cache import written

from .. import markdown
from ..models import (
    Agent,
    PolicyAcknowledgement,
    PolicyArticle,
    PolicyVersion,
    Role,
    Team,
)
from ..permissions import can_author_policies, can_publish_policy

RESERVED_SLUGS = {"new", "versions"}  # taken by the library's own URLs


@transaction.atomic
def policy_article_create(*, by, title: str, slug: str = "") -> PolicyArticle:
    """A new, empty article (publish a version to give it text)."""
    if by is not None and not can_author_policies(by):
        raise PermissionDenied("You may not write policies.")
    title = title.strip()
    slug = slugify(slug or title)[:50]
    if not title or not slug:
        raise ValidationError("Give the article a title.")
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-policy"
    if PolicyArticle.objects.filter(slug=slug).exists():
        raise ValidationError(f'An article with the address "{slug}" exists already.')
    return PolicyArticle.objects.create(title=title, slug=slug, created_by=by)


@transaction.atomic
def policy_publish(
    *,
    by,
    article: PolicyArticle,
    body: str,
    effective_date: date,
    teams: Iterable[Team],
    summary: str = "",
) -> PolicyVersion:
    """Publish the next version of `article` to `teams`: every active associate in them is
    asked to acknowledge it (their pending requests for older versions of the article are
    withdrawn). Returns the new version; tickets/ should then flag the macros citing
    `version.article` for review. `by` None means the system (demo data)."""
    teams = list(teams)
    if not teams:
        raise ValidationError("Choose at least one team.")
    if not body.strip():
        raise ValidationError("The policy text is empty.")
    if by is not None and not can_publish_policy(by, teams):
        raise PermissionDenied("You may not publish to all of these teams.")
    PolicyArticle.objects.select_for_update().filter(pk=article.pk).first()
    number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    now = timezone.now()
    try:
        version = PolicyVersion.objects.create(
            article=article,
            number=number,
            summary=summary.strip(),
            body_md=body,
            body_html=markdown.render(body),
            effective_date=effective_date,
            published_by=by,
            published_at=now,
        )
    except IntegrityError as exc:  # a concurrent publish took the number
        raise ValidationError("Someone published this article at the same moment; retry.") from exc
    version.teams.set(teams)
    associates = Agent.objects.filter(
        team__in=teams, role=Role.ASSOCIATE, status=Agent.Status.ACTIVE, user__is_active=True
    ).values_list("user_id", "team_id")
    PolicyAcknowledgement.objects.filter(
        version__article=article,
        acknowledged_at__isnull=True,
        user_id__in=[u for u, _ in associates],
    ).delete()
    PolicyAcknowledgement.objects.bulk_create(
        [
            PolicyAcknowledgement(version=version, user_id=u, team_id=t, requested_at=now)
            for u, t in associates
        ]
    )
    written(PolicyAcknowledgement)  # bulk_create sends no signal
    return version


@transaction.atomic
def policy_acknowledge(*, user, version: PolicyVersion) -> PolicyAcknowledgement:
    """`user` confirms they read `version`. Only for someone who was asked; twice is fine."""
    ack = (
        PolicyAcknowledgement.objects.select_for_update().filter(user=user, version=version).first()
    )
    if ack is None:
        raise PermissionDenied("You were not asked to acknowledge this version.")
    if ack.acknowledged_at is None:
        ack.acknowledged_at = timezone.now()
        ack.save(update_fields=["acknowledged_at"])
    return ack


@transaction.atomic
def policy_request_for_member(*, agent: Agent) -> int:
    """Ask an associate who joined a team (or became an associate) to acknowledge the latest
    version of each article published to that team, unless they already acknowledged it or
    are already asked. Returns how many requests were made."""
    if agent.role != Role.ASSOCIATE or agent.team_id is None or agent.status != Agent.Status.ACTIVE:
        return 0
    latest: dict[int, PolicyVersion] = {}
    for version in PolicyVersion.objects.filter(teams=agent.team_id).order_by(
        "article_id", "-number"
    ):
        latest.setdefault(version.article_id, version)
    known = set(
        PolicyAcknowledgement.objects.filter(
            user_id=agent.user_id, version__in=list(latest.values())
        ).values_list("version_id", flat=True)
    )
    now = timezone.now()
    asks = [
        PolicyAcknowledgement(
            version=v, user_id=agent.user_id, team_id=agent.team_id, requested_at=now
        )
        for v in latest.values()
        if v.pk not in known
    ]
    PolicyAcknowledgement.objects.bulk_create(asks)
    written(PolicyAcknowledgement)  # bulk_create sends no signal
    return len(asks)
