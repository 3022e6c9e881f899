"""Chainable filters on measurement rows; `visible_to` applies the same scope as tickets."""

from django.db import models

from teams.models import Role
from teams.permissions import scope_for


class ScopedByTeamQuerySet(models.QuerySet):
    """Rows carrying team and category: visible when the team is in the viewer's scope and the
    category within their clearance — the rules of Ticket.objects.visible_to, per row."""

    team_field = "team"
    category_field = "category"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        qs = self
        if not scope.all_teams:
            qs = qs.filter(**{f"{self.team_field}_id__in": scope.team_ids})
        if scope.vendor_id is not None:
            qs = qs.filter(**{f"{self.team_field}__vendor_id": scope.vendor_id})
        if scope.every_sensitivity:
            return qs
        return qs.filter(**{f"{self.category_field}__sensitivity__in": scope.sensitivities})


class DailyRollupQuerySet(ScopedByTeamQuerySet):
    def between(self, start, end):
        return self.filter(day__gte=start, day__lte=end)


class DailyAgentRollupQuerySet(DailyRollupQuerySet):
    """Rows carry the category's sensitivity instead of the category."""

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        qs = self
        if not scope.all_teams:
            qs = qs.filter(team_id__in=scope.team_ids)
        if scope.vendor_id is not None:
            qs = qs.filter(team__vendor_id=scope.vendor_id)
        return qs.filter(sensitivity__in=scope.sensitivities)


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
        from tickets.models import Ticket

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
        from tickets.models import Ticket

        return self.filter(ticket__in=Ticket.objects.visible_to(user).values("pk"))
