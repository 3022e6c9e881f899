"""Every cached read of teams/, and the writes that move it (core/cache.py explains versions).

TeamsConfig.ready() wires this table (core.cache.wire): nothing else in teams/ forgets a
cached value. A write that sends no signal (bulk_create, QuerySet.update) is followed by
`core.cache.written(Model)`, which moves what this table says for that model.

To add a cached read: declare a CachedRead below with every model whose rows it is read from
(narrowed with fields=/ignore=, or row= when a write concerns one entry), read it under
`READ.key(...)` or through a core.memo.Memo(READ.version_key, size=...), and add it to
CACHED_READS."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.cache import CachedRead, Writes

from .models import (
    Agent,
    PolicyAcknowledgement,
    PolicyArticle,
    PolicyVersion,
    ShiftException,
    ShiftTemplate,
    Team,
    TimeOff,
    Vendor,
)

User = get_user_model()


def _user_only(instance) -> int | None:
    """An m2m change seen from the user's side concerns that user; from a group's, everyone."""
    return instance.pk if isinstance(instance, User) else None


PERMISSIONS = CachedRead(
    "auth-permissions",
    "Each user's permission set (teams.backends.CachedModelBackend.get_all_permissions): "
    "one user's entry goes with their groups, own permissions, active and superuser flags; "
    "all of them with a group's permissions, a group or a permission.",
    moved_by=(
        Writes(User, fields=frozenset({"is_active", "is_superuser"}), row=lambda u: u.pk),
        Writes(User.groups.through, row=_user_only),
        Writes(User.user_permissions.through, row=_user_only),
        Writes(Group.permissions.through),
        Writes(Group),
        Writes(Permission),
    ),
    after_migrate=True,  # migrations move permissions through historical models
)

SIGNED_IN_USER = CachedRead(
    "auth-user",
    "The signed-in user's fields with their agent profile, team and vendor "
    "(teams.backends.CachedModelBackend.get_user: every request): one user's entry goes with "
    "a write to the user or their agent; all of them with any team or vendor.",
    moved_by=(
        Writes(User, row=lambda u: u.pk),
        Writes(Agent, row=lambda a: a.user_id),
        Writes(Team),
        Writes(Vendor),
    ),
)

PENDING_POLICIES = CachedRead(
    "teams:pending-policies",
    "The pending-policy banner per user (teams.selectors.policy.pending_policy_banner).",
    moved_by=(Writes(PolicyAcknowledgement), Writes(PolicyVersion), Writes(PolicyArticle)),
)

AUTHENTICATORS = CachedRead(
    "otp-has-authenticator",
    "Has the user a confirmed authenticator app? (teams.permissions.has_authenticator, asked "
    "on every request of a session that has not passed the second step).",
    moved_by=(Writes(TOTPDevice),),
    after_migrate=True,
)

ON_SHIFT = CachedRead(
    "teams:on-shift",
    "Each team's on-shift intervals per UTC hour (teams.selectors.rota.teams_on_shift, in "
    "the shared cache and in process memory) and the shift an agent is on "
    "(teams.selectors.exposure.current_shift_window, in process memory). An agent's presence "
    "saves (every few minutes) have no bearing on shifts.",
    moved_by=(
        Writes(Agent, fields=frozenset({"team", "team_id", "status", "time_zone"})),
        Writes(Team),
        Writes(ShiftTemplate),
        Writes(ShiftException),
        Writes(TimeOff),
    ),
)

CACHED_READS = (PERMISSIONS, SIGNED_IN_USER, PENDING_POLICIES, AUTHENTICATORS, ON_SHIFT)
