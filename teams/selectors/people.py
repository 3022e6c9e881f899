"""Reads on people for pages and other apps."""

from django.db.models import QuerySet

from ..models import Agent, Role, Team
from ..permissions import agents_visible_to, teams_for


def team_list_for_user(*, user) -> QuerySet[Team]:
    return teams_for(user).select_related("vendor", "lead", "manager").order_by("name")


def team_members(*, user, team: Team) -> QuerySet[Agent]:
    return (
        agents_visible_to(user)
        .filter(team=team)
        .order_by("role", "user__first_name", "user__last_name")
    )


def associates_of(*, team_ids) -> QuerySet[Agent]:
    return Agent.objects.filter(team_id__in=team_ids, role=Role.ASSOCIATE).select_related(
        "user", "team"
    )
