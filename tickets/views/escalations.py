"""The Escalations page (hand-off briefs, acknowledge, resolve) and the user's notifications.

Each action is a plain form POST (PRG back to where it came from); with htmx the page's list
fragment comes back instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..forms import ResolveEscalationForm
from ..permissions import can_handle_escalation, can_take_on_escalations
from ._render import render_page_or_partial

TEMPLATE = "tickets/escalations.html"
BULK_ACK_LIMIT = 200


def _page(request, state: str, status: int = 200):
    sort = request.GET.get("sort", "ack")
    sort = sort if sort in selectors.ESCALATION_SORTS else "ack"
    rows = selectors.escalation_list(user=request.user, state=state, sort=sort)
    for escalation in rows:
        escalation.can_handle = can_handle_escalation(request.user, escalation)
    context = {
        "rows": rows,
        "sort": sort,
        "can_ack_any": any(e.can_handle and not e.acknowledged_at for e in rows),
        "bulk_limit": BULK_ACK_LIMIT,
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
def escalation_bulk_acknowledge_view(request):
    """Acknowledge the ticked escalations, each on its own (the same service and rule as one
    at a time); the message says which were taken on and which were refused and why. Only
    the roles that take on escalations (leads, managers, admins) may post it."""
    if not can_take_on_escalations(request.user):
        raise PermissionDenied("Only leads, managers and admins take on escalations.")
    ids = [int(v) for v in request.POST.getlist("escalation") if v.isdigit()]
    if not ids or len(ids) > BULK_ACK_LIMIT:
        messages.error(request, f"Tick between 1 and {BULK_ACK_LIMIT} escalations to acknowledge.")
        return _back(request)
    found = {e.pk: e for e in selectors.escalations_visible_to(request.user).filter(pk__in=ids)}
    done, refused = [], []
    for pk in ids:
        escalation = found.get(pk)
        if escalation is None:
            refused.append(f"#{pk} (not in your queues)")
            continue
        try:
            services.escalation_acknowledge(escalation=escalation, by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            refused.append(f"FL-{escalation.ticket_id} ({'; '.join(_reasons(exc))})")
        else:
            done.append(f"FL-{escalation.ticket_id}")
    if done:
        messages.success(request, f"Acknowledged {len(done)}: {', '.join(done)}.")
    if refused:
        messages.warning(request, f"Refused {len(refused)}: {', '.join(refused)}.")
    return _back(request)


def _reasons(exc: Exception) -> list[str]:
    return list(getattr(exc, "messages", [str(exc)]))


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
    "escalation_bulk_acknowledge_view",
    "escalation_acknowledge_view",
    "escalation_list_view",
    "escalation_resolve_view",
    "notification_list_view",
    "notifications_read_view",
]
