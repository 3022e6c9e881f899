"""An e-mail kept as a file (the original of an inbound message, or one attached to it),
readable in the browser: its headers and its whole body — nothing folded, sanitised, no
remote image fetched. Same access as the file's download (the ticket's scope, and on a
sensitive ticket only after a reveal); addresses only for viewers with the PII permission."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from teams.permissions import scope_for

from .. import selectors
from ..mail.inbound import UnreadableEmail, parse
from ..models import Attachment
from ..permissions import may_fetch_original
from .attachments import REVEAL_FIRST


@login_required
@require_GET
def attachment_email_view(request, pk: int):
    try:
        attachment = selectors.attachment_get_visible(user=request.user, pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404("No such attachment.") from exc
    if attachment.content_type != "message/rfc822":
        raise Http404("This file is not an e-mail.")
    if not may_fetch_original(request.user, attachment):  # the safe view's gate: an e-mail
        # on a sensitive ticket can carry the original images, so it opens after a reveal
        raise PermissionDenied(REVEAL_FIRST)
    with attachment.file.open("rb") as fh:
        raw = fh.read()
    try:
        parsed = parse(raw)
    except UnreadableEmail:
        parsed = None
    context = {
        "attachment": attachment,
        "email": parsed,
        "show_addresses": scope_for(request.user).can_view_pii,
    }
    return render(request, "tickets/email_original.html", context, status=200 if parsed else 422)
