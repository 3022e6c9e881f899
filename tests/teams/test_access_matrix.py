"""Every URL in the project, every role: allowed, denied or masked — decided by one table.

The walk covers every pattern of django.urls.get_resolver() (the /api/v1/ router included,
format-suffix variants too). A pattern without an entry in TABLE fails
`test_every_url_has_an_entry` with the line to add.

Roles: associate, lead, manager, qa_analyst, admin of the in-house vendor, anonymous, and
other_vendor (an associate of a BPO partner that does not staff the team the objects belong
to). "denied" means 403, 404, 401 or a redirect to a login page; "allowed" is anything else
below 500 (a 400 for the table's minimal POST data counts: the access check came first).
"masked": the page or JSON is shown but the requester's email only to roles with the PII
permission (lead, manager, admin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from teams.models import Role, Sensitivity, Vendor
from teams.services import (
    api_token_create,
    coaching_session_create,
    exposure_record,
    policy_article_create,
    policy_publish,
)
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    MessageFactory,
    RequesterFactory,
    SavedViewFactory,
    ShiftTemplateFactory,
    TeamFactory,
    TicketFactory,
    VendorFactory,
)

ROLES = ["associate", "lead", "manager", "qa_analyst", "admin", "anonymous", "other_vendor"]
STAFF = {"associate", "lead", "manager", "qa_analyst", "admin", "other_vendor"}
EVERYONE = STAFF | {"anonymous"}
IN_SCOPE = {"associate", "lead", "manager", "qa_analyst", "admin"}  # of team "alpha"
WORKERS = {"associate", "lead", "admin"}  # reply, change, claim (tickets.change_ticket)
LEADERS = {"lead", "manager", "admin"}
EDITORS = {"lead", "admin"}
PII = {"lead", "manager", "admin"}
ANY = "any"  # outcome not asserted (logout); only "no 5xx"
PII_EMAIL = "pii-requester@users.example.org"


@dataclass
class Spec:
    allow: set[str] | str
    method: str = "get"
    kwargs: object = None  # callable(world) -> dict
    data: object = None  # callable(world) -> dict
    masked: bool = False  # requester email shown only to PII roles
    guessed: bool = False  # expectation inferred from the issue, not from the owning app
    xfail_roles: dict[str, str] = field(default_factory=dict)  # role -> known gap


def k(**values):
    return lambda w: {key: (v(w) if callable(v) else v) for key, v in values.items()}


def ticket_pk(w):
    return w["ticket"].pk


T = {"pk": ticket_pk}


def _escalation_pk(w):
    """A manual escalation of the world's ticket to its team (alpha)."""
    from django.utils import timezone

    from tickets.models import Escalation

    if "escalation" not in w:
        w["escalation"] = Escalation.objects.create(
            ticket=w["ticket"], source=Escalation.Source.MANUAL, level=1,
            team=w["ticket"].team, reason="Threat", created_at=timezone.now(),
            brief={"tried": "Reset", "risk": "", "needed": "Review"},
        )  # fmt: skip
    return w["escalation"].pk


def _fresh_escalation_pk(w):
    """Another manual escalation of the world's ticket, new for each call (a bulk acknowledge
    takes it on, and the single-escalation entries keep theirs)."""
    from django.utils import timezone

    from tickets.models import Escalation

    return Escalation.objects.create(
        ticket=w["ticket"], source=Escalation.Source.MANUAL, level=1,
        team=w["ticket"].team, reason="Threat", created_at=timezone.now(),
        brief={"tried": "Reset", "risk": "", "needed": "Review"},
    ).pk  # fmt: skip


def _notification_pk(w):
    """A notice to the associate: nobody else reads or marks it."""
    from django.utils import timezone

    from tickets.models import Notification

    if "notification" not in w:
        w["notification"] = Notification.objects.create(
            user=w["agents"]["associate"].user, ticket=w["ticket"], kind="assigned",
            text="Assigned to you", created_at=timezone.now(),
        )  # fmt: skip
    return w["notification"].pk


def _reported_pk(w):
    """A child-safety ticket of team alpha with its authority report assembled by the lead."""
    from tickets.services import authority_report_open

    if "reported" not in w:
        category = CategoryFactory(slug="child-safety", sensitivity=Sensitivity.RESTRICTED)
        w["reported"] = TicketFactory(team=w["ticket"].team, category=category)
        authority_report_open(ticket=w["reported"], by=w["agents"]["lead"].user)
    return w["reported"].pk


def _hours_pk(w):
    """A business-hours calendar used by team alpha only (its lead may change it)."""
    from tickets.models import BusinessHours, TeamServiceSettings

    if "hours" not in w:
        w["hours"] = BusinessHours.objects.create(name="Alpha hours", weekly=[[0, 540, 1020]])
        TeamServiceSettings.objects.update_or_create(
            team=w["ticket"].team, defaults={"business_hours": w["hours"]}
        )
    return w["hours"].pk


