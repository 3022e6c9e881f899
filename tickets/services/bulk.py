"""Bulk actions from the queue and search results: one change applied to many tickets.

Each ticket goes through the same service a person's single change uses (ticket_assign,
ticket_change_status, ticket_update, ticket_tag / ticket_untag, ticket_apply_macro), in its
own transaction, so access, the exposure rule and version conflicts are each enforced per
ticket; a refusal on one ticket leaves the others done. Nothing here overrides the exposure
rule: a refused exposure is reported as refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from ..lifecycle import TransitionError
from ..models import Macro, Ticket
from ..permissions import can_work
from ._base import ExposureRefused, StaleVersionError
from .fields import ticket_tag, ticket_untag, ticket_update
from .macros import ticket_apply_macro
from .workflow import ticket_assign, ticket_change_status

BULK_LIMIT = 200  # tickets per bulk action (said in the UI)
BULK_ACTIONS = {
    "assign": "Assign",
    "status": "Change status",
    "priority": "Change priority",
    "tag": "Add tags",
    "untag": "Remove tags",
    "macro": "Apply macro",
}


@dataclass
class BulkResult:
    """What a bulk action did: references done, and (reference, why) for each refusal."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BulkChange:
    """One bulk action and its argument: an assignee (None unassigns), a status, a priority,
    tag names or a macro."""

    action: str
    assignee: object = None
    status: str = ""
    priority: int = 0
    tags: tuple[str, ...] = ()
    macro: Macro | None = None


def _apply(change: BulkChange, ticket: Ticket, by, version: int | None) -> None:
    common = {"ticket": ticket, "by": by, "version": version}
    if change.action == "assign":
        ticket_assign(assignee=change.assignee, **common)
    elif change.action == "status":
        ticket_change_status(status=change.status, **common)
    elif change.action == "priority":
        ticket_update(priority=change.priority, **common)
    elif change.action == "tag":
        ticket_tag(names=list(change.tags), **common)
    elif change.action == "untag":
        ticket_untag(names=list(change.tags), **common)
    elif change.action == "macro" and change.macro is not None:
        if change.macro.team_id not in (None, ticket.team_id):
            raise ValidationError(f"The macro “{change.macro.title}” is not for this team.")
        ticket_apply_macro(macro=change.macro, **common)
    else:
        raise ValidationError(f"Unknown bulk action {change.action!r}.")


def tickets_bulk_apply(*, by, versions: dict[int, int | None], change: BulkChange) -> BulkResult:
    """Apply `change` to each ticket in `versions` (pk -> the version the person confirmed,
    None to skip the check), one transaction per ticket, and say what was refused and why."""
    if not can_work(by):
        raise PermissionDenied("Your role reads tickets but does not change them.")
    if len(versions) > BULK_LIMIT:
        raise ValidationError(f"At most {BULK_LIMIT} tickets per bulk action.")
    visible = {t.pk: t for t in Ticket.objects.visible_to(by).filter(pk__in=list(versions))}
    result = BulkResult()
    for pk, version in versions.items():
        ticket = visible.get(pk)
        reference = ticket.reference if ticket else f"FL-{pk}"
        if ticket is None:
            result.refused.append((reference, "Access: not a ticket in your queues."))
            continue
        try:
            _apply(change, ticket, by, version)
        except StaleVersionError:
            why = "Version conflict: changed by someone else since you confirmed."
            result.refused.append((reference, why))
        except ExposureRefused as exc:
            result.refused.append((reference, f"Exposure rule: {_first_sentence(exc)}"))
        except PermissionDenied as exc:
            result.refused.append((reference, f"Access: {exc}"))
        except (ValidationError, TransitionError) as exc:
            why = "; ".join(getattr(exc, "messages", [str(exc)]))
            result.refused.append((reference, f"Not allowed: {why}"))
        else:
            result.done.append(reference)
    return result


def _first_sentence(exc: Exception) -> str:
    """The rule's reason without the single-ticket hint about overriding (none in bulk)."""
    text = str(exc)
    return text.split(" Give an override reason")[0]
