"""The Escalations page (hand-off briefs, acknowledge, resolve) and the user's notifications.

Each action is a plain form POST (PRG back to where it came from); with htmx the page's list
fragment comes back instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..forms import ResolveEscalationForm
from ..permissions import can_handle_escalation
from ._render import render_page_or_partial

TEMPLATE = "tickets/escalations.html"


def _page(request, state: str, status: int = 200):
    rows = selectors.escalation_list(user=request.user, state=state)
    for escalation in rows:
        escalation.can_handle = can_handle_escalation(request.user, escalation)
    context = {
        "rows": rows,
        "state": state,
        "states": selectors.ESCALATION_STATES,
        "now": timezone.now(),
    }
    return render_page_or_partial(request, TEMPLATE, "rows", context, status)


@login_required
@require_GET
def escalation_list_view(request):
    state = request.GET.get("state", "open")
    return _page(request, state if state in selectors.ESCALATION_STATES else "open")


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("tickets:escalations")


def _escalation_action(request, pk: int, act, done: str):
    escalation = selectors.escalations_visible_to(request.user).filter(pk=pk).first()
    if escalation is None:
        raise Http404("No such escalation in your queues.")
    act(escalation)  # PermissionDenied (not the receiving lead) answers 403
    if request.htmx:
        return _page(request, "open")
    messages.success(request, done.format(ref=f"FL-{escalation.ticket_id}"))
    return _back(request)


@login_required
@require_POST
def escalation_acknowledge_view(request, pk: int):
    return _escalation_action(
        request,
        pk,
        lambda e: services.escalation_acknowledge(escalation=e, by=request.user),
        "You took on the escalation of {ref}.",
    )


@login_required
@require_POST
def escalation_resolve_view(request, pk: int):
    form = ResolveEscalationForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _escalation_action(
        request,
        pk,
        lambda e: services.escalation_resolve(escalation=e, by=request.user, note=note),
        "Escalation of {ref} resolved.",
    )


@login_required
@require_GET
def notification_list_view(request):
    return render_page_or_partial(
        request,
        "tickets/notifications.html",
        "list",
        {"notices": selectors.notifications_for(user=request.user)},
    )


@login_required
@require_POST
def notifications_read_view(request):
    services.notifications_mark_read(user=request.user)
    return redirect("tickets:notifications")


__all__ = [
    "escalation_acknowledge_view",
    "escalation_list_view",
    "escalation_resolve_view",
    "notification_list_view",
    "notifications_read_view",
]
