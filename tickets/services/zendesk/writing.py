"""Zendesk tickets into Frontline, a batch at a time: the ticket (its Zendesk id kept as
custom_fields["zendesk_id"]), its comments as public replies or internal notes by their
authors at their times, attachments (the file when the export has it, else a link in the
message), status events at the true times, tags, custom fields and the satisfaction rating.
A ticket imported before is written over (its imported history replaced), so running the
import twice gives the same result."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from ...mail.sanitize import text_to_html
from ...models import CSATResponse, Message, Tag, Ticket, TicketEvent
from ..importer.parsing import tag_slug
from ..importer.references import unattributed_user
from ..importer.sla import sla_history
from ..importer.writing import EVENT_KIND, status_history
from ..intake import attachment_add
from .people import People
from .reading import ZendeskError, ZendeskExport, parse_time

MARK = "zendesk:"
STATUS = {"new": "new", "open": "open", "pending": "pending", "hold": "on_hold", "solved": "solved", "closed": "closed"}  # fmt: skip
PRIORITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
CHANNEL = {
    "email": "email", "web": "web", "web_form": "web", "web_widget": "web", "chat": "web",
    "native_messaging": "web", "facebook": "web", "twitter": "web", "help_center": "web",
    "api": "api", "mobile_sdk": "api", "web_service": "api", "sample_ticket": "api",
    "voice": "agent", "phone": "agent",
}  # fmt: skip
# Zendesk's CSAT is good/bad; Frontline stores 1-5 ratings: good counts as 5, bad as 1.
CSAT = {"good": 5, "bad": 1, "good_with_comment": 5, "bad_with_comment": 1}


def zendesk_ids() -> dict[str, int]:
    """Frontline ticket ids by the Zendesk id they were imported from."""
    return {
        str(ext): pk
        for pk, ext in Ticket.objects.filter(custom_fields__has_key="zendesk_id").values_list(
            "pk", "custom_fields__zendesk_id"
        )
    }


def batch_write(
    tickets: list[dict], export: ZendeskExport, people: People, files: Path, known: dict
) -> tuple[int, int]:
    """Write one batch (the caller's transaction); returns (created, updated)."""
    now = timezone.now()
    created = updated = 0
    for t in tickets:
        tid = int(t["id"])
        comments = sorted(export.comments.get(tid, []), key=lambda c: parse_time(c["created_at"], ""))  # fmt: skip
        fields = _ticket_fields(t, export, people, comments)
        pk = known.get(str(tid))
        if pk is None:
            ticket = Ticket.objects.create(**fields)
            known[str(tid)] = ticket.pk
            created += 1
        else:
            _history_delete(pk)
            Ticket.objects.filter(pk=pk).update(updated_at=now, **fields)
            ticket = Ticket.objects.get(pk=pk)
            updated += 1
        _messages(ticket, comments, people, files)
        TicketEvent.objects.bulk_create(
            TicketEvent(**e)
            for e in status_history(
                ticket.pk,
                ticket.assignee_id,
                ticket.status,
                created=ticket.created_at,
                touched=ticket.first_reply_at,
                last_reply=ticket.last_public_reply_at,
                solved=ticket.solved_at,
                closed=ticket.closed_at,
            )
        )
        names = {tag_slug(str(tag)) for tag in t.get("tags") or []} - {""}
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        ticket.tags.set(Tag.objects.filter(name__in=names))
        _rating(ticket, export.ratings.get(tid), now)
    sla_history(known[str(int(t["id"]))] for t in tickets)
    return created, updated


def _history_delete(pk: int) -> None:
    Message.objects.filter(ticket_id=pk, email_message_id__startswith=MARK).delete()
    TicketEvent.objects.filter(ticket_id=pk, kind__in=("created", EVENT_KIND)).delete()
    CSATResponse.objects.filter(ticket_id=pk, source=CSATResponse.Source.IMPORT).delete()


def _ticket_fields(t: dict, export: ZendeskExport, people: People, comments: list[dict]) -> dict:
    tid = int(t["id"])
    where = f"ticket {tid}"
    created = parse_time(t["created_at"], where)
    updated = parse_time(t.get("updated_at") or t["created_at"], where)
    status = STATUS[t["status"]]
    metric = export.metrics.get(tid, {})
    agent_public = [
        parse_time(c["created_at"], where)
        for c in comments
        if c.get("public", True) and int(c.get("author_id") or 0) in people.agents
    ]
    first_reply = next((at for at in agent_public if at > created), None)
    solved = closed = None
    if status in Ticket.DONE:
        solved = parse_time(metric["solved_at"], where) if metric.get("solved_at") else None
        solved = solved or (agent_public[-1] if agent_public else updated)
        solved = max(solved, created)
        if status == Ticket.Status.CLOSED:
            closed = max(updated, solved)
    org = export.organizations.get(int(t.get("organization_id") or 0), {})
    custom = {"zendesk_id": str(tid)}
    values = {
        export.fields.get(int(f["id"]), str(f["id"])): f.get("value")
        for f in t.get("custom_fields") or t.get("fields") or []
        if f.get("value") not in (None, "", [])
    }
    if values:
        custom["zendesk_fields"] = values  # type: ignore[assignment]
    if org:
        custom["zendesk_organization"] = str(org.get("name") or org.get("id"))
    requester = people.requesters.get(int(t.get("requester_id") or 0))
    if requester is None:
        raise ZendeskError(f"{where}: no requester_id")
    return {
        "subject": str(t.get("subject") or t.get("raw_subject") or f"Zendesk ticket {tid}")[:250],
        "requester_id": requester,
        "category_id": people.categories[t.get("type") or "question"],
        "channel": CHANNEL.get(str((t.get("via") or {}).get("channel")), Ticket.Channel.WEB),
        "priority": PRIORITY.get(t.get("priority") or "normal", 2),
        "status": status,
        "team_id": people.teams.get(int(t.get("group_id") or 0)),
        "assignee_id": people.agents.get(int(t.get("assignee_id") or 0)),
        "custom_fields": custom,
        "created_at": created,
        "first_reply_at": first_reply,
        "last_public_reply_at": agent_public[-1] if agent_public else None,
        "last_requester_reply_at": created,
        "solved_at": solved,
        "closed_at": closed,
        "reopen_count": int(metric.get("reopens") or 0),
    }


def _messages(ticket: Ticket, comments: list[dict], people: People, files: Path) -> None:
    fallback = None
    for c in comments:
        author = int(c.get("author_id") or 0)
        user_id = people.agents.get(author)
        requester_id = None if user_id else people.requesters.get(author)
        if user_id is None and requester_id is None:
            fallback = fallback or unattributed_user().pk
            user_id = fallback
        body = str(c.get("plain_body") or c.get("body") or "")
        stored: list[tuple[dict, bytes | None]] = []
        links: list[tuple[dict, bytes | None]] = []
        for a in c.get("attachments") or []:
            data = _attachment_file(files, a)
            (stored if data is not None else links).append((a, data))
        if links:
            body += "\n\nAttachments (kept in Zendesk):\n" + "\n".join(
                f"- {a.get('file_name')}: {a.get('content_url')}" for a, _ in links
            )
        message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.PUBLIC if c.get("public", True) else Message.Kind.INTERNAL,
            author_user_id=user_id,
            author_requester_id=requester_id,
            body_html=text_to_html(body),
            body_text=body,
            channel=Ticket.Channel.AGENT if requester_id is None else ticket.channel,
            created_at=parse_time(c["created_at"], f"comment {c.get('id')}"),
            email_message_id=f"{MARK}comment:{c.get('id')}",
        )
        for a, data in stored:
            try:
                attachment_add(
                    ticket=ticket, message=message, name=str(a.get("file_name")), data=data or b""
                )
            except ValidationError as exc:  # refused (type, size): linked instead
                message.body_text += f"\n\nAttachment not stored here ({'; '.join(exc.messages)}): {a.get('file_name')}: {a.get('content_url')}"  # fmt: skip
                message.body_html = text_to_html(message.body_text)
                message.save(update_fields=["body_text", "body_html"])


def _attachment_file(files: Path, a: dict) -> bytes | None:
    """The attachment's bytes when the export has the file: attachments/<id>/<file name>."""
    name = Path(str(a.get("file_name") or "")).name
    path = files / str(a.get("id")) / name
    return path.read_bytes() if name and path.is_file() else None


def _rating(ticket: Ticket, rating: dict | None, now: datetime) -> None:
    score = CSAT.get(str((rating or {}).get("score")))
    if score is None or rating is None:
        return
    at = rating.get("created_at")
    CSATResponse.objects.create(
        ticket=ticket,
        rating=score,
        comment=str(rating.get("comment") or ""),
        agent_id=ticket.assignee_id,
        source=CSATResponse.Source.IMPORT,
        rated_at=parse_time(at, f"rating on ticket {ticket.pk}") if at else ticket.solved_at,
        created_at=now,
        updated_at=now,
    )
