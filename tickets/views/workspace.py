"""The ticket workspace: one page, every action a plain form POST, htmx swaps the workspace.

A stale version answers 409 with the current ticket and the user's typed text kept; a
refused action answers 4xx with the reason, also keeping the text. Success redirects (PRG)
or, for htmx, returns the fresh workspace fragment.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.urls import path_for
from teams.models import Team
from teams.permissions import can_override_exposure_at_all, scope_for

from .. import forms, lifecycle, selectors, services
from ..mail.sanitize import markdown_to_html
from ..models import Ticket
from ..paths import ticket_paths
from ..permissions import (
    can_add_note,
    can_handle_escalation,
    can_legal_hold,
    can_qa_review,
    can_report_to_authority,
    can_work,
    escalation_targets,
    macros_editable_by,
)
from ..services.authority import is_child_safety
from ..viewers import viewers_touch
from ._render import (
    render_page_or_partial,
    uploaded_files,
)
from .queue import open_next_ticket

TEMPLATE = "tickets/workspace.html"


def _workspace(request, pk):
    try:
        return selectors.ticket_workspace(user=request.user, pk=pk)
    except Ticket.DoesNotExist as exc:
        raise Http404("No such ticket in your queues.") from exc


def render_workspace(
    request, pk, *, status=200, drafts=None, error="", stale=None, ws=None, **extra
):
    ws = ws or _workspace(request, pk)
    drafts = drafts or {}
    for escalation in ws.escalations:
        escalation.can_handle = can_handle_escalation(request.user, escalation)
    macro_text = extra.pop("macro_text", None)
    partial = extra.pop("partial", "workspace")
    posted = extra.pop("posted", {})
    context = {
        "ws": ws,
        "ticket": ws.ticket,
        "paths": {
            **ticket_paths(ws.ticket.pk),
            "queue": path_for("tickets:queue"),
            "claim_next": path_for("tickets:claim_next"),
        },
        "next_statuses": sorted(lifecycle.allowed(ws.ticket.status)),
        "priorities": Ticket.Priority.choices,
        "reply_statuses": forms.ReplyForm.base_fields["status"].choices,
        "others": viewers_touch(ticket_id=ws.ticket.pk, user=request.user),
        "reply_text": macro_text if macro_text is not None else drafts.get("reply", ""),
        "note_text": drafts.get("note", ""),
        "error": error,
        "stale": stale,
        "can_work": can_work(request.user),
        "can_note": can_add_note(request.user),
        "can_qa_review": can_qa_review(request.user, ws.ticket),  # metrics:qa_review
        "can_override_exposure": can_override_exposure_at_all(request.user),
        "escalation_levels": forms.EscalateForm.base_fields["level"].choices,
        "escalation_teams": [  # the ticket's own team is the form's first choice
            (t.pk, t.name)
            for t in escalation_targets(request.user, ws.ticket)
            if t.pk != ws.ticket.team_id
        ],
        "can_legal_hold": can_legal_hold(request.user, ws.ticket.category.sensitivity),
        "risk": selectors.risk_protocol_for(ticket=ws.ticket, protocol=services.PROTOCOL)
        if ws.ticket.has_imminent_risk
        else None,
        "can_report_to_authority": is_child_safety(ws.ticket)
        and can_report_to_authority(request.user, ws.ticket.category.sensitivity),
        "posted": posted,
        "reply_status": extra.pop("reply_status", posted.get("status", "")),
        "revealed": ws.revealed,  # recorded reveals only: never a query parameter
        "sent": request.GET.get("sent", "") or extra.pop("sent", ""),
        "macro_changes": extra.pop("macro_changes", []),
        "work_heartbeat_seconds": settings.FRONTLINE["WORK_HEARTBEAT_SECONDS"],
        **extra,
    }
    return render_page_or_partial(request, TEMPLATE, partial, context, status=status)


def _macro_extra(request, ticket) -> dict:
    """The reply editor filled from the macro named in ?macro=: its text, what it will change,
    and its status preselected in "Then set status" (the agent may still pick Keep status)."""
    macro_id = request.GET.get("macro", "")
    if not macro_id.isdigit():
        return {}
    macros = selectors.macros_for(user=request.user, ticket=ticket).with_policy_review()
    macro = macros.filter(pk=macro_id).first()
    if macro is None:
        return {}
    return {
        "can_edit_macro": macros_editable_by(request.user).filter(pk=macro.pk).exists(),
        "macro_text": services.macro_render(macro=macro, ticket=ticket, agent=request.user),
        "macro": macro,
        "macro_changes": services.macro_changes(macro),
        "reply_status": (macro.actions or {}).get("status", ""),
    }


@login_required
@require_GET
def ticket_workspace_view(request, pk: int):
    ws = _workspace(request, pk)
    services.ticket_record_view(ticket=ws.ticket, by=request.user)
    return render_workspace(request, pk, ws=ws, **_macro_extra(request, ws.ticket))


@login_required
@require_GET
def ticket_macro_view(request, pk: int):
    """The reply editor with a macro applied in place (htmx swaps #reply-form): its text, the
    changes it will make and its status preselected. Nothing is saved until the agent sends."""
    ws = _workspace(request, pk)
    if not can_work(request.user):
        raise PermissionDenied("Your role may read this ticket but not reply.")
    extra = _macro_extra(request, ws.ticket)
    if request.GET.get("macro") and not extra:
        raise Http404("That macro is not available for this ticket.")
    return render_workspace(request, pk, ws=ws, partial="reply_form", **extra)


def workspace_action(form_class, *, permission=can_work):
    """Wrap an action: POST only, ticket in scope (404), permission (403), form (422),
    StaleVersionError (409) and rule errors (422), keeping what the user typed."""

    def decorator(action):
        @login_required
        @require_POST
        @wraps(action)
        def view(request, pk: int):
            try:
                ticket = selectors.ticket_get_visible(user=request.user, pk=pk)
            except Ticket.DoesNotExist as exc:
                raise Http404("No such ticket in your queues.") from exc
            if not permission(request.user):
                raise PermissionDenied("Your role may read this ticket but not change it.")
            form = form_class(request.POST, request.FILES)
            drafts = {action.__name__: request.POST.get("body", "")}
            if not form.is_valid():
                errors = "; ".join(e for errs in form.errors.values() for e in errs)
                return render_workspace(
                    request, pk, status=422, drafts=drafts, posted=request.POST, error=errors
                )
            try:
                done = action(request, ticket, form.cleaned_data)
            except services.StaleVersionError as exc:
                return render_workspace(
                    request, pk, status=409, drafts=drafts, posted=request.POST, stale=exc.ticket
                )
            except (ValidationError, services.TransitionError) as exc:
                msg = "; ".join(getattr(exc, "messages", [str(exc)]))
                return render_workspace(
                    request, pk, status=422, drafts=drafts, posted=request.POST, error=msg
                )
            except PermissionDenied as exc:
                return render_workspace(
                    request, pk, status=403, drafts=drafts, posted=request.POST, error=str(exc)
                )
            if isinstance(done, HttpResponse):
                return done
            if request.htmx:
                return render_workspace(request, ticket.pk, sent=action.__name__)
            messages.success(request, done)
            return redirect(f"{reverse('tickets:detail', args=[ticket.pk])}?sent={action.__name__}")

        return view

    return decorator


@workspace_action(forms.ReplyForm)
def reply(request, ticket, data):
    if request.POST.get("action") == "preview":
        return render_workspace(
            request,
            ticket.pk,
            drafts={"reply": data["body"]},
            preview=markdown_to_html(data["body"]),
        )
    files = uploaded_files(request)
    common = {"ticket": ticket, "by": request.user, "version": data["version"], "files": files}
    status = data["status"] or None
    if data["macro"]:
        status = data["status"]  # "" is the agent's "Keep status": it wins over the macro's

        macro = (
            selectors.macros_for(user=request.user, ticket=ticket).filter(pk=data["macro"]).first()
        )
        if macro is None:
            raise ValidationError("That macro is not available for this ticket.")
        services.ticket_apply_macro(macro=macro, body=data["body"], status=status, **common)
        done = f"Reply sent with macro “{macro.title}”."
    else:
        services.ticket_reply(body=data["body"], status=status, **common)
        done = "Reply sent."
    if request.POST.get("then") == "next":  # "Send and next": get-next opens the next ticket
        return open_next_ticket(request, after=done, sent=ticket.pk)
    return done


@workspace_action(forms.NoteForm, permission=can_add_note)
def note(request, ticket, data):
    services.ticket_add_note(
        ticket=ticket, by=request.user, body=data["body"], version=data["version"],
        files=uploaded_files(request),
    )  # fmt: skip
    return "Internal note added."


@workspace_action(forms.StatusForm)
def status(request, ticket, data):
    services.ticket_change_status(
        ticket=ticket, by=request.user, status=data["status"], version=data["version"]
    )
    return f"Status set to {Ticket.Status(data['status']).label.lower()}."


@workspace_action(forms.FieldsForm)
def fields(request, ticket, data):
    changes = {k: data[k] for k in ("priority", "category", "subject") if data.get(k)}
    services.ticket_update(ticket=ticket, by=request.user, version=data["version"], **changes)
    return "Ticket updated."


@workspace_action(forms.AssignForm)
def assign(request, ticket, data):
    assignee = None
    if data["assignee"]:
        assignee = get_user_model().objects.filter(pk=data["assignee"]).first()
        if assignee is None:
            raise ValidationError("No such agent.")
    services.ticket_assign(
        ticket=ticket,
        by=request.user,
        assignee=assignee,
        version=data["version"],
        override_reason=data.get("override_reason") or "",
    )
    return (
        f"Assigned to {assignee.get_full_name() or assignee.username}."
        if assignee
        else "Unassigned."
    )


@workspace_action(forms.TagsForm)
def tags(request, ticket, data):
    form = forms.TagsForm(data)
    form.cleaned_data = data
    if form.names("add"):
        services.ticket_tag(
            ticket=ticket, by=request.user, names=form.names("add"), version=data["version"]
        )
    elif form.names("remove"):
        services.ticket_untag(
            ticket=ticket, by=request.user, names=form.names("remove"), version=data["version"]
        )
    return "Tags updated."


@workspace_action(forms.EscalateForm)
def escalate(request, ticket, data):
    team = None
    if data["team"]:
        team = Team.objects.filter(pk=data["team"]).first()
        if team is None:
            raise ValidationError("No such team.")
    escalation = services.ticket_escalate(
        ticket=ticket, by=request.user, reason=data["reason"], level=data["level"], team=team,
        brief={k: data[k] for k in ("tried", "risk", "needed")},
    )  # fmt: skip
    if team is not None and not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk):
        # Handed to a team outside the associate's scope: the workspace is no longer theirs.
        messages.success(request, f"{ticket.reference} escalated to {team} (L{escalation.level}).")
        return redirect("tickets:queue")
    return f"Escalated to level {escalation.level}; the receiving lead has been notified."


@workspace_action(forms.MergeForm)
def merge(request, ticket, data):
    try:
        target = selectors.ticket_get_visible(user=request.user, pk=data["target"])
    except Ticket.DoesNotExist as exc:
        raise ValidationError(f"FL-{data['target']} is not a ticket in your queues.") from exc
    services.ticket_merge(
        source=ticket,
        target=target,
        by=request.user,
        version=data["version"],
        override_reason=data.get("override_reason") or "",
    )
    return redirect("tickets:detail", pk=target.pk)


@workspace_action(forms.LegalHoldForm, permission=can_legal_hold)
def legal_hold(request, ticket, data):
    if data["action"] == "release":
        hold = selectors.legal_hold_in_force_for(ticket=ticket, pk=data["hold"] or 0)
        if hold is None:
            raise ValidationError("No legal hold in force here by that number.")
        services.legal_hold_release(hold=hold, by=request.user)
        return "Legal hold released."
    on = {"requester": ticket.requester} if data["on"] == "requester" else {"ticket": ticket}
    services.legal_hold_place(by=request.user, reason=data["reason"], **on)
    return "Legal hold placed: retention and erasure will leave this alone until released."


ticket_reply_view = reply
ticket_note_view = note
ticket_status_view = status
ticket_fields_view = fields
ticket_assign_view = assign
ticket_tags_view = tags
ticket_merge_view = merge
ticket_escalate_view = escalate
ticket_legal_hold_view = legal_hold


@login_required
@require_POST
def ticket_preview_view(request, pk: int):
    """The reply editor's Markdown preview (htmx fragment)."""
    if not Ticket.objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404("No such ticket in your queues.")
    return render(
        request, f"{TEMPLATE}#preview", {"preview": markdown_to_html(request.POST.get("body", ""))}
    )


@login_required
@require_POST
def ticket_presence_view(request, pk: int):
    """Heartbeat from the open workspace; answers with who else is here (and typing)."""
    if not Ticket.objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404("No such ticket in your queues.")
    others = viewers_touch(
        ticket_id=pk, user=request.user, typing=request.POST.get("typing") == "1"
    )
    return render(request, f"{TEMPLATE}#presence", {"others": others})


@login_required
@require_POST
def ticket_work_view(request, pk: int):
    """Handle-time heartbeat (static/js/work-timer.js): the agent has this ticket in front of
    them. 204; 404 for a ticket outside the viewer's queues, 403 for non-staff."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied("Only support staff record handle time.")
    ticket = (
        Ticket.objects.visible_to(request.user).select_related("category").filter(pk=pk).first()
    )
    if ticket is None:
        raise Http404("No such ticket in your queues.")
    services.work_heartbeat(ticket=ticket, agent=request.user)
    return HttpResponse(status=204)