def _sla_policy_pk(w):
    from tickets.models import SLAPolicy

    if "sla_policy" not in w:
        w["sla_policy"] = SLAPolicy.objects.create(name="Std", first_reply_minutes=60)
    return w["sla_policy"].pk


def _macro_pk(w):
    """A macro shared by team alpha (its lead and admins may change it)."""
    from tickets.models import Macro

    if "macro" not in w:
        w["macro"] = Macro.objects.create(title="Alpha hello", body="Hi", team=w["ticket"].team)
    return w["macro"].pk


def _scorecard_version(w):
    """A draft version of a scorecard (publishing it is the scorecard editors')."""
    from metrics.models import Scorecard, ScorecardVersion

    if "scorecard_version" not in w:
        card = Scorecard.objects.create(name="Access matrix card")
        w["scorecard_version"] = ScorecardVersion.objects.create(scorecard=card, number=1)
    return w["scorecard_version"]


MACRO_USERS = {"associate", "lead", "admin", "other_vendor"}  # those who work tickets
SCORECARD_EDITORS = {"qa_analyst", "admin"}

TABLE: dict[str, Spec] = {
    # --- support ---------------------------------------------------------------------
    "home": Spec(STAFF),
    "healthz": Spec(EVERYONE),
    "login": Spec(EVERYONE),
    "logout": Spec(ANY, method="post"),
    "password_reset": Spec(EVERYONE),
    "password_reset_done": Spec(EVERYONE),
    "password_reset_confirm": Spec(EVERYONE, kwargs=k(uidb64="MQ", token="bad-token")),
    "password_reset_complete": Spec(EVERYONE),
    # The API description is public (it holds no data); every endpoint in it is not.
    "schema": Spec(EVERYONE, guessed=True),
    "swagger-ui": Spec(EVERYONE, guessed=True),
    # --- account (teams/account_urls.py): each person's own; no second factor in the walk -
    "account:index": Spec(STAFF),
    "account:two_factor": Spec(STAFF),
    "account:two_factor_verify": Spec(STAFF),  # nothing owed: back home
    "account:two_factor_codes": Spec(STAFF),
    "account:two_factor_regenerate": Spec(STAFF, method="post", data=lambda w: {"code": "1"}),
    "account:two_factor_disable": Spec(STAFF, method="post", data=lambda w: {"code": "1"}),
    "account:logout_everywhere": Spec(ANY, method="post"),  # ends the session: to the login
    # --- teams -------------------------------------------------------------------------
    "teams:list": Spec(STAFF),
    "teams:presence": Spec(STAFF, method="post", data=lambda w: {"status": "available"}),
    "teams:my_exposure": Spec(STAFF),
    "teams:my_consent": Spec(STAFF, method="post", data=lambda w: {"kinds": ["self_harm"]}),
    "teams:my_coaching": Spec(STAFF),
    "teams:my_acknowledgements": Spec(STAFF),
    "teams:roster_import": Spec(EDITORS),
    "teams:audit": Spec({"admin"}),
    "teams:audit_export": Spec({"admin"}),
    # Erasing a requester (tickets/admin.py): the confirmation page, admins only.
    "admin:tickets_requester_erase": Spec(
        {"admin"}, kwargs=k(object_id=lambda w: w["ticket"].requester_id)
    ),
    "teams:policies": Spec(STAFF),
    "teams:policy_new": Spec(LEADERS),
    "teams:policy_acknowledge": Spec(
        {"associate"}, method="post", kwargs=k(pk=lambda w: w["policy_version"].pk)
    ),
    "teams:policy_detail": Spec(
        IN_SCOPE, kwargs=k(slug=lambda w: w["policy_version"].article.slug)
    ),
    "teams:policy_publish": Spec(
        LEADERS, kwargs=k(slug=lambda w: w["policy_version"].article.slug)
    ),
    "teams:coaching": Spec(STAFF),  # associates are redirected to their own page
    "teams:coaching_new": Spec(LEADERS),
    "teams:coaching_session": Spec(
        {"associate", "lead", "manager", "admin"}, kwargs=k(pk=lambda w: w["session"].pk)
    ),
    "teams:action_item_done": Spec(
        {"associate", "lead", "manager", "admin"},
        method="post",
        kwargs=k(pk=lambda w: w["session"].items.get().pk),
        data=lambda w: {"done": "1"},
    ),
    "teams:feedback_create": Spec(LEADERS, method="post", data=lambda w: {}),
    "teams:detail": Spec(IN_SCOPE, kwargs=k(slug="alpha")),
    "teams:member_edit": Spec(
        EDITORS, kwargs=k(slug="alpha", pk=lambda w: w["agents"]["associate"].pk)
    ),
    "teams:exposure": Spec(LEADERS, kwargs=k(slug="alpha")),
    "teams:exposure_settings": Spec(
        LEADERS, method="post", kwargs=k(slug="alpha"), data=lambda w: {}
    ),
    "teams:schedule": Spec(IN_SCOPE, kwargs=k(slug="alpha")),
    "teams:shift_save": Spec(EDITORS, method="post", kwargs=k(slug="alpha"), data=lambda w: {}),
    "teams:shift_delete": Spec(
        EDITORS, method="post", kwargs=k(slug="alpha", pk=lambda w: w["shift"].pk)
    ),
    "teams:time_off_add": Spec(EDITORS, method="post", kwargs=k(slug="alpha"), data=lambda w: {}),
    "teams:shift_exception_add": Spec(
        EDITORS, method="post", kwargs=k(slug="alpha"), data=lambda w: {}
    ),
    # Personal API tokens: everyone with an account manages their own; revoking another
    # person's token is a 404.
    "api_tokens:list": Spec(STAFF),
    "api_tokens:revoke": Spec(
        {"associate"}, method="post", kwargs=k(pk=lambda w: w["api_token"].pk)
    ),
    # --- public intake (tickets/) ------------------------------------------------------
    "help:form": Spec(EVERYONE),
    "help:thanks": Spec(EVERYONE, kwargs=k(token=lambda w: w["thanks_token"])),
    # CSAT links from the survey email: whoever holds the signed token (no account needed).
    "help:csat_rate": Spec(
        EVERYONE, kwargs=k(token=lambda w: _csat_token(w, rating=5)), guessed=True
    ),
    "help:csat_comment": Spec(EVERYONE, kwargs=k(token=lambda w: _csat_token(w)), guessed=True),
    "inbound_email": Spec(set(), method="post", data=lambda w: {}),  # shared secret only
    # --- tickets (owned by the tickets helper; expectations from the issue) -------------
    "tickets:queue": Spec(STAFF, guessed=True),
    "tickets:claim_next": Spec(
        WORKERS | {"other_vendor"},
        method="post",
        guessed=True,
    ),
    "tickets:save_view": Spec(STAFF, method="post", data=lambda w: {"name": "Mine"}, guessed=True),
    "tickets:delete_view": Spec(
        {"associate"}, method="post", kwargs=k(pk=lambda w: w["saved_view"].pk), guessed=True
    ),
    "tickets:detail": Spec(
        IN_SCOPE,
        kwargs=k(**T),
        masked=True,
        guessed=True,
    ),
    "tickets:reply": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:note": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:status": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:fields": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:assign": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:tags": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "tickets:merge": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    # Bulk changes from the queue: the roles that change tickets (another vendor's associate
    # too); each ticket then through its own service and scope, refusals listed per ticket.
    "tickets:bulk": Spec(
        WORKERS | {"other_vendor"}, method="post", data=lambda w: {"ticket": [ticket_pk(w)]}
    ),
    # A macro applied in place (the reply editor, nothing saved): the roles that reply.
    "tickets:macro": Spec(WORKERS, kwargs=k(**T)),
    # Rendering a draft's Markdown changes nothing: whoever sees the ticket may preview.
    "tickets:preview": Spec(
        IN_SCOPE, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True
    ),
    "tickets:presence": Spec(IN_SCOPE, method="post", kwargs=k(**T), guessed=True),
    # Handle-time heartbeat: staff who see the ticket (tickets.services.work).
    "tickets:work": Spec(IN_SCOPE, method="post", kwargs=k(**T)),
    "tickets:attachment": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["attachment"].pk), guessed=True),
    # An image's re-encoded inline preview: the same scope as the download.
    "tickets:attachment_preview": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["image"].pk)),
    # An e-mail kept as a file, read in the page: the download's scope; addresses for PII roles.
    "tickets:attachment_email": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["eml"].pk), masked=True),
    "tickets:attachment_reveal": Spec(
        IN_SCOPE, method="post", kwargs=k(pk=lambda w: w["attachment"].pk), guessed=True
    ),
    # An image's blurred derivative (the safe view of sensitive tickets): the same scope.
    "tickets:attachment_safe": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["image"].pk)),
    # Escalations: anyone on staff sees the page (their scope's rows); only the receiving
    # team's lead, its manager or an admin acknowledges or resolves one.
    "tickets:escalate": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}),
    "tickets:escalations": Spec(STAFF),
    "tickets:legal_hold": Spec(
        LEADERS,
        method="post",
        kwargs=k(**T),
        data=lambda w: {"action": "place", "on": "ticket", "reason": "Matrix"},
    ),
    # Imminent-risk protocol steps: whoever works tickets (the world's ticket is not flagged:
    # a 422 after the access check). The phrases are a setting for admins.
    "tickets:risk_step": Spec(
        WORKERS, method="post", kwargs=k(**T), data=lambda w: {"step": "read"}
    ),
    "tickets:risk_phrases": Spec({"admin"}),
    # Child-safety reports to the authority: leads, managers and admins cleared for restricted
    # work (the world's manager is not cleared).
    "tickets:authority_report": Spec({"lead", "admin"}, kwargs=k(pk=_reported_pk)),
    "tickets:authority_report_export": Spec({"lead", "admin"}, kwargs=k(pk=_reported_pk)),
    "tickets:authority_report_print": Spec({"lead", "admin"}, kwargs=k(pk=_reported_pk)),
    "tickets:escalation_acknowledge": Spec(LEADERS, method="post", kwargs=k(pk=_escalation_pk)),
    "tickets:escalation_resolve": Spec(LEADERS, method="post", kwargs=k(pk=_escalation_pk)),
    # Bulk acknowledge: the roles that take on escalations; each row then as one at a time.
    "tickets:escalation_bulk_acknowledge": Spec(
        LEADERS, method="post", data=lambda w: {"escalation": [_fresh_escalation_pk(w)]}
    ),
    "tickets:notifications": Spec(STAFF),
    "tickets:notifications_read": Spec(STAFF, method="post"),
    # Outbound webhooks: endpoints, secrets and the delivery log (request bodies hold
    # requester data) are for admins only (tickets.permissions.can_manage_webhooks).
    # Inbound mail held as spam: leads and admins (tickets.permissions.can_review_held_mail).
    "tickets:spam": Spec(EDITORS),
    "tickets:spam_release": Spec(EDITORS, method="post", kwargs=k(pk=lambda w: w["held"].pk)),
    "tickets:spam_delete": Spec(EDITORS, method="post", kwargs=k(pk=lambda w: w["held"].pk)),
    "tickets:spam_block": Spec(EDITORS, method="post", kwargs=k(pk=lambda w: w["held"].pk)),
    "tickets:webhooks": Spec({"admin"}),
    # Settings (tickets.permissions.settings_sections): leads their own teams' calendars,
    # admins everything; SLA policies are the admins'.
    # Macros: everyone who works tickets (personal ones; leads their teams', admins all);
    # QA scorecards (metrics.permissions.can_edit_scorecards): QA analysts and admins.
    "settings:index": Spec(MACRO_USERS | SCORECARD_EDITORS),
    "settings:macros": Spec(MACRO_USERS),
    "settings:macro_new": Spec(MACRO_USERS),
    "settings:macro_new_preview": Spec(MACRO_USERS, method="post"),
    "settings:macro_edit": Spec(EDITORS, kwargs=k(pk=_macro_pk)),
    "settings:macro_preview": Spec(EDITORS, method="post", kwargs=k(pk=_macro_pk)),
    "metrics:scorecards": Spec(SCORECARD_EDITORS),
    "metrics:scorecard_new": Spec(SCORECARD_EDITORS),
    "metrics:scorecard_new_preview": Spec(SCORECARD_EDITORS, method="post"),
    "metrics:scorecard_edit": Spec(
        SCORECARD_EDITORS, kwargs=k(pk=lambda w: _scorecard_version(w).scorecard_id)
    ),
    "metrics:scorecard_preview": Spec(
        SCORECARD_EDITORS,
        method="post",
        kwargs=k(pk=lambda w: _scorecard_version(w).scorecard_id),
    ),
    "metrics:scorecard_publish": Spec(
        SCORECARD_EDITORS, method="post", kwargs=k(pk=lambda w: _scorecard_version(w).pk)
    ),
    "metrics:qa_pull": Spec({"lead", "qa_analyst", "manager", "admin"}, method="post"),
    "settings:hours": Spec(EDITORS),
    "settings:hours_new": Spec(EDITORS),
    "settings:hours_new_preview": Spec(EDITORS, method="post"),
    "settings:hours_edit": Spec(EDITORS, kwargs=k(pk=_hours_pk)),
    "settings:hours_preview": Spec(EDITORS, method="post", kwargs=k(pk=_hours_pk)),
    "settings:sla": Spec({"admin"}),
    "settings:sla_new": Spec({"admin"}),
    "settings:sla_new_preview": Spec({"admin"}, method="post"),
    "settings:sla_edit": Spec({"admin"}, kwargs=k(pk=_sla_policy_pk)),
    "settings:sla_preview": Spec({"admin"}, method="post", kwargs=k(pk=_sla_policy_pk)),
    "tickets:webhook_endpoint": Spec({"admin"}, kwargs=k(pk=lambda w: w["webhook"].pk)),
    "tickets:webhook_rotate": Spec(
        {"admin"}, method="post", kwargs=k(pk=lambda w: w["webhook"].pk)
    ),
    "tickets:webhook_deliveries": Spec({"admin"}),
    "tickets:webhook_delivery": Spec({"admin"}, kwargs=k(pk=lambda w: w["webhook_delivery"].pk)),
    "tickets:webhook_replay": Spec(
        {"admin"}, method="post", kwargs=k(pk=lambda w: w["webhook_delivery"].pk)
    ),
    # --- tickets API ---------------------------------------------------------------------
    "ticket-escalate": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}),
    "escalation-list": Spec(STAFF),
    "escalation-detail": Spec(IN_SCOPE, kwargs=k(pk=_escalation_pk)),
    "escalation-acknowledge": Spec(LEADERS, method="post", kwargs=k(pk=_escalation_pk)),
    "escalation-resolve": Spec(LEADERS, method="post", kwargs=k(pk=_escalation_pk)),
    # Notifications are personal: everyone lists and marks their own, nobody another's.
    "notification-list": Spec(STAFF),
    "notification-unread-count": Spec(STAFF),
    "notification-read-all": Spec(STAFF, method="post"),
    "notification-detail": Spec({"associate"}, kwargs=k(pk=_notification_pk)),
    "notification-read": Spec({"associate"}, method="post", kwargs=k(pk=_notification_pk)),
    "ticket-list": Spec(STAFF, guessed=True),
    "ticket-detail": Spec(
        IN_SCOPE,
        kwargs=k(**T),
        masked=True,
        guessed=True,
    ),
    "ticket-claim-next": Spec(WORKERS | {"other_vendor"}, method="post", guessed=True),
    "ticket-apply-macro": Spec(
        WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True
    ),
    "ticket-attachments": Spec(
        WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True
    ),
    "ticket-merge": Spec(WORKERS, method="post", kwargs=k(**T), data=lambda w: {}, guessed=True),
    "ticket-messages": Spec(IN_SCOPE, kwargs=k(**T), guessed=True),
    "attachment-detail": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["attachment"].pk), guessed=True),
    "attachment-safe-preview": Spec(IN_SCOPE, kwargs=k(pk=lambda w: w["image"].pk)),
    # Revealing needs the ticket in scope (the world's ticket is not sensitive: a 400).
    "attachment-reveal": Spec(IN_SCOPE, method="post", kwargs=k(pk=lambda w: w["attachment"].pk)),
    # --- metrics (owned by the metrics helper; expectations from the issue) -------------
    "metrics:team_dashboard": Spec(LEADERS, guessed=True),
    "metrics:overview": Spec({"manager", "qa_analyst", "admin"}, guessed=True),
    "metrics:my_stats": Spec(STAFF, guessed=True),
    "metrics:coverage": Spec(
        LEADERS
    ),  # rota beside arrivals (teams.selectors.team_on_shift_per_hour)
    "metrics:definitions": Spec(STAFF, guessed=True),
    "metrics:csat": Spec(LEADERS | {"qa_analyst"}),
    "metrics:feedback_list": Spec(LEADERS | {"qa_analyst"}),
    "metrics:feedback_file": Spec(LEADERS | {"qa_analyst"}, method="post", data=lambda w: {}),
    "metrics:feedback_detail": Spec(
        LEADERS | {"qa_analyst"}, kwargs=k(pk=lambda w: w["feedback"].pk)
    ),
    "metrics:qa_queue": Spec(LEADERS | {"qa_analyst"}, guessed=True),
    "metrics:qa_mine": Spec(STAFF, guessed=True),
    # Managers review and calibrate too (teams.roles.REVIEWERS).
    "metrics:qa_review": Spec(
        {"lead", "qa_analyst", "manager", "admin"},
        kwargs=k(ticket_pk=ticket_pk),
        guessed=True,
    ),
    # Managers review and calibrate too (teams.roles.REVIEWERS).
    "metrics:qa_calibration": Spec(
        {"lead", "qa_analyst", "manager", "admin"},
        kwargs=k(ticket_pk=ticket_pk),
        guessed=True,
    ),
    "metrics:qa_review_detail": Spec(
        {"associate", "lead", "manager", "qa_analyst", "admin"},
        kwargs=k(pk=lambda w: w["qa_review"].pk),
        guessed=True,
    ),
    "metrics:exports": Spec({"manager", "admin"}, guessed=True),
    "metrics:export_download": Spec({"manager", "admin"}, guessed=True),
    "metrics:reports": Spec({"manager", "admin"}, guessed=True),
    "metrics:report_action": Spec(
        {"manager", "admin"},
        method="post",
        kwargs=k(pk=lambda w: w["report"].pk, action="run"),
        guessed=True,
    ),
    # --- metrics API (owned by the metrics helper) -----------------------------------------
    "api-metrics-summary": Spec(STAFF, guessed=True),
    "api-metrics-trends": Spec(STAFF, guessed=True),
    "api-metrics-agents": Spec(LEADERS | {"qa_analyst"}, guessed=True),
    "api-metrics-teams": Spec(LEADERS | {"qa_analyst"}, guessed=True),
    "api-metrics-queue": Spec(LEADERS | {"qa_analyst"}, guessed=True),
    "api-metrics-definitions": Spec(STAFF, guessed=True),
    "api-metrics-sla": Spec(LEADERS | {"qa_analyst"}),
    "api-metrics-csat": Spec(LEADERS | {"qa_analyst"}),
    # Associates read their own handle time; the rows are scoped, the endpoint is open to staff.
    "api-metrics-handle-time": Spec(STAFF),
    # --- teams API -----------------------------------------------------------------------
    "api-me": Spec(STAFF),
    "api-me-presence": Spec(STAFF),
    "api-root": Spec(STAFF),
    "team-list": Spec(STAFF),
    "team-detail": Spec(IN_SCOPE, kwargs=k(slug="alpha")),
    "team-members": Spec(IN_SCOPE, kwargs=k(slug="alpha")),
    "team-coverage": Spec(IN_SCOPE, kwargs=k(slug="alpha")),
}


