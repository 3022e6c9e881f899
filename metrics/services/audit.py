"""Exports and scheduled reports in the audit trail: who exported which dataset, with what
filters, how many rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from teams.models import AuditEntry
from teams.services import audit_record, audit_stream


def _target(detail: dict) -> tuple[str, str]:
    return ("metrics.dataset", detail.get("dataset", ""))


def export_audit(*, by, detail: dict, rows: int, request=None) -> None:
    """Record one export download (`detail`: dataset, format, filters) of `rows` rows."""
    audit_record(
        actor=by,
        action=AuditEntry.Action.EXPORT,
        target=_target(detail),
        detail={**detail, "rows": rows, "complete": True},
        request=request,
    )


def export_audited_stream(
    lines: Iterable[str], *, by, detail: dict, request=None, rows: Callable[[], int] | None = None
) -> Iterator[str]:
    """A streamed CSV export, recorded when the stream ends (rows sent, complete or not);
    `rows` reports the rows sent when chunks hold many lines."""
    return audit_stream(
        lines,
        actor=by,
        action=AuditEntry.Action.EXPORT,
        target=_target(detail),
        detail=detail,
        request=request,
        rows=rows,
    )
