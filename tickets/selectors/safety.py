"""Reads of the safety workflows: a flagged ticket's protocol with its country's resources,
and the authority report as the document that is filed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ..emergency import LAST_REVIEWED, SOURCE, Resources, resources_for
from ..models import AuthorityReport, ImminentRisk, ImminentRiskStep, RiskPhraseSet, Ticket


@dataclass(frozen=True)
class ProtocolStep:
    step: str
    label: str
    done: ImminentRiskStep | None


@dataclass(frozen=True)
class RiskProtocol:
    """What the workspace shows of a flagged ticket."""

    risk: ImminentRisk
    resources: Resources
    steps: list[ProtocolStep]
    source: str = SOURCE
    last_reviewed: Any = LAST_REVIEWED

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done is not None)


def risk_protocol_for(*, ticket: Ticket, protocol) -> RiskProtocol | None:
    """The ticket's flag, its resources and each step of `protocol` ((step, label) pairs)
    with who did it and when; None when the ticket is not flagged. Two queries."""
    risk = ImminentRisk.objects.select_related("lead").filter(ticket=ticket).first()
    if risk is None:
        return None
    done = {s.step: s for s in risk.steps.select_related("done_by")}
    return RiskProtocol(
        risk=risk,
        resources=resources_for(risk.country),
        steps=[ProtocolStep(step, label, done.get(step)) for step, label in protocol],
    )


def risk_phrase_sets() -> list[RiskPhraseSet]:
    return list(RiskPhraseSet.objects.select_related("updated_by").order_by("language"))


def authority_report_for(*, ticket: Ticket) -> AuthorityReport | None:
    return (
        AuthorityReport.objects.select_related("created_by", "filed_by", "legal_hold")
        .filter(ticket=ticket)
        .first()
    )


def _person(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name()}


def authority_report_document(report: AuthorityReport) -> dict[str, Any]:
    """The report as filed: the fields a CyberTipline-like report carries, in one JSON-ready
    dict (the JSON export and the printable page both render it)."""
    ticket = report.ticket
    return {
        "format": "frontline-authority-report/1",
        "reporting_service": settings.FRONTLINE.get("PUBLIC_BASE_URL", ""),
        "ticket": ticket.reference,
        "category": ticket.category.slug,
        "incident": {
            "time": report.incident_at.isoformat() if report.incident_at else None,
            "urls": list(report.urls or []),
        },
        "reported_account": {
            "username": report.account_username,
            "id": report.account_id,
            "email": report.account_email,
            "profile_url": report.account_profile_url,
        },
        "uploader": {"ip_address": report.uploader_ip, "details": report.uploader_details},
        "content": list(report.content or []),
        "reporter_notes": report.reporter_notes,
        "assembled": {"by": _person(report.created_by), "at": report.created_at.isoformat()},
        "legal_hold": {
            "id": report.legal_hold_id,
            "placed_at": report.legal_hold.placed_at.isoformat() if report.legal_hold else None,
            "in_force": bool(report.legal_hold and report.legal_hold.in_force),
        },
        "submission": {
            "reference": report.submission_reference or None,
            "filed_at": report.filed_at.isoformat() if report.filed_at else None,
            "filed_by": _person(report.filed_by),
        },
    }
