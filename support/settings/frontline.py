"""Frontline's own settings (the FRONTLINE dict), the upload limit, and the inbound-mail
poll that runs only when a mailbox is configured."""

from .base import env

# --- Frontline ------------------------------------------------------------------------
FRONTLINE = {
    # Calendar minutes to first reply per priority until SLA policies (routing/SLA work) land.
    "DEFAULT_FIRST_REPLY_MINUTES": {1: 24 * 60, 2: 8 * 60, 3: 4 * 60, 4: 60},
    # Imminent risk (tickets/services/risk.py): the first-reply target of a flagged ticket, in
    # calendar minutes, and the category slugs whose tickets may be reported to the authority
    # that receives child sexual abuse reports (tickets/services/authority.py).
    "IMMINENT_RISK_FIRST_REPLY_MINUTES": env.int("IMMINENT_RISK_FIRST_REPLY_MINUTES", default=15),
    "CHILD_SAFETY_CATEGORIES": env.list("CHILD_SAFETY_CATEGORIES", default=["child-safety"]),
    "PUBLIC_BASE_URL": env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000"),
    # Attachments (tickets/mail/attachments.py): size limit and types accepted after sniffing.
    "ATTACHMENT_MAX_BYTES": env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    "ATTACHMENT_ALLOWED_TYPES": env.list(
        "ATTACHMENT_ALLOWED_TYPES",
        default=[
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "application/pdf",
            "text/plain",
            "message/rfc822",
        ],
    ),
    "ATTACHMENT_MAX_COUNT": env.int("ATTACHMENT_MAX_COUNT", default=10),
    # Inbound email: the webhook's shared secret (X-Frontline-Secret header) and an IMAP
    # mailbox to poll, e.g. imaps://user:password@imap.example.com/INBOX (empty: no polling).
    "INBOUND_EMAIL_SECRET": env.str("INBOUND_EMAIL_SECRET", default=""),
    "INBOUND_IMAP_URL": env.str("INBOUND_IMAP_URL", default=""),
    # Webhook calls allowed per client address per hour (a relay's bursts fit; a secret-guessing
    # loop does not).
    "INBOUND_EMAIL_RATE_PER_IP": env.int("INBOUND_EMAIL_RATE_PER_IP", default=1200),
    # Reply-To: support+fl-<ticket>-<signature>@… on our e-mails, so replies that lost their
    # headers still thread (tickets/mail/reply_to.py); needs plus-addressing on the mailbox.
    "REPLY_TO_SIGNED": env.bool("REPLY_TO_SIGNED", default=False),
    # Inbound messages filed per sender address per hour (more is a mail loop or a flood).
    "INBOUND_RATE_PER_SENDER": env.int("INBOUND_RATE_PER_SENDER", default=30),
    # Public help form: submissions allowed per IP and per email address per hour.
    "HELP_FORM_RATE_PER_IP": env.int("HELP_FORM_RATE_PER_IP", default=10),
    "HELP_FORM_RATE_PER_EMAIL": env.int("HELP_FORM_RATE_PER_EMAIL", default=5),
    # CSAT survey (tickets/services/csat.py): on/off, delay after the solve, link lifetime, and
    # survey answers allowed per IP per hour.
    "CSAT_SURVEYS": env.bool("CSAT_SURVEYS", default=True),
    "CSAT_SURVEY_DELAY_SECONDS": env.int("CSAT_SURVEY_DELAY_SECONDS", default=3600),
    "CSAT_TOKEN_MAX_AGE_DAYS": env.int("CSAT_TOKEN_MAX_AGE_DAYS", default=14),
    "CSAT_RATE_PER_IP": env.int("CSAT_RATE_PER_IP", default=30),
    # Escalations: minutes the receiving lead has to acknowledge one before the sweep escalates
    # it further (a team's service settings may set its own).
    "ESCALATION_ACK_MINUTES": env.int("ESCALATION_ACK_MINUTES", default=30),
    # Outbound webhooks (tickets/services/webhooks/): request timeout, attempts before a
    # delivery is given up, exponential backoff base and cap (seconds; jitter is added).
    "WEBHOOK_TIMEOUT_SECONDS": env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0),
    "WEBHOOK_MAX_ATTEMPTS": env.int("WEBHOOK_MAX_ATTEMPTS", default=8),
    "WEBHOOK_BACKOFF_BASE_SECONDS": env.int("WEBHOOK_BACKOFF_BASE_SECONDS", default=30),
    "WEBHOOK_BACKOFF_MAX_SECONDS": env.int("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600),
    # Webhook URLs on loopback, private or link-local addresses (checked when an endpoint is
    # saved and again, after DNS, when each delivery is sent): refused unless this is on.
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False),
    # Handle time (tickets/services/work.py): the workspace sends a heartbeat every
    # WORK_HEARTBEAT_SECONDS while visible and focused; a gap over WORK_IDLE_SECONDS is idle.
    "WORK_HEARTBEAT_SECONDS": env.int("WORK_HEARTBEAT_SECONDS", default=30),
    "WORK_IDLE_SECONDS": env.int("WORK_IDLE_SECONDS", default=90),
    # Trend alerts (metrics/services/alerts.py): also email each spike to the team's lead and
    # manager (once per spike).
    "TREND_ALERT_EMAILS": env.bool("TREND_ALERT_EMAILS", default=False),
    # Automation of waiting tickets (tickets/services/automation.py), in days; 0 turns a rule
    # off: remind the requester of a pending ticket, solve it, close solved tickets.
    "PENDING_REMINDER_DAYS": env.float("PENDING_REMINDER_DAYS", default=3),
    "PENDING_AUTO_SOLVE_DAYS": env.float("PENDING_AUTO_SOLVE_DAYS", default=7),
    "SOLVED_AUTO_CLOSE_DAYS": env.float("SOLVED_AUTO_CLOSE_DAYS", default=4),
    # Data protection (tickets/services/privacy/, nightly beat task): days after closing
    # before attachments of sensitive/restricted tickets are deleted, and before a requester
    # whose tickets are all closed is anonymised (erased as on request). 0 switches off.
    "RETENTION_SENSITIVE_ATTACHMENT_DAYS": env.int(
        "RETENTION_SENSITIVE_ATTACHMENT_DAYS", default=90
    ),
    "RETENTION_ANONYMISE_DAYS": env.int("RETENTION_ANONYMISE_DAYS", default=730),
    # Two-factor sign-in (teams/permissions.py two_factor_step): always required for leads,
    # managers, QA analysts, admins and Django-admin staff; for associates when this is on.
    "TWO_FACTOR_FOR_ASSOCIATES": env.bool("TWO_FACTOR_FOR_ASSOCIATES", default=False),
    # Deliberately not read from the environment: only the test suite turns enforcement off
    # (tests/conftest.py) so tests that force_login a lead need no second factor.
    "TWO_FACTOR_ENFORCED": True,
    # One-time recovery codes handed out at enrolment (and on regeneration).
    "TWO_FACTOR_RECOVERY_CODES": 10,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=30 * 1024 * 1024)
# Poll the inbound mailbox (tickets.tasks.inbound_poll_imap) only when one is configured.
if FRONTLINE["INBOUND_IMAP_URL"]:
    CELERY_BEAT_SCHEDULE = {
        **globals().get("CELERY_BEAT_SCHEDULE", {}),
        "tickets-inbound-imap": {
            "task": "tickets.tasks.inbound_poll_imap",
            "schedule": env.int("INBOUND_IMAP_POLL_SECONDS", default=60),
        },
    }
