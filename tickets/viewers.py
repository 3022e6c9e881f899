"""Who is viewing a ticket right now and who is typing: short-lived entries in the Django
cache (not an agent's availability, which is teams' presence).

Entries expire after VIEWERS_TTL seconds without a heartbeat; the workspace polls.
"""

from __future__ import annotations

import time

from django.core.cache import cache

VIEWERS_TTL = 45
# A heartbeat rewrites the entry only when the viewer's own is older than this (or their
# typing changed): every page load and poll reads the entry, few need to write it.
VIEWERS_REFRESH = 15


def _key(ticket_id: int) -> str:
    return f"tickets:presence:{ticket_id}"


def viewers_touch(*, ticket_id: int, user, typing: bool = False) -> list[dict]:
    """Record that `user` is on the ticket (and whether typing); return the *other* people."""
    now = time.time()
    entries = {
        uid: e
        for uid, e in (cache.get(_key(ticket_id)) or {}).items()
        if now - e["at"] < VIEWERS_TTL
    }
    mine = entries.get(user.pk)
    if mine is None or mine["typing"] != bool(typing) or now - mine["at"] >= VIEWERS_REFRESH:
        entries[user.pk] = {
            "name": user.get_full_name() or user.username,
            "typing": bool(typing),
            "at": now,
        }
        cache.set(_key(ticket_id), entries, VIEWERS_TTL)
    return [e for uid, e in entries.items() if uid != user.pk]


def viewers_leave(*, ticket_id: int, user) -> None:
    entries = cache.get(_key(ticket_id)) or {}
    if entries.pop(user.pk, None) is not None:
        cache.set(_key(ticket_id), entries, VIEWERS_TTL)
