"""URLs of one ticket's workspace and its actions, built by core.urls.path_for (each named
URL reversed once per process)."""

from __future__ import annotations

from core.urls import path_for, resolving_now

# The workspace's own actions, by the short name the template uses (tickets:<name>).
TICKET_ACTIONS = (
    "detail",
    "reply",
    "note",
    "status",
    "fields",
    "assign",
    "tags",
    "merge",
    "escalate",
    "legal_hold",
    "risk_step",
    "authority_report",
    "preview",
    "macro",
    "presence",
    "work",
)


def ticket_paths(pk: int) -> dict[str, str]:
    """The URLs of one ticket's workspace and its actions, by short name ("reply", …)."""
    resolving = resolving_now()
    return {name: path_for(f"tickets:{name}", pk, resolving=resolving) for name in TICKET_ACTIONS}
