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


class MacroQuerySet(models.QuerySet):
    def with_policy_review(self):
        """Annotate `needs_policy_review`: the cited policy has a version newer than the one
        the macro was last saved against (flagged until someone updates the macro)."""
        from teams.models import PolicyVersion

        latest = (
            PolicyVersion.objects.filter(article_id=models.OuterRef("policy_article_id"))
            .order_by("-number")
            .values("pk")[:1]
        )
        return self.annotate(latest_policy_version=models.Subquery(latest)).annotate(
            needs_policy_review=models.Case(
                models.When(policy_article__isnull=True, then=models.Value(False)),
                models.When(
                    policy_reviewed_version=models.F("latest_policy_version"),
                    then=models.Value(False),
                ),
                default=models.Value(True),
                output_field=models.BooleanField(),
            )
        )

    def needing_policy_review(self):
        return self.with_policy_review().filter(needs_policy_review=True)
