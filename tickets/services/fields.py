"""Changing a ticket's plain fields, its tags, and merging tickets."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.text import slugify

from .. import events
from ..lifecycle import TransitionError
from ..mail.sanitize import html_to_text, markdown_to_html
from ..models import Attachment, Message, Tag, Ticket, TicketLink
from ._base import StaleVersionError, ensure_cleared, lock, reply_due, save
from .changes import ticket_changed
from .exposure import ensure_consented, exposure_permit, merge_decision
from .safeview import attachments_make_safe
from .workflow import STATUS_FIELDS

UPDATABLE = ("subject", "priority", "category", "team", "language", "custom_fields")


def _validate_custom_fields(value) -> dict:
    if not isinstance(value, dict) or len(value) > 50:
        raise ValidationError("Custom fields must be an object with at most 50 keys.")
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise ValidationError("Custom field names are 1-64 characters.")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise ValidationError(f"Custom field {key!r} must be text, a number or true/false.")
        if isinstance(item, str) and len(item) > 1000:
            raise ValidationError(f"Custom field {key!r} is longer than 1000 characters.")
    return value


def _attname(name: str) -> str:
    """The attribute an updatable field stores its value in ("category" -> "category_id")."""
    field = Ticket._meta.get_field(name)
    if not isinstance(field, Field):  # a reverse relation, never in UPDATABLE
        raise ValidationError(f"Cannot update {name}.")
    return field.attname


@transaction.atomic
def ticket_update(*, ticket: Ticket, by, version: int | None = None, **changes) -> Ticket:
    """Change plain fields (subject, priority, category, team, language, custom_fields).

    A category the assignee is not cleared for, or of a kind of sensitive work they have not
    opted in to, raises PermissionDenied; one event per changed field.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError(f"Cannot update {', '.join(sorted(unknown))}.")
    ticket = lock(ticket, version)
    now = timezone.now()
    changed = []
    for field, value in changes.items():
        if field == "custom_fields":
            value = _validate_custom_fields(value)
        if field == "subject":
            value = " ".join(str(value).split())[:250]
            if not value:
                raise ValidationError("The subject cannot be empty.")
        if field == "priority":
            if int(value) not in Ticket.Priority.values:
                raise ValidationError(f"Unknown priority {value!r}.")
            value = int(value)
        if field == "category":
            if by is not None:
                ensure_cleared(by, value)
            if ticket.assignee is not None:
                ensure_cleared(ticket.assignee, value)
                ensure_consented(ticket.assignee, value)
        attname = _attname(field)
        old = getattr(ticket, attname)
        new = value.pk if hasattr(value, "pk") else value
        if old == new:
            continue
        setattr(ticket, field, value)
        if field == "priority" and ticket.due_at is not None:
            ticket.due_at = reply_due(ticket, ticket.last_requester_reply_at or ticket.created_at)
            changed.append("due_at")
        events.record(ticket, by, "update", field, old if old is not None else "", new, at=now)
        changed.append(field)
    if changed:
        save(ticket, changed)
        ticket_changed(ticket=ticket, fields=changed)
    return ticket


def _tag_names(names) -> list[str]:
    out = []
    for name in names:
        slug = slugify(str(name))[:64]
        if slug and slug not in out:
            out.append(slug)
    return out


@transaction.atomic
def ticket_tag(*, ticket: Ticket, by, names, version: int | None = None) -> list[str]:
    """Add tags (slugified, created on first use); returns the names actually added."""
    ticket = lock(ticket, version)
    wanted = _tag_names(names)
    have = set(ticket.tags.filter(name__in=wanted).values_list("name", flat=True))
    added = [n for n in wanted if n not in have]
    for name in added:
        tag, _ = Tag.objects.get_or_create(name=name)
        ticket.tags.add(tag)
        events.record(ticket, by, "tag", "tags", "", name)
    if added:
        save(ticket, [])
        ticket_changed(ticket=ticket, fields=[])
    return added


@transaction.atomic
def ticket_untag(*, ticket: Ticket, by, names, version: int | None = None) -> list[str]:
    """Remove tags; returns the names actually removed."""
    ticket = lock(ticket, version)
    present = list(ticket.tags.filter(name__in=_tag_names(names)))
    for tag in present:
        ticket.tags.remove(tag)
        events.record(ticket, by, "untag", "tags", tag.name, "")
    if present:
        save(ticket, [])
        ticket_changed(ticket=ticket, fields=[])
    return [t.name for t in present]


@transaction.atomic
def ticket_merge(
    *, source: Ticket, target: Ticket, by, version: int | None = None, override_reason: str = ""
) -> Ticket:
    """Merge `source` into `target`: its messages, attachments and tags move to the target,
    the source is closed with a "merged into" link and a note on both. Returns the target.

    `version` is the source's version as the caller saw it. When the source is more sensitive
    than the target, or sensitive work of another kind, the target's assignee takes on its
    content: the exposure rule must let them (PermissionDenied saying why), or a lead over
    their team overrides a held-back refusal with `override_reason` (recorded and told).
    """
    if source.pk == target.pk:
        raise ValidationError("A ticket cannot be merged into itself.")
    first, second = sorted([source.pk, target.pk])
    locked = {first: lock(first), second: lock(second)}
    source, target = locked[source.pk], locked[target.pk]
    if version is not None and source.version != int(version):
        raise StaleVersionError(source)
    for t in (source, target):
        if t.status == Ticket.Status.CLOSED:
            raise TransitionError(f"{t.reference} is closed and cannot be merged.")
    if by is not None:
        ensure_cleared(by, target.category)
    now = timezone.now()
    agent, decision = merge_decision(target=target, source_category=source.category, now=now)
    if agent is not None and decision is not None and not decision:
        exposure_permit(
            ticket=target,
            by=by,
            assignee=target.assignee,
            agent=agent,
            decision=decision,
            override_reason=override_reason,
            now=now,
        )
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    attachments_make_safe(ticket=target)  # files from a plain ticket into a sensitive one
    for tag in source.tags.all():
        target.tags.add(tag)
    TicketLink.objects.create(source=source, target=target, kind=TicketLink.Kind.MERGE)
    for ticket, text in (
        (target, f"{source.reference} ({source.subject}) was merged into this ticket."),
        (source, f"Merged into {target.reference}."),
    ):
        html = markdown_to_html(text)
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INTERNAL,
            author_user=by,
            body_html=html,
            body_text=html_to_text(html),
            channel=Ticket.Channel.AGENT,
            created_at=now,
        )
    events.record(source, by, "merge", "merged_into", "", target.pk, at=now)
    events.record(target, by, "merge", "merged_from", "", f"{source.pk} ({moved} messages)", at=now)
    old_status = source.status
    source.status, source.closed_at, source.due_at = Ticket.Status.CLOSED, now, None
    if source.solved_at is None:
        source.solved_at = now
    events.record(source, by, "status", "status", old_status, source.status, at=now)
    save(source, STATUS_FIELDS)
    ticket_changed(ticket=source, fields=STATUS_FIELDS)
    if target.last_requester_reply_at is None or (
        source.last_requester_reply_at
        and source.last_requester_reply_at > target.last_requester_reply_at
    ):
        target.last_requester_reply_at = source.last_requester_reply_at
    save(target, ["last_requester_reply_at"])
    ticket_changed(ticket=target, fields=["last_requester_reply_at"])
    return target
