"""Erasing requesters: their tickets' personal content, their row (a tombstone), every other
text and JSON column, and the files other apps keep — on request or by retention."""

from __future__ import annotations

import json
import logging
from functools import reduce
from operator import or_
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Min, Q

from teams.models import AuditEntry
from teams.services import audit_record, pii_hash

from ...models import (
    Attachment,
    CSATResponse,
    Escalation,
    Message,
    Notification,
    Requester,
    Ticket,
    TicketEvent,
)
from ...permissions import can_erase_requester
from .holds import requester_hold_check
from .scrub import (
    ERASED_HTML,
    ERASED_SUBJECT,
    ERASED_TEXT,
    HOOKS,
    SKIP_MODELS,
    ErasureCounts,
    Scrubber,
    tombstone_email,
    tombstone_name,
)

logger = logging.getLogger(__name__)


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
        counts.files += attachment_delete(attachment)
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


def attachment_delete(attachment: Attachment) -> int:
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


def requesters_erase_now(requesters: list[Requester]) -> ErasureCounts:
    counts = ErasureCounts(requesters=len(requesters))
    if not requesters:
        return counts
    scrub = _scrubber_for(requesters)
    _erase_tickets(requesters, scrub, counts)
    _tombstone(requesters)
    _sweep(scrub, counts)
    # Files last: after the database rows no longer point at anything personal.
    counts.files += sum(hook(scrub.text, scrub.needles) for hook in HOOKS)
    counts.files += _scrub_mail_log(scrub)
    return counts


@transaction.atomic
def requester_erase(*, requester: Requester, by, reason: str) -> ErasureCounts:
    """Erase one requester (a data-subject request) and record it in the audit trail.

    `by` must be allowed to erase (admins); `reason` is required (e.g. the request's
    reference). The audit entry names the requester by id and a keyed hash of the address;
    the reason is stored with the requester's identifiers replaced. Raises PermissionDenied
    or ValidationError; erasing an already erased requester is refused, and so is erasing a
    requester under a legal hold (or with a ticket under one) until it is released.
    """
    if not can_erase_requester(by):
        raise PermissionDenied("Only admins may erase requesters.")
    if not reason.strip():
        raise ValidationError("Give a reason (e.g. the request's reference).")
    requester = Requester.objects.select_for_update().get(pk=requester.pk)
    if requester.email == tombstone_email(requester.pk):
        raise ValidationError("This requester was already erased.")
    requester_hold_check(requester=requester)
    scrubber = _scrubber_for([requester])
    email_hash = pii_hash(requester.email)
    counts = requesters_erase_now([requester])
    audit_record(
        actor=by,
        action=AuditEntry.Action.REQUESTER_ERASE,
        target=("tickets.requester", requester.pk, f"Requester #{requester.pk}"),
        detail={"email_hash": email_hash, "reason": scrubber.text(reason)[:500]}
        | counts.as_detail(),
    )
    logger.info("requester %s erased: %s", requester.pk, json.dumps(counts.as_detail()))
    return counts
