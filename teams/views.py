"""People pages: thin views over teams.selectors."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import selectors


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
