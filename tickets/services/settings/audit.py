"""The audit trail of the Settings area: every change recorded with its before and after."""

from __future__ import annotations

from typing import Any

from teams.models import AuditEntry
from teams.services.audit import audit_record


def setting_audit(*, by, target, section: str, before: dict | None, after: dict | None) -> None:
    """Record one settings change (in the caller's transaction): the section, and the
    setting's values before (None: created) and after (None: deleted)."""
    changed = sorted(
        k
        for k in set(before or {}) | set(after or {})
        if (before or {}).get(k) != (after or {}).get(k)
    )
    detail: dict[str, Any] = {
        "section": section,
        "before": before,
        "after": after,
        "changed": changed,
    }
    audit_record(actor=by, action=AuditEntry.Action.SETTING_CHANGE, target=target, detail=detail)
