"""Bulk actions from the queue (and its search results): the selected tickets and one change
are shown for confirmation, then applied ticket by ticket (tickets.services.bulk) and
summarised: what was done, what was refused and why."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..models import Ticket
from ..permissions import can_work

TEMPLATE = "tickets/bulk.html"


def _versions(values: list[str]) -> dict[int, int | None]:
    """Ticket ids as posted: "12" from the queue, "12:7" (id:version) from the confirmation."""
    versions: dict[int, int | None] = {}
    for value in values:
        pk, _, version = value.partition(":")
        if not pk.isdigit() or (version and not version.isdigit()):
            raise ValidationError(f"{value!r} is not a ticket.")
        versions[int(pk)] = int(version) if version else None
    if not versions:
        raise ValidationError("Select at least one ticket.")
    if len(versions) > services.BULK_LIMIT:
        raise ValidationError(
            f"{len(versions)} tickets selected; at most {services.BULK_LIMIT} per bulk action."
        )
    return versions


def _change(request) -> tuple[services.BulkChange, str]:
    """The change asked for and how it reads ("Change status to Solved")."""
    post = request.POST
    action = post.get("action", "")
    label = services.BULK_ACTIONS.get(action)
    if label is None:
        raise ValidationError("Choose what to do with the selected tickets.")
    if action == "assign":
        who = post.get("assignee", "")
        if who in ("", "none"):
            return services.BulkChange(action, assignee=None), "Unassign"
        pk = request.user.pk if who == "me" else (int(who) if who.isdigit() else 0)
        user = get_user_model().objects.filter(pk=pk).first()
        if user is None:
            raise ValidationError("No such agent.")
        return services.BulkChange(action, assignee=user), f"Assign to {user.get_full_name()}"
    if action == "status":
        status = post.get("status", "")
        if status not in Ticket.Status.values:
            raise ValidationError("Choose a status.")
        return services.BulkChange(action, status=status), f"{label}: {Ticket.Status(status).label}"
    if action == "priority":
        priority = post.get("priority", "")
        if not priority.isdigit() or int(priority) not in Ticket.Priority.values:
            raise ValidationError("Choose a priority.")
        priority_label = Ticket.Priority(int(priority)).label
        return services.BulkChange(action, priority=int(priority)), f"{label}: {priority_label}"
    if action in ("tag", "untag"):
        tags = tuple(t.strip() for t in post.get("tags", "").split(",") if t.strip())
        if not tags:
            raise ValidationError("Name at least one tag (comma-separated).")
        return services.BulkChange(action, tags=tags), f"{label}: {', '.join(tags)}"
    macro_id = post.get("macro", "")
    macro = (
        selectors.macros_for_teams_of(user=request.user).filter(pk=macro_id).first()
        if macro_id.isdigit()
        else None
    )
    if macro is None:
        raise ValidationError("Choose a macro.")
    return services.BulkChange(action, macro=macro), f"{label}: {macro.title}"


@login_required
@require_POST
def tickets_bulk_view(request):
    """Without `confirm`: the selected tickets (as they are now) and the change, to confirm.
    With it: apply and show the summary. Bad input answers 400 with the reason."""
    if not can_work(request.user):
        raise PermissionDenied("Your role reads tickets but does not change them.")
    try:
        versions = _versions(request.POST.getlist("ticket"))
        change, described = _change(request)
    except ValidationError as exc:
        context = {"error": "; ".join(exc.messages), "limit": services.BULK_LIMIT}
        return render(request, TEMPLATE, context, status=400)
    context = {
        "change": change,
        "described": described,
        "post": request.POST,
        "limit": services.BULK_LIMIT,
    }
    if request.POST.get("confirm") != "1":
        tickets = list(
            Ticket.objects.visible_to(request.user)
            .filter(pk__in=list(versions))
            .select_related("assignee")
            .order_by("pk")
        )
        seen = {t.pk for t in tickets}
        context.update(tickets=tickets, hidden=[pk for pk in versions if pk not in seen])
        return render(request, TEMPLATE, context)
    context["result"] = services.tickets_bulk_apply(
        by=request.user, versions=versions, change=change
    )
    return render(request, TEMPLATE, context)
