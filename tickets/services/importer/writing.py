"""Writing validated rows: requesters, tickets, their history (messages and status events at
the true times), tags and CSAT, in batches through core.copy (COPY on PostgreSQL).

The history is what a ticket worked in Frontline would have, so every metric reads it the
same way (metrics.facts): the requester's message at creation; an agent's public reply at the
first-reply time; the resolution note (if any) as a public reply at the solve time; status
events new → open at the first reply, → solved at the solve, → closed at the close (or
→ pending / on hold at the last reply for tickets left waiting). Everything the import writes
is marked (messages' email_message_id "import:…", events' kind "imported") so `--update` can
replace it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone

from core.cache import written
from core.copy import BulkWriter, insert_rows
from teams.models import Team

from ...mail.sanitize import text_to_html
from ...models import Category, CSATResponse, Message, Requester, Tag, Ticket, TicketEvent
from ..csat import csat_import
from .parsing import PLACEHOLDER_DOMAIN, ParsedRow
from .references import References, unattributed_user
from .report import ImportResult

BATCH = 5000
EVENT_KIND = "imported"
MESSAGE_MARK = "import:"
NO_TEXT = "(First reply: its text is not in the imported export, only its time.)"
MORE_TEXT = "(Agent reply: its text is not in the imported export.)"
S = Ticket.Status

# Helpdesk exports repeat bodies (macro resolutions, templates): sanitise each text once.
_html = lru_cache(maxsize=8192)(text_to_html)


def ticket_fields(r: ParsedRow, requester_id: int, refs: References) -> dict[str, Any]:
    """The Ticket columns of a row ({attname: value}, as core.copy takes them)."""
    last_reply = r.solved_at if r.resolution and r.solved_at else r.first_reply_at
    return {
        "subject": r.subject,
        "requester_id": requester_id,
        "category_id": refs.categories[r.category],
        "channel": r.channel,
        "priority": r.priority,
        "status": r.status,
        "team_id": refs.teams.get(r.team),
        "assignee_id": refs.agents.get(r.agent),
        "language": r.language,
        "custom_fields": {"import_id": r.external_id} if r.external_id else {},
        "created_at": r.created_at,
        "first_reply_at": r.first_reply_at or (r.solved_at if r.resolution else None),
        "last_public_reply_at": last_reply,
        "last_requester_reply_at": r.created_at,
        "solved_at": r.solved_at,
        "closed_at": r.closed_at,
    }


def history(pk: int, t: dict, r: ParsedRow, replier_id: int) -> tuple[list[dict], list[dict]]:
    """The messages and status events of one imported ticket, at the export's times."""
    agent = t["assignee_id"] or replier_id
    messages = [
        {
            "ticket_id": pk,
            "author_requester_id": t["requester_id"],
            "body_html": _html(r.description),
            "body_text": r.description,
            "channel": r.channel,
            "created_at": r.created_at,
            "email_message_id": MESSAGE_MARK + "request",
        },  # fmt: skip
    ]
    resolved_in_first = bool(r.resolution) and r.solved_at == r.first_reply_at
    if r.first_reply_at and not resolved_in_first:
        messages.append({"ticket_id": pk, "author_user_id": agent, "body_html": _html(NO_TEXT), "body_text": NO_TEXT, "channel": Ticket.Channel.AGENT, "created_at": r.first_reply_at, "email_message_id": MESSAGE_MARK + "first-reply"})  # fmt: skip
    if r.resolution:
        at = r.solved_at or r.first_reply_at or r.created_at
        messages.append({"ticket_id": pk, "author_user_id": agent, "body_html": _html(r.resolution), "body_text": r.resolution, "channel": Ticket.Channel.AGENT, "created_at": at, "email_message_id": MESSAGE_MARK + "resolution"})  # fmt: skip
    _more_replies(messages, pk, agent, r)
    events = status_history(
        pk,
        t["assignee_id"],
        r.status,
        created=r.created_at,
        touched=t["first_reply_at"],
        last_reply=t["last_public_reply_at"],
        solved=r.solved_at,
        closed=r.closed_at,
    )
    return messages, events


def status_history(
    pk: int, actor_id, status: str, *, created, touched, last_reply, solved, closed
) -> list[dict]:
    """The status events (core.copy rows) of a ticket that ends in `status`: created as new;
    open at the first reply (`touched`, else at creation); pending / on hold at the last
    public reply; solved and closed at their times."""
    events = [{"ticket_id": pk, "created_at": created, "kind": "created", "field": "status", "new": S.NEW}]  # fmt: skip
    state: str = S.NEW

    def move(to: str, at) -> None:
        nonlocal state
        events.append({"ticket_id": pk, "actor_id": actor_id, "created_at": at, "kind": EVENT_KIND, "field": "status", "old": state, "new": to})  # fmt: skip
        state = to

    if status != S.NEW:
        move(S.OPEN, touched or created)
    if status in (S.PENDING, S.ON_HOLD):
        move(status, last_reply or created)
    if solved is not None:
        move(S.SOLVED, solved)
    if closed is not None:
        move(S.CLOSED, closed)
    return events


def _more_replies(messages: list[dict], pk: int, agent: int, r: ParsedRow) -> None:
    """The replies beyond the first (and the resolution note) that the export counts in
    `agent_replies` but has no text for: spread evenly between the first reply and the solve
    (or the first reply and the latest reply written), so one-touch reads as in the export."""
    written = [m for m in messages if "author_user_id" in m]
    extra = (r.agent_replies or 0) - len(written)
    if extra <= 0 or not written:
        return
    start = written[0]["created_at"]
    end = r.solved_at or written[-1]["created_at"]
    step = (end - start) / (extra + 1)
    for i in range(1, extra + 1):
        messages.append({"ticket_id": pk, "author_user_id": agent, "body_html": _html(MORE_TEXT), "body_text": MORE_TEXT, "channel": Ticket.Channel.AGENT, "created_at": start + step * i, "email_message_id": MESSAGE_MARK + "reply"})  # fmt: skip


