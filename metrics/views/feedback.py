"""Product-feedback escalations filed from volume-spike alerts: file, list, open."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import services
from ..permissions import can_see_team_figures
from ..selectors.alerts import (
    feedback_category,
    product_feedback_tickets,
    product_feedback_visible,
)


def _require_dashboard(user):
    if not can_see_team_figures(user):
        raise PermissionDenied("Product feedback is for leads, managers and QA analysts.")


@require_POST
@login_required
def feedback_file_view(request):
    """The alert's one-click "file product feedback" (category slug + the window's end)."""
    _require_dashboard(request.user)
    category = feedback_category(user=request.user, slug=request.POST.get("category", ""))
    try:
        until = datetime.fromisoformat(request.POST.get("until", ""))
    except ValueError:
        until = None
    if category is None or until is None or until.tzinfo is None:
        return HttpResponse(
            "Cannot file: the alert needs a category you may see and its window's end time "
            "(ISO date-time with a time zone).",
            status=400,
            content_type="text/plain",
        )
    try:
        filing, created = services.product_feedback_file(
            user=request.user, category=category, until=until
        )
    except ValidationError as exc:
        return HttpResponse(
            f"Cannot file: {' '.join(exc.messages)}", status=400, content_type="text/plain"
        )
    if created:
        messages.success(request, f"Filed product feedback PF-{filing.pk}.")
    else:
        messages.info(request, f"This spike was already filed as PF-{filing.pk}.")
    return redirect("metrics:feedback_detail", pk=filing.pk)


@login_required
def feedback_list_view(request):
    _require_dashboard(request.user)
    filings = product_feedback_visible(request.user)[:200]
    return render(request, "metrics/feedback_list.html", {"filings": filings})


@login_required
def feedback_detail_view(request, pk: int):
    _require_dashboard(request.user)
    filing = get_object_or_404(product_feedback_visible(request.user), pk=pk)
    tickets = product_feedback_tickets(user=request.user, filing=filing)
    return render(request, "metrics/feedback_detail.html", {"filing": filing, "tickets": tickets})