# Admin URLs that answer 403/404 even to admins with the walk's placeholder arguments:
# autocomplete needs a field to complete, view-on-site an object with a public URL, and the
# ticket event log is append-only (no delete). django-otp's pages that show a user's
# authenticator secret are switched off (OTP_ADMIN_HIDE_SENSITIVE_DATA).
ADMIN_NOBODY = {
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:otp_totp_totpdevice_config",
    "admin:otp_totp_totpdevice_qrcode",
}


def _admin_action_exists(name: str) -> bool:
    """False for add/change/delete pages a ModelAdmin switches off even for superusers
    (append-only logs, rows only a service may create): those answer 403 to everyone."""
    from django.contrib import admin
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    match = re.fullmatch(r"admin:(\w+?)_(\w+)_(add|change|delete)", name)
    if not match:
        return True
    app_label, model_name, action = match.groups()
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            request = RequestFactory().get("/")
            request.user = AnonymousUser()
            request.user.is_superuser = request.user.is_active = request.user.is_staff = True
            request.user.has_perm = lambda *a, **kw: True
            if action == "change":  # a change page without change rights is a read-only view
                return model_admin.has_view_or_change_permission(request)
            return getattr(model_admin, f"has_{action}_permission")(request)
    return True


# Format-suffix variants (/api/v1/…​.json) with a known problem: name -> reason.
KNOWN_SUFFIX_GAPS: dict[str, str] = {}


