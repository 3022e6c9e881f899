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


def _fresh(user):
    """The user as the next request loads it (no per-object permission cache)."""
    return type(user).objects.get(pk=user.pk)


def test_a_role_change_takes_effect_on_the_next_request_though_permissions_are_cached():
    from teams.services.people import agent_set_role

    agent = AgentFactory()
    assert not _fresh(agent.user).has_perm("teams.view_pii")  # cached now
    agent_set_role(agent=agent, role=Role.LEAD)
    assert _fresh(agent.user).has_perm("teams.view_pii")
    agent_set_role(agent=agent, role=Role.ASSOCIATE)
    assert not _fresh(agent.user).has_perm("teams.view_pii")


def test_a_group_permission_edit_and_deactivation_take_effect_on_the_next_request():
    from django.contrib.auth.models import Permission

    agent = AgentFactory()
    group = Group.objects.get(name=Role(Role.ASSOCIATE).label)
    assert not _fresh(agent.user).has_perm("teams.export_reports")
    group.permissions.add(Permission.objects.get(codename="export_reports"))
    assert _fresh(agent.user).has_perm("teams.export_reports")
    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])
    assert not _fresh(agent.user).has_perm("teams.export_reports")


def test_permissions_are_read_from_the_database_once_not_on_every_request(
    django_assert_num_queries,
):
    user = AgentFactory().user
    assert _fresh(user).has_perm("tickets.change_ticket")
    again = _fresh(user)
    with django_assert_num_queries(0):
        assert again.has_perm("tickets.change_ticket")
        assert not again.has_perm("teams.view_pii")
