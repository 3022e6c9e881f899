"""Escalation: the SLA sweep (at risk, breach, second level, missed acknowledgements) and
manual escalation by people.

The sweep claims SLA rows with guarded UPDATE … RETURNING statements (warned_at IS NULL,
escalation_level = 0 / 1), so each warning and each level fires once however many sweeps run
at once: on PostgreSQL a concurrent sweep blocks on the row, re-checks the guard and skips it.
Everything a sweep does happens in one transaction — a worker killed mid-sweep rolls back and
the next sweep does the whole work again, once.
"""

from .common import ESCALATED_TAG, LEVELS, MAX_LEVEL, ack_minutes
from .manual import escalation_acknowledge, escalation_resolve, ticket_escalate
from .sweep import SweepResult, sla_sweep

__all__ = [
    "ESCALATED_TAG",
    "LEVELS",
    "MAX_LEVEL",
    "SweepResult",
    "ack_minutes",
    "escalation_acknowledge",
    "escalation_resolve",
    "sla_sweep",
    "ticket_escalate",
]
