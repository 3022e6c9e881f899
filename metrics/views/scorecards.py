"""Settings → QA scorecards (reached from the Settings landing page by URL name): the list
with each scorecard's versions, the editor (sections, criteria, weights, auto-fail) with its
preview of each criterion's share of the score, saving a draft and publishing it. A published
version never changes: editing the scorecard saves a new draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services
from ..models import Scorecard, ScorecardVersion
from ..permissions import can_edit_scorecards
from ..scorecard_forms import CriterionRows, ScorecardForm, rows_initial, scorecard_initial

TEMPLATE = "metrics/scorecard_form.html"


def _editor(view):
    def wrapped(request, *args, **kwargs):
        if not can_edit_scorecards(request.user):
            raise PermissionDenied("Scorecards are edited by QA analysts and admins.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@_editor
def scorecards_view(request):
    context = {"scorecards": selectors.scorecards_with_versions()}
    return render(request, "metrics/scorecards.html", context)


def _forms(scorecard: Scorecard | None, data=None):
    latest = scorecard.versions.order_by("-number").first() if scorecard else None
    content = services.scorecard_content(latest)
    form = ScorecardForm(data, initial=scorecard_initial(scorecard))
    # Bound rows carry no initial: an unchanged row must count as typed, not as left empty.
    initial = rows_initial(content) if data is None else None
    rows = CriterionRows(data, initial=initial, prefix="c")
    return form, rows, latest


@_editor
@require_http_methods(["GET", "POST"])
def scorecard_edit_view(request, pk: int | None = None):
    scorecard = get_object_or_404(Scorecard, pk=pk) if pk else None
    form, rows, latest = _forms(scorecard, request.POST if request.method == "POST" else None)
    context = {"form": form, "rows": rows, "scorecard": scorecard, "latest": latest}
    if request.method == "POST" and "_preview" in request.POST:
        return render(request, TEMPLATE, {**context, **_preview(form, rows)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and rows.is_valid():
            try:
                draft = services.scorecard_draft_save(
                    scorecard=scorecard,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    sections=rows.sections(),
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Saved draft version {draft.number} of “{draft.scorecard.name}”. "
                    "Reviewers keep the published version until you publish this one.",
                )
                return redirect("metrics:scorecards")
    return render(request, TEMPLATE, context, status=status)


@_editor
@require_POST
def scorecard_preview_view(request, pk: int | None = None):
    """Each criterion's share of a full score and the auto-fail ones, nothing saved (htmx)."""
    scorecard = get_object_or_404(Scorecard, pk=pk) if pk else None
    form, rows, _ = _forms(scorecard, request.POST)
    return render(request, f"{TEMPLATE}#preview", _preview(form, rows))


def _preview(form, rows) -> dict:
    valid = form.is_valid() & rows.is_valid()
    problems = [str(e) for e in form.non_field_errors()] + [str(e) for e in rows.non_form_errors()]
    for i, errors in enumerate(rows.errors):
        problems += [f"Row {i + 1}: {e}" for field in errors.values() for e in field]
    shares = services.weight_shares(rows.sections()) if valid else None
    return {"shares": shares, "problems": problems}


@_editor
@require_POST
def scorecard_publish_view(request, pk: int):
    version = get_object_or_404(ScorecardVersion.objects.select_related("scorecard"), pk=pk)
    try:
        services.scorecard_version_publish(version=version, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        context = {"scorecards": selectors.scorecards_with_versions()}
        return render(request, "metrics/scorecards.html", context, status=400)
    messages.success(request, f"Published version {version.number} of “{version.scorecard.name}”.")
    return redirect("metrics:scorecards")
