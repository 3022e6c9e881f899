"""People pages: thin views over teams.selectors and teams.services."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import permissions, selectors, services
from .forms import PresenceForm
from .models import Agent, Presence


def _agent_or_404(user) -> Agent:
    try:
        return user.agent
    except Agent.DoesNotExist as exc:
        raise Http404("You have no agent profile.") from exc


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return "/"


@login_required
def team_list_view(request):
    return render(
        request, "teams/list.html", {"teams": selectors.team_list_for_user(user=request.user)}
    )


@login_required
def team_detail_view(request, slug: str):
    team = get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)
    members = selectors.team_members(user=request.user, team=team)
    return render(request, "teams/detail.html", {"team": team, "members": members})


@require_POST
@login_required
def presence_set_view(request):
    """The header's presence switch: plain POST that redirects back, or an htmx swap."""
    agent = _agent_or_404(request.user)
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose one of: " + ", ".join(Presence.values))
    agent = services.presence_set(agent=agent, status=form.cleaned_data["status"])
    next_url = _safe_next(request, form.cleaned_data["next"])
    if not request.htmx:
        return redirect(next_url)
    context = {
        "viewer_presence": agent.presence,
        "presence_choices": Presence.choices,
        "presence_next": next_url,
    }
    return render(request, "teams/partials/presence_form.html", context)


@login_required
def my_exposure_view(request):
    """The agent's own exposure count, and the "step out of sensitive work" button."""
    agent = _agent_or_404(request.user)
    if request.method == "POST":
        services.exposure_opt_out(agent=agent)
        messages.success(request, "You are out of sensitive work for the rest of this shift.")
        return redirect("teams:my_exposure")
    now = timezone.now()
    start, end = selectors.shift_window(agent=agent, at=now)
    context = {
        "shift_start": start,
        "shift_end": end,
        "shift": selectors.exposure_count(user=request.user, start=start, end=end),
        "week": selectors.exposure_count(user=request.user, start=now - timedelta(days=7), end=now),
        "opted_out": selectors.exposure_opted_out(agent=agent, at=now),
    }
    return render(request, "teams/my_exposure.html", context)


@login_required
def team_exposure_view(request, slug: str):
    """Leads' view of their team's exposure and who stepped out today."""
    team = get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)
    if not permissions.can_view_team_exposure(request.user, team):
        raise PermissionDenied
    members = selectors.rotas_prefetched(selectors.team_members(user=request.user, team=team))
    rows = selectors.team_exposure(agents=members)
    return render(request, "teams/team_exposure.html", {"team": team, "rows": rows})
