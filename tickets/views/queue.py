"""Ticket pages: thin — parse, authorize through the scope, call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from teams.models import Agent

from .. import selectors, services


@login_required
def queue_view(request):
    view = request.GET.get("view", "mine")
    if view not in selectors.QUEUE_VIEWS:
        view = "mine"
    page = Paginator(selectors.ticket_list_for_queue(user=request.user, view=view), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/queue.html",
        {
            "page": page,
            "view": view,
            "views": selectors.QUEUE_VIEWS,
            "counts": selectors.queue_counts(user=request.user),
        },
    )


@require_POST
@login_required
def ticket_claim_next_view(request):
    agent = Agent.objects.filter(user=request.user).first()
    ticket = services.ticket_claim_next(agent=agent) if agent else None
    if ticket is None:
        messages.info(request, "Nothing is waiting for you right now (or you are at capacity).")
        return redirect("tickets:queue")
    return redirect("tickets:detail", pk=ticket.pk)
