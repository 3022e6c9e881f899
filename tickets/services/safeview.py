"""Safe view on the server: images of sensitive and restricted tickets get a blurred,
greyscale derivative (tickets.mail.attachments.safe_preview_image), and a file's original
leaves the server only after its viewer revealed it here.

Derivatives are made when a file is stored on such a ticket (attachment_add), when a ticket
moves into such a category (ticket_changed) or receives files by a merge, and for files
stored before (`manage.py attachments_make_safe`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from teams.models import AuditEntry, Sensitivity
from teams.services import audit_record, exposure_reveal_record

from .. import events
from ..mail.attachments import IMAGE_TYPES, safe_preview_image
from ..models import Attachment, Ticket


def attachment_make_safe(*, attachment: Attachment, data: bytes | None = None) -> bool:
    """Store the blurred greyscale derivative of an image attachment (read from its file
    unless `data` holds the bytes). True if one was made; False for non-images, for one
    already made, and for an image Pillow cannot decode (that file stays behind the
    reveal with no picture at all)."""
    if attachment.content_type not in IMAGE_TYPES or attachment.safe_preview:
        return False
    if data is None:
        with attachment.file.open("rb") as f:
            data = f.read()
    try:
        derivative = safe_preview_image(data, name=attachment.name)
    except ValidationError:
        return False
    attachment.safe_preview.save("safe.png", ContentFile(derivative), save=False)
    if attachment.pk is not None:
        attachment.save(update_fields=["safe_preview"])
    return True


def attachments_make_safe(*, ticket: Ticket) -> int:
    """Make the derivatives a ticket of a sensitive or restricted category lacks (nothing
    for other tickets). Returns how many were made."""
    if not ticket.category.safe_view:
        return 0
    missing = Attachment.objects.filter(
        ticket=ticket, content_type__in=IMAGE_TYPES, safe_preview=""
    ).order_by("pk")
    return sum(attachment_make_safe(attachment=a) for a in missing)


def attachments_make_safe_all() -> tuple[int, int]:
    """Backfill: make the derivative of every image on a sensitive or restricted ticket that
    lacks one (files stored before safe view existed). Safe to run again: returns (made,
    images Pillow could not read, which stay behind the reveal without a picture)."""
    missing = (
        Attachment.objects.filter(content_type__in=IMAGE_TYPES, safe_preview="")
        .exclude(ticket__category__sensitivity=Sensitivity.NONE)
        .order_by("pk")
    )
    made = failed = 0
    for attachment in missing.iterator():
        if attachment_make_safe(attachment=attachment):
            made += 1
        else:
            failed += 1
    return made, failed


@transaction.atomic
def attachment_reveal(*, attachment: Attachment, by) -> bool:
    """`by` chooses to see the original of a file on a sensitive or restricted ticket.

    The first reveal by a person is recorded for their exposure (teams.ExposureReveal), in
    the ticket's history (a media_revealed event) and in the audit trail; from then on the
    original is served to them. Revealing it again records nothing (returns False). A file
    of a ticket with no sensitivity has nothing to reveal: ValidationError."""
    ticket = attachment.ticket
    sensitivity = ticket.category.sensitivity
    if not ticket.category.safe_view:
        raise ValidationError("This file is not on a sensitive ticket: there is nothing to reveal.")
    _, created = exposure_reveal_record(
        user=by, ticket_id=ticket.pk, attachment_id=attachment.pk, sensitivity=sensitivity
    )
    if not created:
        return False
    events.record(ticket, by, "media_revealed", "attachment", "", attachment.pk)
    audit_record(
        actor=by,
        action=AuditEntry.Action.MEDIA_REVEAL,
        target=ticket,
        detail={"attachment": attachment.pk, "sensitivity": sensitivity},
    )
    return True
