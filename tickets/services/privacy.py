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

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce
from operator import or_
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from teams.models import AuditEntry, Sensitivity
from teams.services import audit_record, pii_hash

from ..models import (
    Attachment,
    CSATResponse,
    Escalation,
    Message,
    Notification,
    Requester,
    Ticket,
    TicketEvent,
)
from ..permissions import can_erase_requester

logger = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
ERASED_HTML = "<p>[erased]</p>"
ERASED_SUBJECT = "[erased]"

# Tables the sweep never rewrites: the append-only audit trail (holds no personal data by
# construction), staff accounts (a staff member who also wrote in as a requester keeps their
# login), and Django's own bookkeeping.
SKIP_MODELS = {
    "teams.auditentry",
    "auth.permission",
    "contenttypes.contenttype",
    "sessions.session",
}

# Files other apps keep that may hold requester data: fn(scrub, needles) -> files changed.
_HOOKS: list[Callable[[Callable[[str], str], list[str]], int]] = []


def erasure_hook(fn):
    """Register fn(scrub, needles) -> int: rewrite the app's stored files with `scrub` (a
    str -> str function) when they contain one of `needles` (lower-case); return how many."""
    if fn not in _HOOKS:
        _HOOKS.append(fn)
    return fn


def tombstone_email(pk: int) -> str:
    return f"erased-requester-{pk}@invalid"


def tombstone_name(pk: int) -> str:
    return f"Erased requester {pk}"


@dataclass
class Scrubber:
    """Replaces the identifiers of a set of requesters in text and JSON values."""

    rules: list[tuple[str, re.Pattern, str]] = field(default_factory=list)  # needle, re, new
    exact: dict[str, str] = field(default_factory=dict)  # whole JSON string values
    unique: set[str] = field(default_factory=set)  # needles only this person has (email, phone)

    def add(self, value: str, new: str, *, words: bool, min_len: int, unique=False) -> None:
        value = (value or "").strip()
        if len(value) < min_len:
            return
        body = re.escape(value)
        pattern = rf"(?<!\w){body}(?!\w)" if words else body
        self.rules.append((value.lower(), re.compile(pattern, re.IGNORECASE), new))
        if unique:
            self.unique.add(value.lower())

    def strict(self) -> Scrubber:
        """Only the identifiers no one else has: for rows that belong to other requesters and
        their tickets, where a name or handle may well be someone else's."""
        return Scrubber(rules=[r for r in self.rules if r[0] in self.unique], unique=self.unique)

    @property
    def needles(self) -> list[str]:
        return [n for n, _, _ in self.rules]

    def text(self, value: str) -> str:
        for _, pattern, new in self.rules:
            value = pattern.sub(new, value)
        return value

    def json(self, value):
        if isinstance(value, str):
            return self.exact.get(value, self.text(value))
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


@dataclass
class ErasureCounts:
    requesters: int = 0
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def as_detail(self) -> dict:
        return {
            "requesters": self.requesters,
            "tickets": self.tickets,
            "messages": self.messages,
            "attachments": self.attachments,
            "files": self.files,
            "rows_scrubbed": dict(sorted(self.rows.items())),
        }


def _scrubber_for(requesters: list[Requester]) -> Scrubber:
    scrub = Scrubber()
    for r in requesters:
        email, name = tombstone_email(r.pk), tombstone_name(r.pk)
        scrub.add(r.email, email, words=False, min_len=3, unique=True)
        scrub.add(r.name, name, words=True, min_len=3)
        scrub.add(r.handle, name, words=True, min_len=3)
        scrub.add(r.phone, "[erased phone]", words=False, min_len=6, unique=True)
    return scrub


