"""Role groups carry the permissions of every app after a plain migrate."""

import pytest
from django.contrib.auth.models import Group

from teams.models import Role
from teams.roles import ROLE_PERMISSIONS
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.LEAD, Role.MANAGER, Role.QA_ANALYST])
def test_each_role_group_has_every_listed_permission_after_migrate(role):
    group = Group.objects.get(name=Role(role).label)
    have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert have == set(ROLE_PERMISSIONS[role])


def test_a_new_associate_can_work_tickets_and_has_no_pii():
    user = AgentFactory().user
    assert user.has_perm("tickets.change_ticket")
    assert not user.has_perm("teams.view_pii")
