"""Exposure pages: the associate's own (figures, step out, consent per kind) and the lead's
view of their team (figures, the last four weeks with check-in prompts, overrides, settings)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import ExposureConsentForm, TeamExposureSettingsForm
from ..models import Agent, ExposureKind, Team


def _agent_or_404(user) -> Agent:
    agent = Agent.objects.select_related("team").filter(user=user).first()
    if agent is None:
        raise Http404("You have no agent profile.")
    return agent


@login_required
def my_exposure_view(request):
    """The agent's own exposure (this shift, 7 days, the last four weeks), the "step out of
    sensitive work" button and their consent per kind of sensitive work."""
    agent = _agent_or_404(request.user)
    if request.method == "POST":
        services.exposure_opt_out(agent=agent)
        messages.success(request, "You are out of sensitive work for the rest of this shift.")
        return redirect("teams:my_exposure")
    now = timezone.now()
    start, end = selectors.shift_window(agent=agent, at=now)
    consented = selectors.consented_kinds(user=request.user)
    (care,) = selectors.exposure_care_rows(agents=[agent], at=now)
    context = {
        "shift_start": start,
        "shift_end": end,
        "shift": selectors.exposure_count(user=request.user, start=start, end=end),
        "week": selectors.exposure_count(user=request.user, start=now - timedelta(days=7), end=now),
        "opted_out": selectors.exposure_opted_out(agent=agent, at=now),
        "care": care,
        "kinds": [(value, label, value in consented) for value, label in ExposureKind.choices],
        "clearance": agent.get_clearance_display(),
    }
    return render(request, "teams/my_exposure.html", context)


@login_required
@require_POST
def my_consent_view(request):
    """The associate opts in to or out of each kind of sensitive work, effective at once."""
    agent = _agent_or_404(request.user)
    form = ExposureConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose among the kinds listed.")
        return redirect("teams:my_exposure")
    added, removed = services.exposure_consent_set(agent=agent, kinds=form.cleaned_data["kinds"])
    label = dict(ExposureKind.choices)
    for kinds, verb in ((added, "Opted in to"), (removed, "Opted out of")):
        if kinds:
            messages.success(request, f"{verb}: {', '.join(label[k] for k in kinds)}.")
    return redirect("teams:my_exposure")


def _team_or_404(request, slug: str):
    team = get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)
    if not permissions.can_view_team_exposure(request.user, team):
        raise PermissionDenied
    return team


def _team_page(request, team, settings_form=None, status=200):
    members = selectors.rotas_prefetched(
        selectors.team_members(user=request.user, team=team).select_related("team")
    )
    now = timezone.now()
    context = {
        "team": team,
        "rows": selectors.team_exposure(agents=members, at=now),
        "care": selectors.exposure_care_rows(agents=members, at=now),
        "care_weeks": range(1, selectors.CARE_WEEKS + 1),
        "overrides": selectors.exposure_overrides(agents=members, at=now),
        "overrides_days": selectors.OVERRIDES_DAYS,
        "can_set": permissions.can_set_team_exposure(request.user, team),
        "settings_form": settings_form or TeamExposureSettingsForm(instance=team),
    }
    return render(request, "teams/team_exposure.html", context, status=status)


@login_required
def team_exposure_view(request, slug: str):
    """Leads' view of their team's exposure: now, the last four weeks (with a prompt to check
    in with whoever passed the team's threshold), who stepped out, the overrides."""
    return _team_page(request, _team_or_404(request, slug))


@login_required
@require_POST
def team_exposure_settings_view(request, slug: str):
    """A lead sets the team's caps per shift and week, cool-down and check-in threshold."""
    team = _team_or_404(request, slug)
    if not permissions.can_set_team_exposure(request.user, team):
        raise PermissionDenied
    form = TeamExposureSettingsForm(request.POST, instance=team)
    if not form.is_valid():
        team.refresh_from_db()
        return _team_page(request, team, settings_form=form, status=400)
    try:
        # The bound form wrote the values onto `team`: the service compares with the stored row.
        stored = Team.objects.get(pk=team.pk)
        services.team_exposure_settings_update(team=stored, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        team.refresh_from_db()
        form.add_error(None, exc)
        return _team_page(request, team, settings_form=form, status=400)
    messages.success(request, "Exposure settings saved.")
    return redirect("teams:exposure", slug=team.slug)
