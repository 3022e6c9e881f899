"""Django's ModelBackend with each user's permission set kept in the cache between requests.

ModelBackend reads a user's own and their groups' permissions with two queries on the first
`has_perm` of every request. Permissions change rarely (a role move, an admin edit, a migrate),
so the set is cached per user: teams.signals drops one user's entry when their groups, own
permissions or flags change, and moves the version of all entries when a group's permissions
change or after a migrate (core/cache.py). Entries also expire after an hour.

The signed-in user is cached the same way: `get_user`, which every request's session asks,
reads the user with their agent profile (team and vendor: what every page reads through
teams.permissions) from one cache entry instead of two queries. teams.signals drops a user's
entry when the user or their agent profile is written, and moves the version of all entries
when a team or vendor is.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from core.cache import cache_version

PERMISSIONS_VERSION = "auth-permissions-version"
PERMISSIONS_SECONDS = 3600
USER_VERSION = "auth-user-version"
USER_SECONDS = 3600


def permissions_key(user_id: int) -> str:
    return f"auth-permissions:{cache_version(PERMISSIONS_VERSION)}:{user_id}"


def forget_permissions(user_id: int) -> None:
    """One user's memberships or flags changed: drop their cached set, now and on commit."""
    key = permissions_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def user_key(user_id) -> str:
    return f"auth-user:{cache_version(USER_VERSION)}:{user_id}"


def forget_user(user_id) -> None:
    """The user or their agent profile was written: drop their cached entry, now and on commit."""
    key = user_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)  # None when missing or inactive
            if user is None:
                return None
            from .permissions import agent_of

            agent_of(user)  # read with the user and kept on it (None for people without one)
            cache.set(key, user, USER_SECONDS)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj=obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = permissions_key(user_obj.pk)
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, PERMISSIONS_SECONDS)
            user_obj._perm_cache = perms
        return user_obj._perm_cache
