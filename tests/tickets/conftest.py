import pytest

from teams.models import Presence, Role, Sensitivity
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory


@pytest.fixture(autouse=True)
def _role_groups_have_ticket_permissions(db):
    """teams syncs role groups on post_migrate of *teams*, before tickets' permissions exist
    in a fresh test database; sync again so role permissions are what production has."""
    from teams.services import roles_sync_groups

    roles_sync_groups()


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def category(db):
    return CategoryFactory(slug="account-access", name="Account access")


@pytest.fixture
def restricted(db):
    return CategoryFactory(
        slug="child-safety", name="Child safety", sensitivity=Sensitivity.RESTRICTED
    )


@pytest.fixture
def sensitive(db):
    return CategoryFactory(
        slug="safety-report", name="Safety report", sensitivity=Sensitivity.SENSITIVE
    )


@pytest.fixture
def agent(team):
    return AgentFactory(
        team=team, user__first_name="Ana", user__last_name="Lima", presence=Presence.AVAILABLE
    )


@pytest.fixture
def other_agent(team):
    return AgentFactory(
        team=team, user__first_name="Ben", user__last_name="Okafor", presence=Presence.AVAILABLE
    )


@pytest.fixture
def lead(team):
    agent = AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    team.lead = agent.user
    team.save()
    return agent


@pytest.fixture
def manager(team):
    """The team's manager (called in when an escalation goes unacknowledged)."""
    boss = AgentFactory(team=team, role=Role.MANAGER)
    team.manager = boss.user
    team.save()
    return boss


@pytest.fixture
def requester(db):
    return RequesterFactory(name="Maya Chen", email="maya@users.example.org")


@pytest.fixture
def count_queries():
    """Run `fn` and return the SQL statements it ran (savepoints left out: they come from
    session handling, not from the page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn):
        with CaptureQueriesContext(connection) as ctx:
            response = fn()
        sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
        return response, sql

    return run
