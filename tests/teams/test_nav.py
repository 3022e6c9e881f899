"""The main navigation: which entries each role sees, and which one is the current page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from teams.models import Role
from tests.factories import AgentFactory

ALWAYS = ["Queue", "People", "My stats", "Escalations", "Notifications", "API"]


def nav(client, path: str) -> tuple[list[str], list[str]]:
    html = client.get(path).content.decode()
    block = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    labels = re.findall(r'<a href="[^"]+"[^>]*>([^<]+)', block)
    current = re.findall(r'aria-current="page"\s*>([^<]+)', block)
    return [label.strip() for label in labels], current


@pytest.mark.parametrize(
    ("role", "extra", "absent"),
    [
        (Role.ASSOCIATE, ["My QA"], ["Team", "Overview", "QA", "Exports", "Webhooks", "Audit"]),
        (Role.LEAD, ["Team", "Coverage", "QA"], ["My QA", "Exports", "Webhooks", "Audit"]),
        (Role.MANAGER, ["Team", "Coverage", "Overview", "QA", "Exports"], ["My QA", "Audit"]),
        (Role.ADMIN, ["Webhooks", "Audit"], ["My QA"]),
    ],
)
def test_each_role_sees_its_entries(db, client, role, extra, absent):
    agent = AgentFactory(role=role)
    client.force_login(agent.user)
    labels, current = nav(client, reverse("tickets:queue"))
    assert set(ALWAYS + extra) <= set(labels), labels
    assert not set(absent) & set(labels), labels
    assert current == ["Queue"]
    assert labels[0] == "Queue"
    assert labels[-1] == "API"


def test_the_current_entry_follows_the_page(db, client):
    admin = AgentFactory(role=Role.ADMIN)
    client.force_login(admin.user)
    assert nav(client, reverse("teams:list"))[1] == ["People"]
    assert nav(client, reverse("tickets:webhooks"))[1] == ["Webhooks"]
    assert nav(client, reverse("metrics:my_stats"))[1] == ["My stats"]