def history_delete(ticket_ids: list[int]) -> None:
    """What an earlier import wrote on these tickets (before --update writes it again)."""
    Message.objects.filter(ticket_id__in=ticket_ids, email_message_id__startswith=MESSAGE_MARK).delete()  # fmt: skip
    TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=("created", EVENT_KIND)).delete()
    CSATResponse.objects.filter(ticket_id__in=ticket_ids, source=CSATResponse.Source.IMPORT).delete()  # fmt: skip
    Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).delete()


def rows_write(
    rows: list[ParsedRow],
    refs: References,
    result: ImportResult,
    progress,
    existing_ids: dict[str, int] | None = None,
) -> None:
    """Requesters, tickets, history, tags and CSAT in batches, through core.copy (COPY on
    PostgreSQL, sent from a background thread while the next batch is built; the ticket ids
    are reserved up front so messages can name them). Rows whose external id is in
    `existing_ids` update that ticket and replace its imported history."""
    now = timezone.now()
    existing_ids = existing_ids or {}
    requesters = _requester_ids({row.email for row in rows})
    new_requesters = {}
    for row in rows:
        if row.email not in requesters and row.email not in new_requesters:
            placeholder = row.email.endswith("@" + PLACEHOLDER_DOMAIN)
            new_requesters[row.email] = {
                "email": row.email,
                "name": row.name or (f"Requester of {row.external_id}" if placeholder else ""),
                "external_id": row.external_id[:100] if placeholder else "",
                "created_at": now,
            }
    ids = insert_rows(Requester, list(new_requesters.values()), now=now)
    requesters.update(zip(new_requesters, ids, strict=True))
    result.requesters_created = len(new_requesters)
    tag_names = {t for row in rows for t in row.tags}
    Tag.objects.bulk_create(
        [Tag(name=n) for n in tag_names], ignore_conflicts=True, batch_size=BATCH
    )
    tags = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "pk"))
    replier = unattributed_user().pk
    updating = [r for r in rows if r.external_id in existing_ids]
    if updating:
        history_delete([existing_ids[r.external_id] for r in updating])
        for r in updating:
            fields = ticket_fields(r, requesters[r.email], refs)
            Ticket.objects.filter(pk=existing_ids[r.external_id]).update(updated_at=now, **fields)
    result.updated = len(updating)
    fresh = len(rows) - len(updating)
    ratings = []

    with BulkWriter(now=now) as out:
        reserved = iter(out.reserve(Ticket, fresh) or [])
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            tickets = [ticket_fields(r, requesters[r.email], refs) for r in chunk]
            new = [(t, r) for t, r in zip(tickets, chunk, strict=True) if r.external_id not in existing_ids]  # fmt: skip
            new_ids = iter(
                out.insert(
                    Ticket,
                    [t for t, _ in new],
                    ids=[next(reserved) for _ in new]
                    if connection.vendor == "postgresql"
                    else None,
                )
            )
            messages, events, links = [], [], []
            for t, r in zip(tickets, chunk, strict=True):
                pk = existing_ids.get(r.external_id) or next(new_ids)
                result.ticket_ids.append(pk)
                m, e = history(pk, t, r, replier)
                messages += m
                events += e
                links += [{"ticket_id": pk, "tag_id": tags[n]} for n in dict.fromkeys(r.tags)]
                if r.csat_rating is not None:
                    result.csat_rows.append((str(pk), r.csat_rating, r.csat_comment))
                    shell = Ticket(pk=pk, assignee_id=t["assignee_id"], solved_at=t["solved_at"])
                    ratings.append((shell, r.csat_rating, r.csat_comment))
            out.insert(Message, messages)
            out.insert(TicketEvent, events)
            out.insert(Ticket.tags.through, links)
            result.imported += len(chunk)
            if progress and result.imported < len(rows):
                progress(result.imported, len(rows))
    csat_import(rows=ratings, now=now)
    if progress and rows:
        progress(result.imported, len(rows))


def tickets_touch(ticket_ids: list[int]) -> None:
    """Mark the imported tickets changed as of now, after the import committed: the rollup
    refresh reads tickets changed since its last run, and a long import's rows carry the time
    it started, which a refresh that ran meanwhile would already have passed."""
    now = timezone.now()
    for start in range(0, len(ticket_ids), BATCH):
        Ticket.objects.filter(pk__in=ticket_ids[start : start + BATCH]).update(updated_at=now)


def caches_move() -> None:
    """An import writes through COPY, bulk_create and QuerySet.update, which send no signal:
    move every cached read of what it wrote (core.cache.written)."""
    for model in (Ticket, Ticket.tags.through, Message, TicketEvent, Requester, Tag, CSATResponse, Team, Category):  # fmt: skip
        written(model)


def _requester_ids(emails: set[str]) -> dict[str, int]:
    """Existing requesters' ids by email. On PostgreSQL one array parameter: Django's IN list
    of 100,000 placeholders took seconds to build."""
    if connection.vendor != "postgresql":
        return dict(Requester.objects.filter(email__in=emails).values_list("email", "pk"))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT email, id FROM {Requester._meta.db_table} WHERE email = ANY(%s)",  # noqa: S608
            [list(emails)],
        )
        return dict(cur.fetchall())
