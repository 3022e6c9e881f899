"""Coaching pages: the log (leads, managers, admins), a session, feedback, "my coaching"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import CoachingSessionForm, FeedbackForm
from ..models import ActionItem


@login_required
def coaching_log_view(request):
    """Every session and note the viewer may see; associates are sent to their own page."""
    if not permissions.can_log_coaching(request.user):
        return redirect("teams:my_coaching")
    associates = permissions.agents_coachable_by(request.user)
    context = {
        "sessions": selectors.coaching_sessions_for(user=request.user)[:100],
        "feedback": selectors.feedback_for(user=request.user)[:100],
        "feedback_form": FeedbackForm(associates=associates, initial=request.GET.dict()),
    }
    return render(request, "teams/coaching_log.html", context)


@login_required
def my_coaching_view(request):
    context = {
        "sessions": selectors.coaching_sessions_for(user=request.user, associate_user=request.user),
        "feedback": selectors.feedback_for(user=request.user, associate_user=request.user),
    }
    return render(request, "teams/my_coaching.html", context)


@login_required
def coaching_session_new_view(request):
    if not permissions.can_log_coaching(request.user):
        raise PermissionDenied
    form = CoachingSessionForm(
        request.POST or None,
        associates=permissions.agents_coachable_by(request.user),
        initial=request.GET.dict(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.coaching_session_create(
                by=request.user,
                associate=data["associate"],
                day=data["date"],
                agenda=data["agenda"],
                notes=data["notes"],
                ticket_ids=data["ticket_ids"],
                action_items=form.items(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Coaching session logged.")
            return redirect("teams:coaching_session", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "teams/coaching_form.html", {"form": form}, status=status)


@login_required
def coaching_session_view(request, pk: int):
    """One session; its coach (or whoever may coach the associate) edits it here."""
    session = get_object_or_404(selectors.coaching_sessions_for(user=request.user), pk=pk)
    can_edit = permissions.can_edit_coaching(request.user, session)
    form = None
    if can_edit:
        initial = {
            "agenda": session.agenda,
            "notes": session.notes,
            "ticket_ids": ", ".join(map(str, session.ticket_ids)),
        }
        form = CoachingSessionForm(request.POST or None, editing=True, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.coaching_session_update(
                    by=request.user, session=session, agenda=data["agenda"], notes=data["notes"],
                    ticket_ids=data["ticket_ids"], new_items=form.items(),
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Session saved.")
                return redirect("teams:coaching_session", pk=session.pk)
    elif request.method == "POST":
        raise PermissionDenied
    status = 400 if request.method == "POST" else 200
    return render(
        request, "teams/coaching_session.html", {"session": session, "form": form}, status=status
    )


@require_POST
@login_required
def action_item_done_view(request, pk: int):
    visible = selectors.coaching_sessions_for(user=request.user).values("pk")
    item = get_object_or_404(
        ActionItem.objects.select_related("session__associate"), pk=pk, session__in=visible
    )
    services.action_item_set_done(by=request.user, item=item, done=request.POST.get("done") == "1")
    next_url = request.POST.get("next") or ""
    if next_url == "mine":
        return redirect("teams:my_coaching")
    return redirect("teams:coaching_session", pk=item.session_id)


@require_POST
@login_required
def feedback_create_view(request):
    if not permissions.can_log_coaching(request.user):
        raise PermissionDenied
    form = FeedbackForm(request.POST, associates=permissions.agents_coachable_by(request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("teams:coaching")
    services.feedback_note_create(by=request.user, **form.cleaned_data)
    messages.success(request, "Feedback saved.")
    return redirect("teams:coaching")
