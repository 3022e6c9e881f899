"""Macros: canned replies with placeholders and field actions.

Placeholders are replaced by plain substitution from a fixed list of names — never through
the Django template engine, so a macro body (or a requester's name) cannot run template
code. Values are Markdown-escaped before the body is rendered and sanitized like any reply.
"""

from __future__ import annotations

import re
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from teams.models import PolicyVersion

from .. import events
from ..models import Category, Macro, Ticket
from ._base import lock
from .fields import ticket_tag, ticket_update
from .workflow import ticket_add_note, ticket_assign, ticket_change_status, ticket_reply

KEEP_STATUS = ""  # the reply form's "Keep status": the agent's explicit choice
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
# Characters that would turn a value into a link, image, emphasis, code or raw markup.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


class _FieldChanges(TypedDict, total=False):
    """The plain fields a macro may set through ticket_update."""

    priority: int
    category: Category


def _escape(value: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def _full_name(user) -> str:
    if user is None:
        return "Frontline Support"
    return user.get_full_name() or user.username


def placeholder_values(*, ticket: Ticket, agent) -> dict[str, str]:
    """The placeholders a macro may use and their values for this ticket and agent."""
    requester = ticket.requester
    name = requester.name or requester.email.split("@")[0]
    return {
        "requester.name": name,
        "requester.first_name": name.split()[0] if name.split() else name,
        "requester.email": requester.email,
        "agent.name": _full_name(agent),
        "agent.first_name": (agent.first_name or agent.username) if agent else "Frontline",
        "ticket.reference": ticket.reference,
        "ticket.id": str(ticket.pk),
        "ticket.subject": ticket.subject,
        "ticket.status": ticket.get_status_display(),
        "ticket.priority": ticket.get_priority_display(),
        "ticket.category": ticket.category.name,
        "team.name": ticket.team.name if ticket.team else "",
    }


def macro_render(*, macro: Macro, ticket: Ticket, agent) -> str:
    """The macro's body as Markdown with placeholders filled in; unknown ones stay visible."""
    values = placeholder_values(ticket=ticket, agent=agent)

    def substitute(match: re.Match) -> str:
        key = match.group(1)
        return _escape(values[key]) if key in values else match.group(0)

    return PLACEHOLDER.sub(substitute, macro.body)


def macro_changes(macro: Macro) -> list[str]:
    """What applying `macro` will change besides the reply, as a person reads it
    ("Status: Pending", "Add tags: refund, vip")."""
    actions = _check_actions(macro.actions or {})
    out = []
    if actions.get("status"):
        out.append(f"Status: {Ticket.Status(actions['status']).label}")
    if "priority" in actions:
        out.append(f"Priority: {Ticket.Priority(int(actions['priority'])).label}")
    if actions.get("category"):
        category = Category.objects.filter(slug=actions["category"]).first()
        out.append(f"Category: {category.name if category else actions['category']}")
    if actions.get("tags"):
        out.append(f"Add tags: {', '.join(actions['tags'])}")
    if actions.get("assignee"):
        who = get_user_model().objects.filter(pk=actions["assignee"]).first()
        out.append(f"Assign to: {(who.get_full_name() or who.get_username()) if who else '?'}")
    if actions.get("internal_note"):
        out.append("Add an internal note")
    return out


# The placeholders a macro body may use (placeholder_values fills each one in).
PLACEHOLDER_NAMES = (
    "requester.name",
    "requester.first_name",
    "requester.email",
    "agent.name",
    "agent.first_name",
    "ticket.reference",
    "ticket.id",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "ticket.category",
    "team.name",
)


def unknown_placeholders(body: str) -> list[str]:
    """The {{…}} names in `body` that no ticket would fill in (typos), in order."""
    return [n for n in dict.fromkeys(PLACEHOLDER.findall(body)) if n not in PLACEHOLDER_NAMES]


def _check_actions(actions: dict) -> dict:
    allowed = {"status", "priority", "category", "tags", "assignee", "internal_note"}
    if not isinstance(actions, dict) or set(actions) - allowed:
        raise ValidationError(f"Macro actions may only set {', '.join(sorted(allowed))}.")
    return actions


@transaction.atomic
def ticket_apply_macro(
    *,
    ticket: Ticket,
    by,
    macro: Macro,
    version: int | None = None,
    body: str | None = None,
    status: str | None = None,
    files=(),
) -> Ticket:
    """Apply a macro: post its reply (the rendered body, or `body` as the agent edited it) and
    set status / priority / category / tags / assignee from its actions, all in one transaction.

    `status` is the agent's choice and wins over the macro's status action: None means "the
    macro decides", KEEP_STATUS ("", the reply form's "Keep status") keeps the ticket's status
    even when the macro would set one, any other value sets that status.
    The version is checked once, up front; the steps then run on the locked ticket.
    """
    actions = _check_actions(macro.actions or {})
    ticket = lock(ticket, version)
    events.record(ticket, by, "macro", "macro", "", macro.title)
    text = macro_render(macro=macro, ticket=ticket, agent=by) if body is None else body
    if "priority" in actions or "category" in actions:
        changes: _FieldChanges = {}
        if "priority" in actions:
            changes["priority"] = int(actions["priority"])
        if "category" in actions:
            category = Category.objects.filter(slug=actions["category"], active=True).first()
            if category is None:
                raise ValidationError(
                    f"The macro names an unknown category {actions['category']!r}."
                )
            changes["category"] = category
        ticket_update(ticket=ticket, by=by, **changes)
    if actions.get("tags"):
        ticket_tag(ticket=ticket, by=by, names=actions["tags"])
    if actions.get("assignee"):
        assignee = get_user_model().objects.filter(pk=actions["assignee"], is_active=True).first()
        if assignee is None:
            raise ValidationError("The macro assigns to someone who is no longer active.")
        if assignee.pk != ticket.assignee_id:
            ticket_assign(ticket=ticket, by=by, assignee=assignee)
    if actions.get("internal_note"):
        ticket_add_note(ticket=ticket, by=by, body=str(actions["internal_note"]))
    status = actions.get("status") if status is None else (status or None)
    if text.strip():
        ticket_reply(ticket=ticket, by=by, body=text, status=status, files=files)
    elif status:
        ticket_change_status(ticket=ticket, by=by, status=status)
    return Ticket.objects.get(pk=ticket.pk)


@transaction.atomic
def macro_save(*, macro: Macro) -> Macro:
    """Save a macro someone edited; editing it clears the policy-review flag by recording the
    cited policy's latest version as the one the macro was reviewed against."""
    macro.policy_reviewed_version = (
        PolicyVersion.objects.filter(article_id=macro.policy_article_id).order_by("-number").first()
        if macro.policy_article_id
        else None
    )
    macro.save()
    return macro
