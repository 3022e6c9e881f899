"""Admin pages for outbound webhooks: endpoints (secret shown once, rotatable), the delivery
log with filters, a delivery's request body and attempts, and the Replay button.

Access: tickets.permissions.can_manage_webhooks (admins) — every view here starts with it."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors
from ..forms import WebhookDeliveryFilterForm, WebhookEndpointForm
from ..models import WebhookDelivery, WebhookEndpoint
from ..permissions import can_manage_webhooks
from ..services import webhooks as service


def _admins_only(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_manage_webhooks(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _save_endpoint(request, form, endpoint=None):
    """Create or update from a valid form; returns (endpoint, new secret or "")."""
    data = form.cleaned_data
    args = {"url": data["url"], "events": data["events"], "name": data["name"]}
    if endpoint is None:
        return service.webhook_endpoint_create(by=request.user, active=data["active"], **args)
    return service.webhook_endpoint_update(endpoint=endpoint, active=data["active"], **args), ""


@_admins_only
@require_http_methods(["GET", "POST"])
def webhook_endpoints_view(request):
    """The endpoints and a form to add one; a new endpoint's secret is shown on this answer."""
    form = WebhookEndpointForm(request.POST or None, initial={"active": True})
    secret, created, status = "", None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created, secret = _save_endpoint(request, form)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                status, form = 201, WebhookEndpointForm(initial={"active": True})
    context = {
        "endpoints": WebhookEndpoint.objects.order_by("name", "url"),
        "form": form,
        "secret": secret,
        "secret_for": created,
    }
    return render(request, "tickets/webhooks.html", context, status=status)


@_admins_only
@require_http_methods(["GET", "POST"])
def webhook_endpoint_view(request, pk: int):
    """Edit an endpoint (URL, events, active); its secret is never shown again here."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    initial = {k: getattr(endpoint, k) for k in ("name", "url", "events", "active")}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _save_endpoint(request, form, endpoint)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {endpoint}.")
            return redirect("tickets:webhooks")
    status = 400 if form.errors else 200
    context = {"endpoint": endpoint, "form": form}
    return render(request, "tickets/webhook_endpoint.html", context, status=status)


@_admins_only
@require_POST
def webhook_rotate_view(request, pk: int):
    """Give the endpoint a new secret and show it once."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    secret = service.webhook_endpoint_rotate_secret(endpoint=endpoint)
    context = {"endpoint": endpoint, "form": None, "secret": secret}
    return render(request, "tickets/webhook_endpoint.html", context)


@_admins_only
@require_http_methods(["GET"])
def webhook_deliveries_view(request):
    """The delivery log, newest first, filtered by endpoint, event and status."""
    endpoints = WebhookEndpoint.objects.order_by("name", "url")
    form = WebhookDeliveryFilterForm(request.GET or None, endpoints=endpoints)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.webhook_deliveries_for(
        user=request.user,
        endpoint=filters.get("endpoint", ""),
        event=filters.get("event", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "tickets/webhook_deliveries.html", context)


@_admins_only
@require_http_methods(["GET"])
def webhook_delivery_view(request, pk: int):
    """One delivery: the request body as sent, the headers, and every attempt."""
    try:
        delivery = selectors.webhook_delivery_detail(user=request.user, pk=pk)
    except WebhookDelivery.DoesNotExist as exc:
        raise Http404("No such delivery.") from exc
    context = {"delivery": delivery, "body": service.body_bytes(delivery.payload).decode()}
    return render(request, "tickets/webhook_delivery.html", context)


@_admins_only
@require_POST
def webhook_replay_view(request, pk: int):
    """Send the delivery again (same event id and body; a new attempt in its log)."""
    delivery = get_object_or_404(selectors.webhook_deliveries_for(user=request.user), pk=pk)
    service.webhook_replay(delivery=delivery, by=request.user)
    messages.success(request, f"Delivery {delivery.pk} queued to be sent again.")
    return redirect("tickets:webhook_delivery", pk=delivery.pk)