def _erase_tickets(requesters: list[Requester], scrub: Scrubber, counts: ErasureCounts) -> None:
    """What the requesters wrote on their tickets (and their own messages elsewhere)."""
    tickets = list(Ticket.objects.filter(requester__in=requesters).values_list("pk", "subject"))
    ids = [pk for pk, _ in tickets]
    counts.tickets = len(ids)
    subjects = {s: ERASED_SUBJECT for _, s in tickets if s and s != ERASED_SUBJECT}
    scrub.exact.update(subjects)
    # The description: the first message, even when an agent wrote it on their behalf.
    first_ids = (
        Message.objects.filter(ticket_id__in=ids)
        .values("ticket_id")
        .annotate(first=Min("pk"))
        .values("first")
    )
    erase = Message.objects.filter(
        Q(author_requester__in=requesters)
        | Q(ticket_id__in=ids, author_user__isnull=True)
        | Q(pk__in=first_ids)
    )
    counts.messages = erase.update(
        body_html=ERASED_HTML,
        body_text=ERASED_TEXT,
        email_message_id="",
        email_in_reply_to="",
        email_references="",
    )
    for attachment in Attachment.objects.filter(ticket_id__in=ids):
        counts.files += _attachment_delete(attachment)
        counts.attachments += 1
    Ticket.objects.filter(pk__in=ids).update(subject=ERASED_SUBJECT)
    CSATResponse.objects.filter(ticket_id__in=ids).exclude(comment="").update(comment="")
    # What stays on their tickets (agent replies and notes, history, notices, escalation
    # notes): also their first and last names alone ("Hi Maya,") and the old subjects.
    local = Scrubber(rules=list(scrub.rules), exact=dict(scrub.exact))
    for r in requesters:
        for part in (r.name or "").split():
            local.add(part, tombstone_name(r.pk), words=True, min_len=3)
    for subject in subjects:
        local.add(subject, ERASED_SUBJECT, words=False, min_len=1)
    for model in (Message, TicketEvent, Notification, Escalation):
        qs = model._base_manager.filter(ticket_id__in=ids)
        _rewrite(qs, _text_fields(model), local, counts)


def _attachment_delete(attachment: Attachment) -> int:
    """Delete every stored file of the attachment (the upload, its preview) and the row;
    returns the number of files removed."""
    removed = 0
    for f in attachment._meta.get_fields():
        if isinstance(f, models.FileField) and getattr(attachment, f.name):
            getattr(attachment, f.name).delete(save=False)
            removed += 1
    attachment.delete()
    return removed


def _tombstone(requesters: list[Requester]) -> None:
    for r in requesters:
        Requester.objects.filter(pk=r.pk).update(
            email=tombstone_email(r.pk),
            name=tombstone_name(r.pk),
            handle="",
            external_id="",
            phone="",
            time_zone="",
        )


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.primary_key
    ]


def _sweep(full: Scrubber, counts: ErasureCounts) -> None:
    """Every text and JSON column of every table: replace the identifiers left anywhere.

    Rows tied to a ticket or a requester (other people's tickets, messages, events) get only
    the identifiers unique to the person (email, phone): another requester may share their
    name. Other rows (payloads, admin log entries, …) get the name and handle too. The
    requester table itself is never swept: the erased row is tombstoned, the others are not
    theirs.
    """
    strict = full.strict()
    user_model = get_user_model()._meta.label_lower
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SKIP_MODELS or label == user_model or not model._meta.managed:
            continue
        if model is Requester:
            continue
        bound = any(
            f.is_relation and f.related_model in (Ticket, Requester)
            for f in model._meta.concrete_fields
        )
        scrub = strict if bound else full
        fields = _text_fields(model)
        needles = scrub.needles + list(scrub.exact)
        if not fields or not needles:
            continue
        q = reduce(
            or_,
            (
                Q(**{f"{f.attname}__icontains": n})
                for f in fields
                for n in (needles if isinstance(f, models.JSONField) else scrub.needles)
            ),
        )
        _rewrite(model._base_manager.filter(q), fields, scrub, counts)


def _rewrite(qs, fields: list[models.Field], scrub: Scrubber, counts: ErasureCounts) -> None:
    """Apply `scrub` to `fields` of the rows of `qs`; write back only the rows that change."""
    model = qs.model
    changed = 0
    for row in qs.values("pk", *[f.attname for f in fields]).iterator():
        update = {}
        for f in fields:
            value = row[f.attname]
            if value is None:
                continue
            new = scrub.json(value) if isinstance(f, models.JSONField) else scrub.text(value)
            if new != value:
                update[f.attname] = new[: f.max_length] if f.max_length else new
        if update:
            model._base_manager.filter(pk=row["pk"]).update(**update)
            changed += 1
    if changed:
        label = model._meta.label_lower
        counts.rows[label] = counts.rows.get(label, 0) + changed


def _scrub_mail_log(scrub: Scrubber) -> int:
    """The embedded demo writes sent mail to files (EMAIL_FILE_PATH): drop the ones that
    were to or about the requester (a production SMTP backend keeps no copy here)."""
    if not settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return 0
    folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or "")
    removed = 0
    for path in folder.glob("*") if folder.is_dir() else ():
        text = path.read_text(errors="replace").lower()
        if any(n in text for n in scrub.needles):
            path.unlink()
            removed += 1
    return removed


