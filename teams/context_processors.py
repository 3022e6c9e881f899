"""Template context about the viewer: their role, navigation entries and presence."""

from .models import Presence
from .permissions import agent_of, can_view_overview, can_view_team_dashboard, scope_for
from .selectors.policy import pending_policy_banner


def viewer(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    agent = agent_of(user)  # cached on the user by scope_for: no extra query
    return {
        "viewer_scope": scope,
        "viewer_role": scope.role,
        "nav_team_dashboard": can_view_team_dashboard(user),
        "nav_overview": can_view_overview(user),
        "viewer_presence": agent.presence if agent else None,
        "presence_choices": Presence.choices,
        "viewer_can_view_pii": scope.can_view_pii,
        # From the cache (one indexed query when a policy write moved its version).
        "pending_policies": pending_policy_banner(user=user),
    }
