"""Chainable filters on measurement rows; `visible_to` applies the same scope as tickets
(teams.permissions.scope_filter: these name the rows' fields)."""

from django.db import models

from teams.models import Role
from teams.permissions import ScopedFields, scope_filter, scope_for
from tickets.models import Ticket


class ScopedByTeamQuerySet(models.QuerySet):
    """Rows carrying team and category: visible when the team is in the viewer's scope and the
    category within their clearance — the rules of Ticket.objects.visible_to, per row."""

    fields = ScopedFields(team="team", sensitivity="category__sensitivity")

    def visible_to(self, user):
        return scope_filter(self, scope_for(user), self.fields)


class DailyRollupQuerySet(ScopedByTeamQuerySet):
    def between(self, start, end):
        return self.filter(day__gte=start, day__lte=end)


class DailyAgentRollupQuerySet(DailyRollupQuerySet):
    """Rows carry the category's sensitivity instead of the category."""

    fields = ScopedFields(team="team", sensitivity="sensitivity")


class WeeklyRollupQuerySet(DailyAgentRollupQuerySet):
    """Weekly rows (team and sensitivity, `week` the Monday)."""

    def between(self, start, end):
        return self.filter(week__gte=start, week__lte=end)


class QAReviewQuerySet(models.QuerySet):
    def counted(self):
        """Reviews that count toward QA scores (not voided by an upheld dispute)."""
        return self.filter(status="submitted")

    def visible_to(self, user):
        """Associates see the reviews of their own work; others the reviews of tickets they
        may see (the tickets' scope)."""
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        if scope.role == Role.ASSOCIATE:
            return self.filter(agent_id=scope.user_id)
        return self.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))


class QAQueueQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(done_at__isnull=True)

    def visible_to(self, user):
        return self.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
