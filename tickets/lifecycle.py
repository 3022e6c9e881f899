"""The ticket status transitions: one table, checked by every service that changes status."""

from .models import Ticket

S = Ticket.Status

# from-status → statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED}),
    S.SOLVED: frozenset({S.OPEN, S.PENDING, S.CLOSED}),  # back to open/pending is a reopen
    S.CLOSED: frozenset(),  # final: a new message makes a linked follow-up ticket
}


class TransitionError(ValueError):
    """An illegal status change; the message says which and what is allowed."""


def allowed(current: str) -> frozenset[str]:
    return TRANSITIONS[current]


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS[current]:
        choices = ", ".join(sorted(Ticket.Status(s).label for s in TRANSITIONS[current])) or "none"
        raise TransitionError(
            f"A {Ticket.Status(current).label.lower()} ticket cannot become "
            f"{Ticket.Status(new).label.lower()} (allowed: {choices})."
        )


def is_reopen(current: str, new: str) -> bool:
    return current == S.SOLVED and new in (S.OPEN, S.PENDING)
