"""Reusable, chainable ticket filters. `visible_to` is the one access scope for tickets."""

from django.db import connections, models

from teams.models import PolicyVersion, Team
from teams.permissions import scope_for


class TicketQuerySet(models.QuerySet):
    def unsolved(self):
        return self.filter(status__in=self.model.UNSOLVED)

    def done(self):
        return self.filter(status__in=self.model.DONE)

    def visible_to(self, user, *, teams_as_subquery: bool = False):
        """Tickets the user may see: teams in scope (or assigned to them), within clearance.

        teams_as_subquery names the teams through a subquery, for reads led by a narrow time
        window: PostgreSQL would otherwise AND the window's index with the team index, which
        at a million tickets means reading every ticket id the team ever had."""
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        qs = self
        if not scope.all_teams:
            teams = scope.team_ids
            if teams_as_subquery:
                teams = Team.objects.filter(pk__in=scope.team_ids).values("pk")
            qs = qs.filter(models.Q(team_id__in=teams) | models.Q(assignee_id=scope.user_id))
        if scope.vendor_id is not None:
            qs = qs.filter(
                models.Q(team__vendor_id=scope.vendor_id) | models.Q(assignee_id=scope.user_id)
            )
        if scope.every_sensitivity:
            return qs
        return qs.filter(category__sensitivity__in=scope.sensitivities)

    def visible_assigned_to(self, user):
        """`visible_to(user)` of the tickets assigned to the user. Their own tickets pass the
        scope's team and vendor conditions, so only its clearance is left: no OR that would
        have the database read the whole team's index to count a handful of tickets."""
        scope = scope_for(user)
        if scope.role is None:
            return self.none()
        qs = self.filter(assignee_id=scope.user_id)
        if scope.every_sensitivity:
            return qs
        return qs.filter(category__sensitivity__in=scope.sensitivities)

    def visible_parts(self, user) -> list[models.QuerySet]:
        """`visible_to(user)` cut into disjoint parts that each follow one index: one part per
        team in scope and one for the tickets assigned to the user in other teams (a scope over
        every team, or a database that cannot order and limit each part of a UNION, is one
        part). Each part is `visible_to(user)` narrowed further, so the parts never show more
        than the scope; together they show all of it, because the scope only admits tickets of
        its teams or assigned to the user.

        For pages that read the first rows in an order (tickets.pagination.paginate): the
        database walks each part's index in that order and stops, where the OR of the scope
        would make it sort every matching row."""
        scope = scope_for(user)
        visible = self.visible_to(user)
        features = connections[self.db].features
        if (
            scope.role is None
            or scope.all_teams
            or not features.supports_slicing_ordering_in_compound
        ):
            return [visible]
        parts = [visible.filter(team_id=team_id) for team_id in sorted(scope.team_ids)]
        # visible_assigned_to: the scope's team-or-assignee OR would have the database walk
        # the team's index as well as the assignee's.
        assigned = self.visible_assigned_to(user)
        return [*parts, assigned.filter(_team_not_in(scope.team_ids))]

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def breached(self, now):
        return self.unsolved().filter(due_at__lt=now)

    def with_related_flags(self):
        """Annotate has_attachments, has_links, has_open_escalations and has_tags (for the
        workspace, which skips the reads a ticket has nothing for): EXISTS on each table's
        ticket index, written out, as an Exists() costs as much Python to compile as the
        query it would save."""
        # The related models by the Ticket's relations: models import this module.
        relation = self.model._meta.get_field
        Attachment = relation("attachments").related_model
        Escalation = relation("escalations").related_model
        TicketLink = relation("links_out").related_model
        quote = connections[self.db].ops.quote_name

        def column(model, name: str) -> str:
            return quote(model._meta.get_field(name).column)

        me = f"{quote(self.model._meta.db_table)}.{quote(self.model._meta.pk.column)}"
        tags = self.model.tags.through
        link_source, link_target = column(TicketLink, "source"), column(TicketLink, "target")
        wheres = {
            "has_attachments": (Attachment, f"{column(Attachment, 'ticket')} = {me}"),
            "has_links": (TicketLink, f"{link_source} = {me} OR {link_target} = {me}"),
            "has_open_escalations": (
                Escalation,
                f"{column(Escalation, 'ticket')} = {me} "
                f"AND {column(Escalation, 'resolved_at')} IS NULL",
            ),
            "has_tags": (tags, f"{column(tags, 'ticket')} = {me}"),
        }
        return self.annotate(
            **{
                name: models.expressions.RawSQL(  # noqa: S611 — names from model metadata
                    f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {where})",  # noqa: S608
                    (),
                    output_field=models.BooleanField(),
                )
                for name, (model, where) in wheres.items()
            }
        )


def _team_not_in(team_ids) -> models.Q:
    """No team, or a team outside `team_ids`, written as the ranges between them: an index on
    (assignee, team) answers it from its entries (ticket_assignee_team), where NOT IN would
    have the database read every ticket of the assignee to look at its team."""
    ids = sorted(team_ids)
    if not ids:
        return models.Q()
    q = (
        models.Q(team_id__isnull=True)
        | models.Q(team_id__lt=ids[0])
        | models.Q(team_id__gt=ids[-1])
    )
    for low, high in zip(ids, ids[1:], strict=False):
        if high > low + 1:
            q |= models.Q(team_id__gt=low, team_id__lt=high)
    return q


class MacroQuerySet(models.QuerySet):
    def with_policy_review(self):
        """Annotate `needs_policy_review`: the cited policy has a version newer than the one
        the macro was last saved against (flagged until someone updates the macro)."""
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
