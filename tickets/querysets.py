"""Reusable, chainable ticket filters. `visible_to` is the one access scope for tickets."""

from django.db import models

from teams.permissions import scope_for


class TicketQuerySet(models.QuerySet):
    def unsolved(self):
        return self.filter(status__in=self.model.UNSOLVED)

    def done(self):
        return self.filter(status__in=self.model.DONE)

    def visible_to(self, user):
        """Tickets the user may see: teams in scope (or assigned to them), within clearance."""
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        qs = self
        if not scope.all_teams:
            qs = qs.filter(
                models.Q(team_id__in=scope.team_ids) | models.Q(assignee_id=scope.user_id)
            )
        if scope.vendor_id is not None:
            qs = qs.filter(
                models.Q(team__vendor_id=scope.vendor_id) | models.Q(assignee_id=scope.user_id)
            )
        return qs.filter(category__sensitivity__in=scope.sensitivities)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def breached(self, now):
        return self.unsolved().filter(due_at__lt=now)
