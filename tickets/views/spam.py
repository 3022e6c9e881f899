"""The Spam view: inbound mail held as spam, for leads and admins to release (Not spam: it
becomes a ticket or a reply), delete, or delete and block its sender.

Access: tickets.permissions.can_review_held_mail — every view here starts with it."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..mail.inbound import UnreadableEmail
from ..models import HeldEmail
from ..permissions import can_review_held_mail
from ..services.email_in import held_email_delete, held_email_release, sender_block


def _reviewers_only(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_review_held_mail(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


@_reviewers_only
@require_GET
def spam_list_view(request):
    """Held messages, newest first, 50 a page: sender, subject, why it was held, first words."""
    return render(request, "tickets/spam.html", _context(request))


@_reviewers_only
@require_POST
def spam_release_view(request, pk: int):
    held = get_object_or_404(HeldEmail, pk=pk)
    try:
        result = held_email_release(held=held)
    except (UnreadableEmail, ValidationError) as exc:
        text = " ".join(getattr(exc, "messages", [str(exc)]))
        messages.error(request, f"Could not file the message: {text}")
        return render(request, "tickets/spam.html", _context(request), status=400)
    if result.ticket is not None:
        messages.success(request, f"Filed as {result.ticket.reference}.")
    else:
        messages.info(request, f"Not filed: {result.reason or result.outcome}.")
    return redirect("tickets:spam")


@_reviewers_only
@require_POST
def spam_delete_view(request, pk: int):
    held_email_delete(held=get_object_or_404(HeldEmail, pk=pk))
    messages.success(request, "Message deleted.")
    return redirect("tickets:spam")


@_reviewers_only
@require_POST
def spam_block_view(request, pk: int):
    blocked = sender_block(held=get_object_or_404(HeldEmail, pk=pk), by=request.user)
    messages.success(request, f"{blocked.email} is blocked: their mail is dropped from now on.")
    return redirect("tickets:spam")


def _context(request) -> dict:
    held = HeldEmail.objects.defer("raw")
    return {"page": Paginator(held, 50).get_page(request.GET.get("page"))}
