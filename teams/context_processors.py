"""Template context about the viewer: their role and navigation entries."""

from .permissions import can_view_overview, can_view_team_dashboard, scope_for


def viewer(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "viewer_scope": scope,
        "viewer_role": scope.role,
        "nav_team_dashboard": can_view_team_dashboard(user),
        "nav_overview": can_view_overview(user),
    }
