"""A ticket's files: downloads and previews behind the safe view's gate (on a sensitive or
restricted ticket the original only after this user's recorded reveal), the blurred
derivative, and the reveal itself."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..models import Attachment
from ..permissions import can_reveal, may_fetch_original
from ._render import attachment_file_response, attachment_preview_response, attachment_safe_response


def _attachment(request, pk) -> Attachment:
    try:
        return selectors.attachment_get_visible(user=request.user, pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404("No such attachment.") from exc


REVEAL_FIRST = (
    "This file is on a sensitive ticket: reveal it first (the reveal is recorded and counts "
    "toward your exposure)."
)


def _original(request, pk) -> Attachment:
    """A visible attachment whose original this user may fetch (403 until revealed)."""
    attachment = _attachment(request, pk)
    if not may_fetch_original(request.user, attachment):
        raise PermissionDenied(REVEAL_FIRST)
    return attachment


@login_required
@require_GET
def attachment_download_view(request, pk: int):
    """Stream a file of a visible ticket, always as a download (nosniff, sandboxed); on a
    sensitive ticket only after this user revealed it."""
    return attachment_file_response(_original(request, pk))


@login_required
@require_GET
def attachment_preview_view(request, pk: int):
    """An image of a visible ticket, re-encoded by Pillow, shown inline (404 for non-images);
    on a sensitive ticket only after this user revealed it."""
    return attachment_preview_response(_original(request, pk))


@login_required
@require_GET
def attachment_safe_view(request, pk: int):
    """The blurred greyscale derivative of an image of a visible ticket (404 for non-images):
    what a sensitive ticket shows before a reveal."""
    return attachment_safe_response(_attachment(request, pk))


@login_required
@require_POST
def attachment_reveal_view(request, pk: int):
    """Reveal the original of a file on a sensitive ticket to this user: recorded once in
    their exposure, the ticket's history and the audit trail; then it is served to them."""
    attachment = _attachment(request, pk)
    if not can_reveal(request.user, attachment.ticket):
        raise PermissionDenied("Your role may not reveal sensitive files.")
    try:
        services.attachment_reveal(attachment=attachment, by=request.user)
    except ValidationError as exc:
        return HttpResponse(exc.messages[0], status=400, content_type="text/plain")
    if request.htmx:
        return HttpResponse(status=204)
    url = reverse("tickets:detail", args=[attachment.ticket_id])
    return redirect(f"{url}#attachment-{attachment.pk}")