# --- the world every role is checked against ----------------------------------------------


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    inhouse = VendorFactory(slug="inhouse", kind=Vendor.Kind.IN_HOUSE)
    alpha = TeamFactory(slug="alpha", vendor=inhouse)
    bpo_team = TeamFactory(slug="charlie", vendor=VendorFactory(slug="bpo", kind=Vendor.Kind.BPO))
    agents = {
        "associate": AgentFactory(team=alpha, clearance=Sensitivity.SENSITIVE),
        "lead": AgentFactory(role=Role.LEAD, team=alpha, clearance=Sensitivity.RESTRICTED),
        "manager": AgentFactory(role=Role.MANAGER, team=None),
        "qa_analyst": AgentFactory(role=Role.QA_ANALYST, team=None),
        "admin": AgentFactory(role=Role.ADMIN, team=None),
        "other_vendor": AgentFactory(team=bpo_team),
    }
    alpha.lead, alpha.manager = agents["lead"].user, agents["manager"].user
    alpha.save()
    category = CategoryFactory(slug="account-access")
    ticket = TicketFactory(
        team=alpha, category=category, requester=RequesterFactory(email=PII_EMAIL)
    )
    message = MessageFactory(ticket=ticket)
    world = {
        "agents": agents,
        "ticket": ticket,
        "message": message,
        "shift": ShiftTemplateFactory(agent=agents["associate"]),
        "saved_view": SavedViewFactory(user=agents["associate"].user),
    }
    world["attachment"] = _attachment(ticket, message)
    world["image"] = _image(ticket, message)
    world["api_token"], _ = api_token_create(
        user=agents["associate"].user, name="Script", scope="read", days=30
    )
    world["webhook"], world["webhook_delivery"] = _webhook(ticket)
    world["held"] = _held_email()
    world["eml"] = _eml(ticket, message)
    article = policy_article_create(by=None, title="Identity checks")
    world["policy_version"] = policy_publish(
        by=None,
        article=article,
        body="Two checks.",
        effective_date=ticket.created_at.date(),
        teams=[alpha],
    )
    world["session"] = coaching_session_create(
        by=agents["lead"].user,
        associate=agents["associate"],
        day=ticket.created_at.date(),
        action_items=[("Read the policy", None)],
    )
    exposure_record(user=agents["associate"].user, ticket_id=ticket.pk, sensitivity="sensitive")
    from tickets.views.public import THANKS_SALT

    world["thanks_token"] = signing.dumps(ticket.pk, salt=THANKS_SALT)
    world.update(_other_apps(world))
    return world


