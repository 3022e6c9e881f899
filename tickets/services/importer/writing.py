"""Writing validated rows: requesters, tickets, messages, events, tags and CSAT, in batches
through core.copy (COPY on PostgreSQL)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone

from core.copy import BulkWriter, insert_rows
from teams.models import Team

from ...mail.sanitize import text_to_html
from ...models import Category, Message, Requester, Tag, Ticket, TicketEvent
from ..csat import csat_import
from .parsing import ParsedRow
from .report import ImportResult

BATCH = 5000


# Helpdesk exports repeat bodies (macro resolutions, templates): sanitise each text once.
_html = lru_cache(maxsize=8192)(text_to_html)


def rows_write(
    rows: list[ParsedRow], teams: dict[str, Team], agents: dict, result: ImportResult, progress
) -> None:
    """Requesters, tickets, messages, events, tags and CSAT in batches, through
    core.copy (COPY on PostgreSQL, sent from a background thread while the next batch is
    built; the ticket ids are reserved up front so messages can name them)."""
    now = timezone.now()
    categories = dict(Category.objects.values_list("slug", "pk"))
    existing = _requester_ids({row.email for row in rows})
    new_requesters = {}
    for row in rows:
        if row.email not in existing and row.email not in new_requesters:
            new_requesters[row.email] = {"email": row.email, "name": row.name, "created_at": now}
    ids = insert_rows(Requester, list(new_requesters.values()), now=now)
    existing.update(zip(new_requesters, ids, strict=True))
    result.requesters_created = len(new_requesters)
    tag_names = {t for row in rows for t in row.tags}
    Tag.objects.bulk_create(
        [Tag(name=n) for n in tag_names], ignore_conflicts=True, batch_size=BATCH
    )
    tags = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "pk"))
    through = Ticket.tags.through
    team_ids = {slug: t.pk for slug, t in teams.items()}
    agent_ids = {key: u.pk for key, u in agents.items()}
    ratings = []

    with BulkWriter(now=now) as out:
        reserved = out.reserve(Ticket, len(rows))
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            tickets: list[dict[str, Any]] = [  # insert_rows' rows: {attname: value}
                {
                    "subject": r.subject,
                    "requester_id": existing[r.email],
                    "category_id": categories[r.category],
                    "channel": r.channel,
                    "priority": r.priority,
                    "status": r.status,
                    "team_id": team_ids.get(r.team),
                    "assignee_id": agent_ids.get(r.agent),
                    "language": r.language,
                    "custom_fields": {"import_id": r.external_id} if r.external_id else {},
                    "created_at": r.created_at,
                    "first_reply_at": r.first_reply_at,
                    "last_public_reply_at": r.first_reply_at,
                    "last_requester_reply_at": r.created_at,
                    "solved_at": r.solved_at if r.status in Ticket.DONE else None,
                    "closed_at": r.solved_at if r.status == Ticket.Status.CLOSED else None,
                }
                for r in chunk
            ]
            ticket_ids = out.insert(
                Ticket, tickets, ids=reserved[start : start + len(chunk)] if reserved else None
            )
            messages, events, links = [], [], []
            for pk, t, r in zip(ticket_ids, tickets, chunk, strict=True):
                messages.append(
                    {
                        "ticket_id": pk,
                        "author_requester_id": t["requester_id"],
                        "body_html": _html(r.description),
                        "body_text": r.description,
                        "channel": r.channel,
                        "created_at": r.created_at,
                    }
                )
                if r.resolution:
                    messages.append(
                        {
                            "ticket_id": pk,
                            "author_user_id": t["assignee_id"],
                            "body_html": _html(r.resolution),
                            "body_text": r.resolution,
                            "channel": Ticket.Channel.AGENT,
                            "created_at": r.solved_at or r.first_reply_at or r.created_at,
                        }
                    )
                events.append({"ticket_id": pk, "created_at": r.created_at, "kind": "imported", "field": "status", "new": r.status})  # fmt: skip
                links += [{"ticket_id": pk, "tag_id": tags[n]} for n in dict.fromkeys(r.tags)]
                if r.csat_rating is not None:
                    result.csat_rows.append((str(pk), r.csat_rating, r.csat_comment))
                    shell = Ticket(pk=pk, assignee_id=t["assignee_id"], solved_at=t["solved_at"])
                    ratings.append((shell, r.csat_rating, r.csat_comment))
            out.insert(Message, messages)
            out.insert(TicketEvent, events)
            out.insert(through, links)
            result.imported += len(chunk)
            if progress and result.imported < len(rows):
                progress(result.imported, len(rows))
    csat_import(rows=ratings, now=now)
    if progress and rows:
        progress(result.imported, len(rows))


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
