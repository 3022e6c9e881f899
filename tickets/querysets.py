"""Reusable, chainable ticket filters. `visible_to` is the one access scope for tickets: the
rule is teams.permissions.scope_filter's, these name the tickets' fields and shapes."""

from django.db import connections, models

from teams.models import PolicyVersion
from teams.permissions import ScopedFields, scope_filter, scope_for, scope_parts

# Where a ticket keeps what an access scope decides on: its team, its category's
# sensitivity, and the agent it is assigned to (whose own tickets they see in any team).
TICKET_FIELDS = ScopedFields(team="team", sensitivity="category__sensitivity", assignee="assignee")
# The same without "assigned to me": the tickets of the teams in scope.
TEAM_TICKET_FIELDS = ScopedFields(team="team", sensitivity="category__sensitivity")


class TicketQuerySet(models.QuerySet):
    def unsolved(self):
        return self.filter(status__in=self.model.UNSOLVED)

    def done(self):
        return self.filter(status__in=self.model.DONE)

    def visible_to(self, user, *, teams_as_subquery: bool = False):
        """Tickets the user may see: teams in scope (or assigned to them), within clearance.

        teams_as_subquery: for reads led by a narrow time window (scope_filter says why)."""
        return scope_filter(
            self, scope_for(user), TICKET_FIELDS, teams_as_subquery=teams_as_subquery
        )

    def visible_in_teams(self, user):
        """`visible_to(user)` without "assigned to me in another team" and without the join
        to the teams table for a vendor-limited scope (whose teams are the vendor's already):
        the tickets of the teams in scope within clearance, counted from the ticket_backlog
        index alone instead of every ticket row."""
        return scope_filter(self, scope_for(user), TEAM_TICKET_FIELDS, vendor_join=False)

    def visible_assigned_to(self, user):
        """`visible_to(user)` of the tickets assigned to the user: only clearance is left to
        check, with no OR that would have the database read the whole team's index to count
        a handful of tickets."""
        return scope_filter(self, scope_for(user), TICKET_FIELDS, assigned_only=True)

    def visible_parts(self, user) -> list[models.QuerySet]:
        """`visible_to(user)` cut into disjoint parts that each follow one index (one per team
        in scope, one for the tickets assigned to the user elsewhere), for pages that read
        the first rows in an order (tickets.pagination.paginate): teams.permissions.scope_parts
        says how and why."""
        return scope_parts(self, scope_for(user), TICKET_FIELDS)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def breached(self, now):
        return self.unsolved().filter(due_at__lt=now)

    def with_related_flags(self):
        """Annotate has_attachments, has_links, has_open_escalations, has_tags,
        has_imminent_risk and has_legal_hold (on the ticket or its requester) for the workspace, which skips the
        reads a ticket has nothing for: EXISTS on each table's ticket index, written out, as
        an Exists() costs as much Python to compile as the query it would save."""
        related = self.model._meta.get_field
        attachments = related("attachments").related_model
        escalations = related("escalations").related_model
        links = related("links_out").related_model
        quote = connections[self.db].ops.quote_name

        def column(model, name: str) -> str:
            return quote(model._meta.get_field(name).column)

        me = f"{quote(self.model._meta.db_table)}.{quote(self.model._meta.pk.column)}"
        tags = self.model.tags.through
        link_source, link_target = column(links, "source"), column(links, "target")
        wheres = {
            "has_attachments": (attachments, f"{column(attachments, 'ticket')} = {me}"),
            "has_links": (links, f"{link_source} = {me} OR {link_target} = {me}"),
            "has_open_escalations": (
                escalations,
                f"{column(escalations, 'ticket')} = {me} "
                f"AND {column(escalations, 'resolved_at')} IS NULL",
            ),
            "has_tags": (tags, f"{column(tags, 'ticket')} = {me}"),
        }
        # Flagged as imminent risk at intake (the workspace shows the protocol).
        risk = related("imminent_risk").related_model
        wheres["has_imminent_risk"] = (risk, f"{column(risk, 'ticket')} = {me}")
        # A legal hold in force on the ticket or on its requester: two EXISTS, each answered
        # by one of the holds' partial unique indexes.
        holds = related("legal_holds").related_model
        hold_table = quote(holds._meta.db_table)
        in_force = f"{column(holds, 'released_at')} IS NULL"
        my_requester = f"{quote(self.model._meta.db_table)}.{column(self.model, 'requester')}"
        held = (
            f"EXISTS (SELECT 1 FROM {hold_table} WHERE {column(holds, 'ticket')} = {me} "  # noqa: S608
            f"AND {in_force}) OR EXISTS (SELECT 1 FROM {hold_table} "
            f"WHERE {column(holds, 'requester')} = {my_requester} AND {in_force})"
        )
        return self.annotate(
            has_legal_hold=models.expressions.RawSQL(  # noqa: S611 — names from model metadata
                held, (), output_field=models.BooleanField()
            ),
            **{
                name: models.expressions.RawSQL(  # noqa: S611 — names from model metadata
                    f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {where})",  # noqa: S608
                    (),
                    output_field=models.BooleanField(),
                )
                for name, (model, where) in wheres.items()
            },
        )


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


class LegalHoldQuerySet(models.QuerySet):
    def in_force(self):
        """Holds not yet released."""
        return self.filter(released_at__isnull=True)

    def covering(self, ticket):
        """Holds on the ticket itself or on its requester (both keep the ticket's evidence)."""
        return self.filter(models.Q(ticket=ticket) | models.Q(requester_id=ticket.requester_id))
