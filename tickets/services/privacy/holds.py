"""Legal holds: placing and releasing them, and the rule retention and erasure read to leave
held tickets and requesters alone (child-safety evidence, litigation, law-enforcement
requests)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from teams.models import AuditEntry
from teams.services import audit_record

from ... import events
from ...models import LegalHold, Requester, Ticket
from ...permissions import can_legal_hold

REFUSED = "Only leads, managers and admins cleared for this ticket's sensitivity hold it."


def held_requester_ids():
    """Requesters held directly: a subquery of ids."""
    return LegalHold.objects.in_force().filter(requester__isnull=False).values("requester_id")


def held_ticket_ids():
    """Tickets held directly: a subquery of ids."""
    return LegalHold.objects.in_force().filter(ticket__isnull=False).values("ticket_id")


def tickets_under_hold(prefix: str = "") -> Q:
    """The condition "this ticket is held" (on it, or on its requester) for a queryset whose
    ticket is reached through `prefix` ("ticket__" from attachments, "" from tickets)."""
    return Q(**{f"{prefix}pk__in": held_ticket_ids()}) | Q(
        **{f"{prefix}requester_id__in": held_requester_ids()}
    )


def requesters_under_hold() -> Q:
    """The condition "this requester is held" (directly, or through a held ticket of theirs),
    on a Requester queryset."""
    return Q(pk__in=held_requester_ids()) | Q(
        pk__in=Ticket.objects.filter(pk__in=held_ticket_ids()).values("requester_id")
    )


def requester_hold_check(*, requester: Requester) -> None:
    """Raise ValidationError when the requester, or a ticket of theirs, is under a hold in
    force (erasure calls this): the message names the hold so the admin knows whom to ask."""
    hold = (
        LegalHold.objects.in_force()
        .filter(Q(requester=requester) | Q(ticket__requester=requester))
        .select_related("owner")
        .order_by("placed_at", "pk")
        .first()
    )
    if hold is not None:
        what = f"ticket FL-{hold.ticket_id}" if hold.ticket_id else "this requester"
        raise ValidationError(
            f"Refused: {what} is under a legal hold placed by {hold.owner.get_username()} on "
            f"{hold.placed_at:%Y-%m-%d}. Release the hold before erasing."
        )


def _check_may_hold(*, by, ticket: Ticket | None, requester: Requester | None) -> None:
    if ticket is None:
        if requester is None:
            raise ValidationError("Hold either a ticket or a requester.")
        sensitivities = set(requester.tickets.values_list("category__sensitivity", flat=True))
        if not can_legal_hold(by) or not all(can_legal_hold(by, s) for s in sensitivities):
            raise PermissionDenied(
                "Only leads, managers and admins cleared for every ticket of this requester "
                "hold them."
            )
        return
    if not can_legal_hold(by, ticket.category.sensitivity):
        raise PermissionDenied(REFUSED)
    if not Ticket.objects.visible_to(by).filter(pk=ticket.pk).exists():
        raise PermissionDenied(REFUSED)


def _audit(action: str, hold: LegalHold, by) -> None:
    # The reason stays on the hold row: the audit trail never holds free text that may
    # name the requester.
    target = (
        ("tickets.ticket", hold.ticket_id, f"FL-{hold.ticket_id}")
        if hold.ticket_id
        else ("tickets.requester", hold.requester_id, f"Requester #{hold.requester_id}")
    )
    audit_record(actor=by, action=action, target=target, detail={"hold": hold.pk})


@transaction.atomic
def legal_hold_place(
    *, by, reason: str, ticket: Ticket | None = None, requester: Requester | None = None
) -> LegalHold:
    """Place a hold on one ticket or on one requester (exactly one): retention then leaves
    them alone and erasure is refused until released. `by` must be a lead, manager or admin
    cleared for the ticket's sensitivity (PermissionDenied); `reason` is required and only
    one hold may be in force on each (ValidationError). Audited; a ticket's history shows it.
    """
    if (ticket is None) == (requester is None):
        raise ValidationError("Hold either a ticket or a requester.")
    _check_may_hold(by=by, ticket=ticket, requester=requester)
    if not reason.strip():
        raise ValidationError("Give a reason for the hold.")
    existing = LegalHold.objects.in_force().filter(
        **({"ticket": ticket} if ticket is not None else {"requester": requester})
    )
    if existing.exists():
        raise ValidationError("A legal hold is already in force here.")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                ticket=ticket,
                requester=requester,
                owner=by,
                reason=reason.strip(),
                placed_at=timezone.now(),
            )
    except IntegrityError as exc:  # a concurrent placement won the race
        raise ValidationError("A legal hold is already in force here.") from exc
    _audit(AuditEntry.Action.LEGAL_HOLD_PLACE, hold, by)
    if ticket is not None:
        events.record(ticket, by, "legal_hold", "", "", "placed", at=hold.placed_at)
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, by) -> LegalHold:
    """Release a hold in force: the next retention run and an erasure may proceed. The same
    people who may place it may release it; releasing twice is refused (ValidationError)."""
    hold = (
        LegalHold.objects.select_for_update(of=("self",))
        .select_related("ticket__category", "requester")
        .get(pk=hold.pk)
    )
    _check_may_hold(by=by, ticket=hold.ticket, requester=hold.requester)
    if not hold.in_force:
        raise ValidationError("This legal hold was already released.")
    hold.released_at, hold.released_by = timezone.now(), by
    hold.save(update_fields=["released_at", "released_by"])
    _audit(AuditEntry.Action.LEGAL_HOLD_RELEASE, hold, by)
    if hold.ticket is not None:
        events.record(hold.ticket, by, "legal_hold", "", "placed", "released", at=hold.released_at)
    return hold
