"""Ticket predicates on top of the one scope (Ticket.objects.visible_to / teams.permissions).

A ticket out of scope is never found at all (404); these answer "may this user, who can see
the ticket, also change it?" for pages and API alike.
"""

from teams import roles
from teams.models import Role, Sensitivity, Team
from teams.permissions import scope_for
from teams.selectors import revealed_attachment_ids

from .choices import choices
from .models import BusinessHours, Macro, Notification, WebhookDelivery


def can_work(user) -> bool:
    """Reply, change fields, claim: associates, leads and admins (not read-only roles)."""
    return scope_for(user).is_staff_member and user.has_perm("tickets.change_ticket")


def can_add_note(user) -> bool:
    return scope_for(user).is_staff_member and user.has_perm("tickets.add_message")


def can_reveal(user, ticket) -> bool:
    """Reveal the original of a file on a sensitive or restricted ticket the user can see:
    support staff cleared for the ticket's sensitivity (every reveal is recorded)."""
    scope = scope_for(user)
    return scope.is_staff_member and ticket.category.sensitivity in scope.sensitivities


def may_fetch_original(user, attachment) -> bool:
    """The one gate for an original (download, clear preview; pages and API alike): any
    file of a ticket without sensitivity; on a sensitive or restricted ticket, only a file
    this user has revealed (tickets.services.attachment_reveal)."""
    if not attachment.ticket.category.safe_view:
        return True
    return attachment.pk in revealed_attachment_ids(user=user, attachment_ids=[attachment.pk])


def can_merge(user) -> bool:
    return can_work(user)


def can_manage_webhooks(user) -> bool:
    """Webhook endpoints, their secrets and the delivery log (request bodies hold requester
    data): admins only — pages, replay and any future API start from this one check."""
    return scope_for(user).role == Role.ADMIN


def webhook_deliveries_visible_to(user):
    """The delivery log as a scope: everything for admins, nothing for anyone else."""
    qs = WebhookDelivery.objects.all()
    return qs if can_manage_webhooks(user) else qs.none()


def can_review_held_mail(user) -> bool:
    """The Spam view (inbound mail held as spam: Not spam, Delete, Block sender): leads and
    admins. Held mail belongs to no team yet, so the role alone decides."""
    return scope_for(user).role in roles.MAIL_REVIEWERS


def can_erase_requester(user) -> bool:
    """Erasing a requester (a data-subject request) is for admins only."""
    return scope_for(user).role == Role.ADMIN


def can_legal_hold(user, sensitivity: str | None = None) -> bool:
    """Place or release a legal hold: leads, managers and admins, cleared for `sensitivity`
    (the ticket's; for a requester, each of their tickets'). Without one, the role alone
    (the views' first check, before the ticket is known)."""
    scope = scope_for(user)
    if scope.role not in roles.SUPERVISORS:
        return False
    return sensitivity is None or sensitivity in scope.sensitivities


def can_report_to_authority(user, sensitivity: str | None = None) -> bool:
    """Assemble, read, export and file a child-safety report to the receiving authority:
    leads, managers and admins cleared for restricted work (and for `sensitivity`, the
    ticket's, when known) — the legal-hold rule, as the report places one."""
    return can_legal_hold(user, Sensitivity.RESTRICTED) and can_legal_hold(user, sensitivity)


def can_edit_risk_phrases(user) -> bool:
    """The imminent-risk phrases are a setting: admins edit them."""
    return scope_for(user).role == Role.ADMIN


def can_take_on_escalations(user) -> bool:
    """Whether `user`'s role takes on escalations at all (leads, managers, admins): the
    bulk acknowledge page asks this, each escalation then can_handle_escalation."""
    return scope_for(user).role in roles.SUPERVISORS


def can_handle_escalation(user, escalation) -> bool:
    """Acknowledge, resolve, de-escalate: leads, managers and admins whose scope holds the
    receiving team (or the ticket's)."""
    scope = scope_for(user)
    if not can_take_on_escalations(user):
        return False
    team_id = escalation.team_id or escalation.ticket.team_id
    return scope.all_teams or team_id in scope.team_ids