def _csat_token(world, rating=None) -> str:
    """A survey link for a solved ticket whose survey went out."""
    from tickets.models import Ticket
    from tickets.services.csat import csat_send_survey, csat_token

    if "surveyed" not in world:
        solved = TicketFactory(team=world["ticket"].team, status=Ticket.Status.SOLVED)
        csat_send_survey(ticket_id=solved.pk)
        world["surveyed"] = solved
    return csat_token(ticket_id=world["surveyed"].pk, rating=rating)


def _image(ticket, message):
    import io

    from PIL import Image

    from tickets.services import attachment_add

    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, format="PNG")
    return attachment_add(ticket=ticket, message=message, name="red.png", data=png.getvalue())


def _attachment(ticket, message):
    from tickets.models import Attachment

    return Attachment.objects.create(
        ticket=ticket,
        message=message,
        file=ContentFile(b"hello", name="hello.txt"),
        name="hello.txt",
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
    )


def _eml(ticket, message):
    from tickets.models import Attachment

    raw = f"From: Pat <{PII_EMAIL}>\r\nSubject: Help\r\n\r\nMy app crashes.\r\n".encode()
    return Attachment.objects.create(
        ticket=ticket, message=message, file=ContentFile(raw, name="original-message.eml"),
        name="original-message.eml", content_type="message/rfc822", size=len(raw),
        sha256="0" * 64,
    )  # fmt: skip


