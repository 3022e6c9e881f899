"""Django's ModelBackend with the signed-in user and each user's permission set kept in the
cache between requests (teams/caches.py declares both, and the writes that forget them).

`get_user`, which every request's session asks, would read the user and their agent profile
with its team and vendor (what every page reads through teams.permissions) in two queries.
The cache keeps the plain field values of those four rows, never the objects, and the objects
are built again from them (Model.from_db) with their relations set, so a page reads none of
them from the database. Entries expire after an hour.

ModelBackend reads a user's own and their groups' permissions with two queries on the first
`has_perm` of every request. Permissions change rarely (a role move, an admin edit, a
migrate), so the set is cached per user.
"""

from __future__ import annotations

import zlib
from functools import cache as once

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import models

from .caches import PERMISSIONS, SIGNED_IN_USER
from .models import Agent, Team, Vendor
from .permissions import agent_of

PERMISSIONS_SECONDS = 3600
USER_SECONDS = 3600


@once
def _fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


@once
def _layout() -> int:
    """What an entry was written for: a checksum of the four models' columns (an entry written
    before a migration changed them is read as missing)."""
    names = (name for m in (get_user_model(), Agent, Team, Vendor) for name in (*_fields(m), "|"))
    return zlib.crc32(" ".join(names).encode())


def _values(obj: models.Model | None) -> tuple | None:
    if obj is None:
        return None
    return tuple(getattr(obj, name) for name in _fields(type(obj)))


def _entry(user) -> tuple:
    """The plain values of the user, their agent, team and vendor (None where absent)."""
    agent = agent_of(user)
    team = agent.team if agent is not None else None
    vendor = team.vendor if team is not None else None
    return (_layout(), _values(user), _values(agent), _values(team), _values(vendor))


def _rebuild(entry: tuple, db: str):
    """The user with `user.agent`, `agent.team` and `team.vendor` set from an entry, as
    Agent.objects.select_related("team__vendor") would have left them: no query follows."""
    _, user_values, agent_values, team_values, vendor_values = entry
    user_model = get_user_model()
    user = user_model.from_db(db, _fields(user_model), user_values)
    agent = team = vendor = None
    if vendor_values is not None:
        vendor = Vendor.from_db(db, _fields(Vendor), vendor_values)
    if team_values is not None:
        team = Team.from_db(db, _fields(Team), team_values)
        Team.vendor.field.set_cached_value(team, vendor)
    if agent_values is not None:
        agent = Agent.from_db(db, _fields(Agent), agent_values)
        Agent.team.field.set_cached_value(agent, team)
        Agent.user.field.set_cached_value(agent, user)
    Agent.user.field.remote_field.set_cached_value(user, agent)  # `user.agent`
    return user


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = SIGNED_IN_USER.key(user_id)
        entry = cache.get(key)
        if entry is not None and entry[0] == _layout():
            user = _rebuild(entry, get_user_model().objects.db)
        else:
            user = super().get_user(user_id)  # None when missing or inactive
            if user is None:
                return None
            cache.set(key, _entry(user), USER_SECONDS)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj=obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = PERMISSIONS.key(user_obj.pk)
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, PERMISSIONS_SECONDS)
            user_obj._perm_cache = perms
        return user_obj._perm_cache