def _erase(requesters: list[Requester]) -> ErasureCounts:
    counts = ErasureCounts(requesters=len(requesters))
    if not requesters:
        return counts
    scrub = _scrubber_for(requesters)
    _erase_tickets(requesters, scrub, counts)
    _tombstone(requesters)
    _sweep(scrub, counts)
    # Files last: after the database rows no longer point at anything personal.
    counts.files += sum(hook(scrub.text, scrub.needles) for hook in _HOOKS)
    counts.files += _scrub_mail_log(scrub)
    return counts


@transaction.atomic
def requester_erase(*, requester: Requester, by, reason: str) -> ErasureCounts:
    """Erase one requester (a data-subject request) and record it in the audit trail.

    `by` must be allowed to erase (admins); `reason` is required (e.g. the request's
    reference). The audit entry names the requester by id and a keyed hash of the address;
    the reason is stored with the requester's identifiers replaced. Raises PermissionDenied
    or ValidationError; erasing an already erased requester is refused.
    """
    if not can_erase_requester(by):
        raise PermissionDenied("Only admins may erase requesters.")
    if not reason.strip():
        raise ValidationError("Give a reason (e.g. the request's reference).")
    requester = Requester.objects.select_for_update().get(pk=requester.pk)
    if requester.email == tombstone_email(requester.pk):
        raise ValidationError("This requester was already erased.")
    scrubber = _scrubber_for([requester])
    email_hash = pii_hash(requester.email)
    counts = _erase([requester])
    audit_record(
        actor=by,
        action=AuditEntry.Action.REQUESTER_ERASE,
        target=("tickets.requester", requester.pk, f"Requester #{requester.pk}"),
        detail={"email_hash": email_hash, "reason": scrubber.text(reason)[:500]}
        | counts.as_detail(),
    )
    logger.info("requester %s erased: %s", requester.pk, json.dumps(counts.as_detail()))
    return counts


# --- retention ------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    attachments: int = 0
    files: int = 0
    requesters: int = 0
    tickets: int = 0


def _purge_sensitive_attachments(cutoff, result: RetentionResult) -> None:
    qs = Attachment.objects.filter(
        ticket__status=Ticket.Status.CLOSED,
        ticket__closed_at__lt=cutoff,
        ticket__category__sensitivity__in=(Sensitivity.SENSITIVE, Sensitivity.RESTRICTED),
    )
    for attachment in qs.iterator():
        result.files += _attachment_delete(attachment)
        result.attachments += 1


def _anonymisable(cutoff) -> Iterable[Requester]:
    """Requesters not yet erased whose every ticket was closed before `cutoff`."""
    closed_before = Q(tickets__status=Ticket.Status.CLOSED, tickets__closed_at__lt=cutoff)
    return (
        Requester.objects.exclude(email__startswith="erased-requester-", email__endswith="@invalid")
        .annotate(total=Count("tickets"), old=Count("tickets", filter=closed_before))
        .filter(total__gt=0, total=models.F("old"))
        .order_by("pk")
    )


def retention_run(*, now=None, batch: int = 50) -> RetentionResult:
    """Apply the retention settings once (the daily beat task calls this).

    RETENTION_SENSITIVE_ATTACHMENT_DAYS: attachments of tickets in sensitive and restricted
    categories closed longer ago are deleted (file and row). RETENTION_ANONYMISE_DAYS: a
    requester whose every ticket has been closed longer ago is erased exactly as on request
    (tickets and metrics stay). 0 switches either off. Safe to run twice; the counts go to
    the audit trail (one entry per run).
    """
    now = now or timezone.now()
    conf = settings.FRONTLINE
    attachment_days = conf.get("RETENTION_SENSITIVE_ATTACHMENT_DAYS", 0)
    anonymise_days = conf.get("RETENTION_ANONYMISE_DAYS", 0)
    result = RetentionResult()
    if attachment_days:
        with transaction.atomic():
            _purge_sensitive_attachments(now - timedelta(days=attachment_days), result)
    if anonymise_days:
        cutoff = now - timedelta(days=anonymise_days)
        while True:
            with transaction.atomic():
                chunk = list(_anonymisable(cutoff)[:batch])
                if not chunk:
                    break
                counts = _erase(chunk)
            result.requesters += counts.requesters
            result.tickets += counts.tickets
            result.attachments += counts.attachments
            result.files += counts.files
    audit_record(
        actor=None,
        action=AuditEntry.Action.RETENTION_RUN,
        detail={
            "attachment_days": attachment_days,
            "anonymise_days": anonymise_days,
            "attachments_deleted": result.attachments,
            "files_deleted": result.files,
            "requesters_anonymised": result.requesters,
            "tickets_anonymised": result.tickets,
        },
    )
    return result
