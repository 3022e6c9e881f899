"""Safety pages: the imminent-risk protocol's steps on the workspace, the admins' phrase
settings, and the child-safety report to the authority (page, printable document, JSON).

Access: recording a step is working the ticket (can_work); the phrases are admins'
(can_edit_risk_phrases); the report is cleared leads', managers' and admins'
(can_report_to_authority), and every read of it is audited."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import forms, selectors, services
from ..models import RiskPhraseSet, Ticket
from ..permissions import can_edit_risk_phrases, can_report_to_authority
from ..services.authority import is_child_safety
from .workspace import workspace_action


@workspace_action(forms.RiskStepForm)
def risk_step(request, ticket, data):
    services.risk_step_record(ticket=ticket, step=data["step"], by=request.user, note=data["note"])
    return "Protocol step recorded."


ticket_risk_step_view = risk_step


@login_required
@require_http_methods(["GET", "POST"])
def risk_phrases_view(request):
    """Each language's phrases, editable; a blank form adds a language."""
    if not can_edit_risk_phrases(request.user):
        raise PermissionDenied("Only admins change the imminent-risk phrases.")
    status, bound = 200, None
    if request.method == "POST":
        existing = RiskPhraseSet.objects.filter(language=request.POST.get("language", "")).first()
        bound = forms.RiskPhraseSetForm(request.POST, instance=existing, auto_id=_ids(existing))
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                services.risk_phrases_save(
                    by=request.user, language=data["language"], name=data["name"],
                    phrases=data["phrases"], exceptions=data["exceptions"], active=data["active"],
                )  # fmt: skip
            except ValidationError as exc:
                bound.add_error("phrases", exc)
            else:
                messages.success(request, f"Phrases for “{data['language']}” saved.")
                return redirect("tickets:risk_phrases")
        status = 400
    rows = selectors.risk_phrase_sets()
    posted = bound.data.get("language") if bound is not None else None
    sets = [
        (
            row,
            bound
            if posted == row.language
            else forms.RiskPhraseSetForm(instance=row, auto_id=_ids(row)),
        )
        for row in rows
    ]
    new = bound if bound is not None and posted not in {r.language for r in rows} else None
    new = new or forms.RiskPhraseSetForm(initial={"active": True}, auto_id=_ids(None))
    context = {"sets": sets, "new_form": new}
    return render(request, "tickets/risk_phrases.html", context, status=status)


def _ids(row) -> str:
    """Each language's form on the page gets its own element ids (labels stay unambiguous)."""
    return f"id_{row.language if row is not None else 'new'}_%s"


def _report_access(view):
    """Cleared leads, managers and admins only (403 first, before the ticket is looked up),
    then the ticket in their scope (404) and in a child-safety category (404)."""

    @wraps(view)
    @login_required
    def wrapped(request, pk: int, *args, **kwargs):
        if not can_report_to_authority(request.user):
            raise PermissionDenied(
                "Only leads, managers and admins cleared for restricted work see these reports."
            )
        try:
            ticket = selectors.ticket_get_visible(user=request.user, pk=pk)
        except Ticket.DoesNotExist as exc:
            raise Http404("No such ticket in your queues.") from exc
        if not can_report_to_authority(request.user, ticket.category.sensitivity):
            raise PermissionDenied("You are not cleared for this ticket.")
        if not is_child_safety(ticket):
            raise Http404("Only child-safety tickets are reported to the authority.")
        return view(request, ticket, *args, **kwargs)

    return wrapped


def _initial(report) -> dict:
    if report is None:
        return {}
    return {
        **{name: getattr(report, name) for name in services.authority.EDITABLE},
        "urls": "\n".join(report.urls or []),
    }


@_report_access
@require_http_methods(["GET", "POST"])
def authority_report_view(request, ticket):
    """GET: the report (audited). POST action=assemble | save | file."""
    report = selectors.authority_report_for(ticket=ticket)
    form = forms.AuthorityReportForm(initial=_initial(report))
    file_form = forms.AuthorityFileForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        status = 422
        try:
            if action == "assemble":
                services.authority_report_open(ticket=ticket, by=request.user)
                return _back(request, ticket, "Report assembled; the ticket is under legal hold.")
            if report is None:
                raise ValidationError("Assemble the report first.")
            if action == "save":
                form = forms.AuthorityReportForm(request.POST)
                if form.is_valid():
                    services.authority_report_update(
                        report=report, by=request.user, data=form.cleaned_data
                    )
                    return _back(request, ticket, "Report saved.")
            elif action == "file":
                file_form = forms.AuthorityFileForm(request.POST)
                if file_form.is_valid():
                    services.authority_report_file(
                        report=report,
                        by=request.user,
                        reference=file_form.cleaned_data["reference"],
                    )
                    return _back(request, ticket, "Filing recorded.")
            else:
                raise ValidationError("Unknown action.")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        report = selectors.authority_report_for(ticket=ticket)
    if report is not None:
        services.authority_report_viewed(report=report, by=request.user, how="page")
    context = {
        "ticket": ticket, "report": report, "form": form, "file_form": file_form,
        "document": selectors.authority_report_document(report) if report else None,
    }  # fmt: skip
    return render(request, "tickets/authority_report.html", context, status=status)


def _back(request, ticket, text: str):
    messages.success(request, text)
    return redirect(reverse("tickets:authority_report", args=[ticket.pk]))


def _document_or_404(request, ticket, how: str):
    report = selectors.authority_report_for(ticket=ticket)
    if report is None:
        raise Http404("No report assembled for this ticket yet.")
    services.authority_report_viewed(report=report, by=request.user, how=how)
    return report, selectors.authority_report_document(report)


@_report_access
@require_GET
def authority_report_export_view(request, ticket):
    """The structured report as a JSON download (audited)."""
    _report, document = _document_or_404(request, ticket, "json")
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="authority-report-FL-{ticket.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@_report_access
@require_GET
def authority_report_print_view(request, ticket):
    """The report as a printable page (audited)."""
    report, document = _document_or_404(request, ticket, "html")
    response = render(
        request,
        "tickets/authority_report_print.html",
        {"ticket": ticket, "report": report, "document": document},
    )
    response["Cache-Control"] = "no-store"
    return response