def escalation_targets(user, ticket) -> list[Team]:
    """The teams `user` may escalate `ticket` to, by name: the ticket's own team (its lead,
    then its manager, by level), the team its service settings send unacknowledged
    escalations on to, and specialist teams serving the ticket's category — a team that also
    serves sensitive or restricted categories (trust & safety), or one an SLA policy or a
    team's settings names as where escalations go. Not peer teams, nor other vendors' teams.
    Nothing for those who cannot work tickets. The routes are read once per change
    (tickets.choices)."""
    if not can_work(user):
        return []
    routes = choices().escalation_routes()
    wanted = {ticket.team_id} | routes.onward.get(ticket.team_id, frozenset())
    slug = ticket.category.slug if ticket.category_id else None
    return [
        t
        for t in routes.teams
        if t.pk in wanted
        or (
            slug in (t.categories or ())
            and (t.pk in routes.designated or routes.delicate & set(t.categories))
        )
    ]


def notifications_visible_to(user):
    """In-app notices are personal: each person reads and marks only their own."""
    return (
        Notification.objects.filter(user=user)
        if user.is_authenticated
        else (Notification.objects.none())
    )


# --- Settings (tickets.views.settings) ----------------------------------------------------
# Which sections of the Settings area a person may use, decided here for the landing page,
# each section's pages and their services' callers alike. Later sections (macros, routing,
# targets for leads; scorecards for QA analysts) add their key and rule here.
SETTINGS_BUSINESS_HOURS = "business_hours"
SETTINGS_SLA_POLICIES = "sla_policies"
SETTINGS_MACROS = "macros"
SETTINGS_SCORECARDS = "scorecards"


def settings_sections(user) -> list[str]:
    """The Settings sections `user` may open, in the landing page's order."""
    scope = scope_for(user)
    sections = []
    if scope.role == Role.ADMIN or (scope.role == Role.LEAD and scope.team_ids):
        sections.append(SETTINGS_BUSINESS_HOURS)
    if scope.role == Role.ADMIN:
        sections.append(SETTINGS_SLA_POLICIES)
    if scope.role in (Role.ADMIN, Role.LEAD) or can_work(user):
        sections.append(SETTINGS_MACROS)
    if scope.role in (Role.ADMIN, Role.QA_ANALYST):
        sections.append(SETTINGS_SCORECARDS)
    return sections


def can_open_settings(user) -> bool:
    return bool(settings_sections(user))


def business_hours_teams_for(user):
    """Teams whose calendar `user` may set: every team for admins, their own for leads."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return Team.objects.all()
    if scope.role == Role.LEAD:
        return Team.objects.filter(pk__in=scope.team_ids)
    return Team.objects.none()


def business_hours_editable_by(user):
    """Calendars `user` may see and change: all for admins; for leads, those used by at least
    one of their teams and by no team outside them (a shared calendar is the admins')."""
    if SETTINGS_BUSINESS_HOURS not in settings_sections(user):
        return BusinessHours.objects.none()
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return BusinessHours.objects.all()
    return (
        BusinessHours.objects.filter(teams__team_id__in=scope.team_ids)
        .exclude(teams__team__in=Team.objects.exclude(pk__in=scope.team_ids))
        .distinct()
    )


def can_manage_sla_policies(user) -> bool:
    """SLA policies decide every team's due times: admins only."""
    return SETTINGS_SLA_POLICIES in settings_sections(user)


def business_hours_require_team(user) -> bool:
    """Leads must attach a calendar they save to one of their teams (else it would leave
    their reach); admins may keep calendars no team uses yet."""
    return scope_for(user).role != Role.ADMIN


def macro_teams_for(user):
    """Teams whose shared macros `user` may write: every team for admins, their own for
    leads, none for anyone else (associates keep personal macros)."""
    return business_hours_teams_for(user)


def macros_editable_by(user):
    """Macros `user` may open in Settings: every one for admins; for leads, their teams'
    shared macros and their own personal ones; for associates, their personal ones. Macros
    shared by all teams (no team) are the admins'."""
    if SETTINGS_MACROS not in settings_sections(user):
        return Macro.objects.none()
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return Macro.objects.all()
    mine = Macro.objects.filter(owner=user)
    if scope.role == Role.LEAD:
        return mine | Macro.objects.filter(team_id__in=scope.team_ids, owner__isnull=True)
    return mine


def may_share_macros(user) -> bool:
    """Whether `user` may write shared macros (for all teams: admins; a team's: leads)."""
    return macro_teams_for(user).exists()


def may_share_with_all_teams(user) -> bool:
    return scope_for(user).role == Role.ADMIN


def can_qa_review(user, ticket) -> bool:
    """The QA rule for a ticket the user can see: reviewers (leads, QA analysts, managers,
    admins) may score it, never their own. The workspace's Review action and metrics'
    review pages (metrics.permissions.can_review) both ask this."""
    return scope_for(user).role in roles.REVIEWERS and ticket.assignee_id != user.pk