def _held_email():
    from django.utils import timezone

    from tickets.models import HeldEmail

    raw = b"From: x@spam.example\r\nSubject: Win\r\nX-Spam-Flag: YES\r\n\r\nwin\r\n"
    return HeldEmail.objects.create(
        raw=raw, from_email="x@spam.example", subject="Win", reason="X-Spam-Flag: YES",
        received_at=timezone.now(),
    )  # fmt: skip


def _webhook(ticket):
    from tickets.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/in", secret="whsec_x", events=["ticket.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="ticket.created",
        ticket_id=ticket.pk,
        payload={"data": {"ticket": {"requester": {"email": PII_EMAIL}}}},
        created_at=ticket.created_at,
    )
    return endpoint, delivery


def _other_apps(world) -> dict:
    """Objects of metrics/ the URLs point at (created only when the models exist)."""
    out = {}
    try:
        from metrics.models import QAReview, ReportSchedule, ScorecardVersion
    except ImportError:  # pragma: no cover - metrics not built yet
        return out
    version = ScorecardVersion.objects.first()
    if version is not None:
        out["qa_review"] = QAReview.objects.create(
            ticket=world["ticket"],
            version=version,
            reviewer=world["agents"]["qa_analyst"].user,
            agent=world["agents"]["associate"].user,
            team=world["ticket"].team,
            score=80,
            submitted_at=world["ticket"].created_at,
        )
    out["report"] = ReportSchedule.objects.create(
        name="Weekly", owner=world["agents"]["manager"].user, dataset="tickets",
        recipients="manager@example.com",
    )  # fmt: skip
    from metrics.models import ProductFeedback

    ticket = world["ticket"]
    out["feedback"] = ProductFeedback.objects.create(
        category=ticket.category, window_start=ticket.created_at, window_end=ticket.created_at,
        observed=9, expected=1, z=8, summary="spike", filed_at=ticket.created_at,
    )  # fmt: skip
    out["feedback"].tickets.add(ticket)
    return out


