"""People pages: thin views over teams.selectors and teams.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import AgentEditForm, PresenceForm
from ..models import Agent, Presence


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
    context = {
        "teams": selectors.team_list_for_user(user=request.user),
        "can_import": permissions.can_import_roster(request.user),
    }
    return render(request, "teams/list.html", context)


@login_required
def team_detail_view(request, slug: str):
    """Members with role, skills, capacity, clearance, presence now and on shift now."""
    team = get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)
    members = list(selectors.rotas_prefetched(selectors.team_members(user=request.user, team=team)))
    context = {
        "team": team,
        "members": members,
        "on_shift": selectors.agents_on_shift(agents=members),
        "can_edit": permissions.can_edit_team(request.user, team),
        "can_see_exposure": permissions.can_view_team_exposure(request.user, team),
    }
    return render(request, "teams/detail.html", context)


@login_required
def member_edit_view(request, slug: str, pk: int):
    """Edit a member's profile (leads of the team and admins, through services.agent_update)."""
    team = get_object_or_404(selectors.team_list_for_user(user=request.user), slug=slug)
    agent = get_object_or_404(selectors.team_members(user=request.user, team=team), pk=pk)
    if not permissions.can_edit_team(request.user, team):
        raise PermissionDenied
    form = AgentEditForm(
        request.POST or None,
        instance=agent,
        can_change_role=permissions.can_assign_roles(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agent_update(by=request.user, agent=agent, **form.changes())
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {agent}.")
            return redirect("teams:detail", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "teams/member_edit.html",
        {"team": team, "agent": agent, "form": form},
        status=status,
    )


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
