"""The audit trail page (admins): filter, page through with a keyset cursor, export as CSV."""

import json
from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.spreadsheets import csv_lines

from .. import permissions, selectors, services
from ..forms import AuditFilterForm
from ..models import AuditEntry

PAGE = 50
CSV_HEADER = ["at_utc", "actor", "action", "target_type", "target_id", "target", "ip", "user_agent"]


def _filtered(request):
    if not permissions.can_view_audit(request.user):
        raise PermissionDenied("The audit trail is for admins.")
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    values = form.cleaned_data if request.GET and valid else {}
    return form, valid, {k: v for k, v in values.items() if v not in (None, "")}


@login_required
def audit_view(request):
    """Newest first, 50 a page; "Older" carries the last id shown (keyset, not OFFSET)."""
    form, valid, values = _filtered(request)
    entries, older = [], None
    if valid:
        rows = list(selectors.audit_entries(**values)[: PAGE + 1])
        entries = rows[:PAGE]
        older = entries[-1].pk if len(rows) > PAGE else None
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "entries": entries,
        "older": older,
        "query": query.urlencode(),
        "first_page": "before" not in values,
    }
    return render(request, "teams/audit.html", context, status=200 if valid else 400)


def _csv_lines(entries):
    rows = (
        [
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.action,
            e.target_type,
            e.target_id,
            e.target_label,
            e.ip or "",
            e.user_agent,
            json.dumps(e.detail, sort_keys=True, default=str),
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    return csv_lines([*CSV_HEADER, "detail"], rows)


@login_required
def audit_export_view(request):
    """Every entry the filters match (cursor ignored) as CSV; the export is itself audited."""
    form, valid, values = _filtered(request)
    if not valid:
        return render(request, "teams/audit.html", {"form": form, "entries": []}, status=400)
    values.pop("before", None)
    entries = selectors.audit_entries(**values)
    detail = {"filters": {k: str(v) for k, v in values.items()}}
    stream = services.audit_stream(
        _csv_lines(entries),
        actor=request.user,
        action=AuditEntry.Action.AUDIT_EXPORT,
        detail=detail,
        request=request,
    )
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