# --- walking the resolver ------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def spec_for(name: str | None, route: str = "") -> Spec | None:
    if name is None:
        if route == "admin/(?P<url>.*)$":
            return Spec(set())  # the admin's catch-all: a 404 or a login redirect for all
        if route.startswith("admin/"):
            return _admin_spec("admin:unnamed")  # the admin's legacy object-URL redirects
        return None
    if name in TABLE:
        return TABLE[name]
    if name.startswith("admin:"):
        return _admin_spec(name)
    return None


def _admin_spec(name: str) -> Spec:
    """Django admin: only admins (staff superusers). Its login page sends everyone else to the
    app's login (anonymous) or answers 403 (signed in without admin rights)."""
    if name in ("admin:login",):
        return Spec({"admin"})
    if name in ADMIN_NOBODY or not _admin_action_exists(name):
        return Spec(set())
    if name == "admin:logout":
        return Spec(ANY, method="post")
    return Spec({"admin"})


def _kwargs_for(route: str, pattern: URLPattern, spec: Spec, world) -> dict:
    kwargs = spec.kwargs(world) if spec.kwargs else {}
    groups = set(pattern.pattern.regex.groupindex)
    if "format" in groups:
        kwargs["format"] = "json"
    # Admin object URLs and the like. The object is the admin's own user row: ids are not
    # reused on PostgreSQL, and user pages (e.g. the password form) 404 on a missing id.
    existing = str(world["agents"]["admin"].user_id)
    for key in groups - set(kwargs):
        kwargs[key] = {
            "app_label": "teams",
            "object_id": existing,
            "content_type_id": "1",
            "id": existing,
        }.get(key, "1")
    return kwargs


