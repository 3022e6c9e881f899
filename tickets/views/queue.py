"""The queue: views (mine, team, unassigned, escalations, all), the shared FilterSet,
keyset pages, counts per view, saved views, and "get next ticket"."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import selectors, services
from ..filters import TicketFilter, filter_options, filter_values, filters_given
from ..models import SavedView
from ..pagination import SORT_LABELS, BadCursor, paginate
from ..permissions import can_work
from ._render import render_page_or_partial


def _query_without(request, *drop) -> str:
    pairs = [(k, v) for k, vs in request.GET.lists() if k not in drop for v in vs if v != ""]
    return urlencode(pairs)


@login_required
@require_GET
def queue_view(request):
    view = request.GET.get("view", "mine")
    view = view if view in selectors.QUEUE_VIEWS else "mine"
    context = {
        "view": view,
        "views": selectors.QUEUE_VIEWS,
        "counts": selectors.queue_counts(user=request.user),
        "count_cap": selectors.ALL_COUNT_CAP,
        "filters": filter_values(request.GET),
        "options": filter_options(request.user),
        "sorts": SORT_LABELS,
        "saved_views": selectors.saved_views_for(user=request.user),
        "query": _query_without(request, "after"),
        "query_no_view": _query_without(request, "after", "view"),
        "can_work": can_work(request.user),
        "bulk_actions": services.BULK_ACTIONS,
        "bulk_limit": services.BULK_LIMIT,
        "error": "",
    }
    if context["can_work"] and not request.htmx:  # the bulk bar is outside the results
        context["bulk_macros"] = selectors.macros_for_teams_of(user=request.user)
    status = 200
    try:

        def parts():
            return selectors.ticket_parts_for_queue(user=request.user, view=view)

        reuse = selectors.queue_statement_key(user=request.user, view=view)
        if filters_given(request.GET):  # an empty filter form filters nothing: not built
            base = selectors.ticket_list_for_queue(user=request.user, view=view)
            filterset = TicketFilter(request.GET, queryset=base, user=request.user)
            if not filterset.is_valid():
                raise BadCursor("; ".join(e for errs in filterset.errors.values() for e in errs))
            parts, reuse = filterset.filter_each(parts()), None
        context["page"] = paginate(
            parts,
            sort=request.GET.get("sort", "urgent"),
            cursor=request.GET.get("after"),
            reuse=reuse,
        )
    except BadCursor as exc:
        context["error"], status = str(exc), 400
    return render_page_or_partial(request, "tickets/queue.html", "results", context, status)


@login_required
@require_POST
def saved_view_create_view(request):
    name = request.POST.get("name", "").strip()[:80]
    query = request.POST.get("query", "")[:1000]
    if not name:
        messages.error(request, "Give the view a name.")
        return redirect(f"{reverse('tickets:queue')}?{query}")
    try:
        SavedView.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
    except IntegrityError:
        messages.error(request, "Could not save that view.")
    else:
        messages.success(request, f"Saved view “{name}”.")
    return redirect(f"{reverse('tickets:queue')}?{query}")


@login_required
@require_POST
def saved_view_delete_view(request, pk: int):
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    view.delete()
    messages.success(request, f"Deleted view “{view.name}”.")
    return redirect("tickets:queue")


def open_next_ticket(request, *, after: str = "", sent: int | None = None):
    """Claim the next ticket from get-next for the signed-in agent and answer with a redirect
    to it (the queue, with the reason, when there is none). `after` prefixes the message
    (e.g. "Reply sent."); `sent` names the ticket just replied to, whose saved reply draft
    the next page clears (static/js/frontline.js). htmx callers get a client redirect."""
    agent = getattr(request.user, "agent", None)  # loaded by the time-zone middleware
    try:
        ticket = services.ticket_claim_next(agent=agent) if agent else None
    except services.ClaimRefused as refused:
        messages.warning(request, f"{after} {refused}".strip())
        target = reverse("tickets:queue")
    else:
        if ticket is None:
            messages.info(
                request,
                f"{after} Nothing is waiting for you right now (or you are at capacity).".strip(),
            )
            target = reverse("tickets:queue")
        else:
            if after:
                messages.success(request, f"{after} Next: {ticket.reference}.")
            target = reverse("tickets:detail", args=[ticket.pk])
    if sent is not None:
        target = f"{target}?{urlencode({'sent_from': sent})}"
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@login_required
@require_POST
def ticket_claim_next_view(request):
    if not can_work(request.user):
        raise PermissionDenied("Your role reads tickets but does not take them from the queue.")
    return open_next_ticket(request)
