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


class TicketSLAQuerySet(models.QuerySet):
    """When an SLA target ended, once for metrics and the tickets list: met when it stopped
    at or before its due time (ends when it stopped); breached when the sweep marked it
    (ends at breached_at) or it stopped late before the sweep saw it (ends at its due time).
    Running and dropped targets have not ended."""

    def met_between(self, lo, hi):
        return self.filter(self.met_q(lo, hi))

    def breached_between(self, lo, hi):
        return self.filter(self.breached_q(lo, hi))

    def ended_between(self, lo, hi):
        return self.filter(self.met_q(lo, hi) | self.breached_q(lo, hi))

    @staticmethod
    def met_q(lo, hi) -> models.Q:
        q = models.Q(met=True)
        if lo is not None:
            q &= models.Q(stopped_at__gte=lo)
        if hi is not None:
            q &= models.Q(stopped_at__lt=hi)
        return q

    @staticmethod
    def breached_q(lo, hi) -> models.Q:
        marked = models.Q(breached_at__isnull=False)
        late = models.Q(met=False, breached_at__isnull=True)
        if lo is not None:
            marked &= models.Q(breached_at__gte=lo)
            late &= models.Q(due_at__gte=lo)
        if hi is not None:
            marked &= models.Q(breached_at__lt=hi)
            late &= models.Q(due_at__lt=hi)
        return marked | late