def _url(name, route, pattern, spec, world) -> str:
    if name is not None:
        return reverse(name, kwargs=_kwargs_for(route, pattern, spec, world))
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)  # admin/<app>/<model>/<path:object_id>/
    return "/" + path.replace("(?P<url>.*)$", "no-such-page/")


# --- outcomes --------------------------------------------------------------------------------


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403, 404):
        return "denied"
    if response.status_code in (301, 302, 303) and re.search(r"/login/", response["Location"]):
        return "denied"
    if response.status_code == 405:
        return "wrong method (405)"
    return "allowed"


def _client_for(client, world, role):
    client.raise_request_exception = False  # a 500 is an outcome to report, not a crash
    client.logout()
    if role != "anonymous":
        client.force_login(world["agents"][role].user)
    return client


def check(client, world, name, route, pattern, spec) -> list[str]:
    """Request the URL as every role (each in a savepoint rolled back after) and return
    the mismatches."""
    problems = []
    url = _url(name, route, pattern, spec, world)
    for role in ROLES:
        c = _client_for(client, world, role)
        sid = transaction.savepoint()
        try:
            data = spec.data(world) if spec.data else {}
            response = getattr(c, spec.method)(url, data) if data else getattr(c, spec.method)(url)
            got = outcome(response)
            if spec.allow == ANY:
                expected = got if not got.startswith("error") else "no 5xx"
            else:
                expected = "allowed" if role in spec.allow else "denied"
            if got == expected and got == "allowed" and spec.masked and response.status_code == 200:
                shows = PII_EMAIL in response.content.decode(errors="replace")
                if shows != (role in PII):
                    got = "shown" if shows else "hidden"
                    expected = "shown" if role in PII else "masked"
            if got != expected:
                known = spec.xfail_roles.get(role)
                if "format" in pattern.pattern.regex.groupindex and name in KNOWN_SUFFIX_GAPS:
                    known = KNOWN_SUFFIX_GAPS[name]
                problems.append(
                    f"{spec.method.upper()} {url} as {role}: expected {expected}, got {got}"
                    f" ({response.status_code})" + (f" [known: {known}]" if known else "")
                )
        finally:
            transaction.savepoint_rollback(sid)
    return problems


# --- the tests -------------------------------------------------------------------------------


def test_every_url_has_an_entry():
    missing = sorted(
        {f"{name or route!r}" for route, name, _ in all_patterns() if spec_for(name, route) is None}
    )
    assert not missing, (
        "These URLs have no entry in tests/teams/test_access_matrix.py TABLE; add one saying "
        "which roles may use them (allowed / denied / masked):\n  " + "\n  ".join(missing)
    )


def _groups():
    groups: dict[str, list] = {}
    for route, name, pattern in all_patterns():
        if spec_for(name, route) is None:
            continue
        key = (
            (name or "admin:").split(":")[0]
            if ":" in (name or ":")
            else ("api" if route.startswith("api/") else "site")
        )
        groups.setdefault(key, []).append((route, name, pattern))
    return groups


@pytest.mark.parametrize("group", sorted(_groups()))
def test_each_role_gets_what_the_table_says(client, world, group):
    problems, known = [], []
    for route, name, pattern in _groups()[group]:
        spec = spec_for(name, route)
        for problem in check(client, world, name, route, pattern, spec):
            (known if "[known:" in problem else problems).append(problem)
    assert not problems, f"{len(problems)} access mismatch(es):\n  " + "\n  ".join(problems)
    if known:
        pytest.xfail("known gaps in other apps:\n  " + "\n  ".join(known))
