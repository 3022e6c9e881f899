"""Schedule pages: a team's week grid and hourly coverage; lead edits of shifts and time off."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import ShiftExceptionForm, ShiftTemplateForm, TimeOffForm
from ..models import ShiftTemplate


def _team(request, slug):
    return get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)


def _editable_team(request, slug):
    """The team, if the user may edit its schedule: 404 out of scope, 403 in scope only to
    read — decided before the form is looked at."""
    team = _team(request, slug)
    if not permissions.can_edit_team(request.user, team):
        raise PermissionDenied
    return team


def _member(request, team, pk):
    return get_object_or_404(selectors.team_members(user=request.user, team=team), pk=pk)


def _monday(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return selectors.week_start_for(day)


@login_required
def team_schedule_view(request, slug: str):
    """Week grid (viewer's time zone), agents on shift per hour for 7 days, edit forms."""
    team = _team(request, slug)
    monday, tz = _monday(request), timezone.get_current_timezone()
    members = list(
        selectors.rotas_prefetched(
            selectors.team_members(user=request.user, team=team), since=monday - timedelta(days=3)
        )
    )
    coverage = selectors.team_on_shift_per_hour(team=team)
    context = {
        "team": team,
        "monday": monday,
        "days": [monday + timedelta(days=i) for i in range(7)],
        "prev_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "grid": selectors.team_week_grid(agents=members, monday=monday, tz=tz),
        "coverage": selectors.coverage_by_local_day(coverage, tz),
        "hours": range(24),
        "members": members,
        "can_edit": permissions.can_edit_team(request.user, team),
        "time_off_form": TimeOffForm(),
        "exception_form": ShiftExceptionForm(),
        "weekdays": ShiftTemplateForm.base_fields["weekday"].choices,
    }
    return render(request, "teams/schedule.html", context)


def _back(team, errors=None, request=None):
    if errors and request is not None:
        for error in errors:
            messages.error(request, error)
    return redirect(reverse("teams:schedule", args=[team.slug]))


def _run(request, team, action):
    """Call a rota service; a refusal is a 403, bad input a message back on the page."""
    try:
        action()
    except PermissionDenied:
        raise
    except ValidationError as exc:
        return _back(team, exc.messages, request)
    messages.success(request, "Schedule updated.")
    return _back(team)


@require_POST
@login_required
def shift_save_view(request, slug: str):
    team = _editable_team(request, slug)
    form = ShiftTemplateForm(request.POST)
    if not form.is_valid():
        return _back(team, [f"{k}: {' '.join(v)}" for k, v in form.errors.items()], request)
    data = form.cleaned_data
    agent = _member(request, team, data["agent"])
    template = None
    if data["template"]:
        template = get_object_or_404(ShiftTemplate, pk=data["template"], agent=agent)
    return _run(
        request,
        team,
        lambda: services.shift_template_set(
            by=request.user,
            agent=agent,
            template=template,
            weekday=data["weekday"],
            start=data["start"],
            end=data["end"],
        ),
    )


@require_POST
@login_required
def shift_delete_view(request, slug: str, pk: int):
    team = _editable_team(request, slug)
    template = get_object_or_404(ShiftTemplate, pk=pk, agent__team=team)
    _member(request, team, template.agent_id)
    return _run(
        request, team, lambda: services.shift_template_delete(by=request.user, template=template)
    )


@require_POST
@login_required
def time_off_add_view(request, slug: str):
    team = _editable_team(request, slug)
    form = TimeOffForm(request.POST)
    if not form.is_valid():
        return _back(team, [f"{k}: {' '.join(v)}" for k, v in form.errors.items()], request)
    data = form.cleaned_data
    agent = _member(request, team, data.pop("agent"))
    return _run(request, team, lambda: services.time_off_add(by=request.user, agent=agent, **data))


@require_POST
@login_required
def shift_exception_add_view(request, slug: str):
    team = _editable_team(request, slug)
    form = ShiftExceptionForm(request.POST)
    if not form.is_valid():
        return _back(team, [f"{k}: {' '.join(v)}" for k, v in form.errors.items()], request)
    data = form.cleaned_data
    agent = _member(request, team, data.pop("agent"))
    return _run(
        request, team, lambda: services.shift_exception_add(by=request.user, agent=agent, **data)
    )
