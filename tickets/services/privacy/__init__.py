"""Data protection for requesters: erasure on request (GDPR/CCPA) and retention.

Erasing a requester keeps the facts metrics need — tickets with their times, statuses,
priorities, categories, teams, assignees, events and CSAT scores — and removes what
identifies the person or what they wrote:

- the requester row: name, email, handle, phone, external id become a tombstone
  ("erased-requester-<id>@invalid", "Erased requester <id>");
- on their tickets: the subject, the description (first message), every message they wrote
  and every message no agent wrote (system notes that quote file names, email headers), the
  CSAT comment, every attachment (file deleted from storage, row removed); the old subject in
  subject-change events and notifications;
- everywhere else (every text and JSON column of every table, by introspection): their email,
  name, handle and phone replaced by the tombstone — agent replies quoting them, outbox and
  webhook payloads, admin log entries, escalation notes;
- files other apps keep (registered with `erasure_hook`: metrics' scheduled report files) and
  the embedded file e-mail backend's sent mail.

The audit trail is append-only and never holds a requester's personal data, so it is not
touched; the erasure itself is recorded there with a keyed hash of the address.
"""

from .erasure import requester_erase
from .holds import legal_hold_place, legal_hold_release
from .retention import RetentionResult, retention_run
from .scrub import ErasureCounts, erasure_hook, tombstone_email, tombstone_name

__all__ = [
    "ErasureCounts",
    "RetentionResult",
    "erasure_hook",
    "legal_hold_place",
    "legal_hold_release",
    "requester_erase",
    "retention_run",
    "tombstone_email",
    "tombstone_name",
]
