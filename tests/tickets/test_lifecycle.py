import itertools

import pytest

from tickets import services
from tickets.lifecycle import TRANSITIONS, TransitionError, check, is_reopen
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
LEGAL = {
    (S.NEW, S.OPEN), (S.NEW, S.PENDING), (S.NEW, S.ON_HOLD), (S.NEW, S.SOLVED),
    (S.OPEN, S.PENDING), (S.OPEN, S.ON_HOLD), (S.OPEN, S.SOLVED),
    (S.PENDING, S.OPEN), (S.PENDING, S.ON_HOLD), (S.PENDING, S.SOLVED),
    (S.ON_HOLD, S.OPEN), (S.ON_HOLD, S.PENDING), (S.ON_HOLD, S.SOLVED),
    (S.SOLVED, S.OPEN), (S.SOLVED, S.PENDING), (S.SOLVED, S.CLOSED),
}  # fmt: skip
ALL_PAIRS = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def test_the_table_is_exactly_the_documented_lifecycle():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_check_allows_only_legal_moves(old, new):
    if (old, new) in LEGAL:
        check(old, new)
    else:
        with pytest.raises(TransitionError, match="cannot become"):
            check(old, new)


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_change_status_service_follows_the_table_and_logs_it(old, new, agent, category):
    from tests.factories import TicketFactory

    ticket = TicketFactory(status=old, category=category, team=agent.team)
    if (old, new) in LEGAL:
        result = services.ticket_change_status(ticket=ticket, by=agent.user, status=new)
        assert result.status == new
        event = TicketEvent.objects.get(ticket=ticket, kind="status")
        assert (event.old, event.new, event.actor) == (old, new, agent.user)
        assert result.reopen_count == (1 if is_reopen(old, new) else 0)
        assert result.version == 2
    else:
        with pytest.raises(TransitionError):
            services.ticket_change_status(ticket=ticket, by=agent.user, status=new)
        ticket.refresh_from_db()
        assert ticket.status == old
        assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_unknown_status_is_a_clear_error(agent, category):
    from tests.factories import TicketFactory

    ticket = TicketFactory(category=category)
    with pytest.raises(TransitionError, match="Unknown status"):
        services.ticket_change_status(ticket=ticket, by=agent.user, status="archived")
