"""Notifications: the API (own notices only, mark one or all read, unread count) and the
unread badge in the navigation (cached; one indexed COUNT when it is not)."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tickets import services
from tickets.models import Notification

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def ticket(requester, category, team):
    return services.ticket_create(
        subject="Locked out", body="Help", requester=requester, category=category, team=team
    )


def notify(user, ticket, n=1, kind="assigned"):
    services.notifications_create(
        items=[(user.pk, ticket.pk, kind, f"Notice {i} on {ticket.reference}") for i in range(n)],
        now=NOW,
    )


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_lists_only_your_own_notifications_newest_first(agent, other_agent, ticket):
    notify(agent.user, ticket, 2)
    notify(other_agent.user, ticket, 1)
    rows = api_for(agent.user).get("/api/v1/notifications/").json()["results"]
    assert [r["text"] for r in rows] == [
        f"Notice 1 on {ticket.reference}",
        f"Notice 0 on {ticket.reference}",
    ]
    assert rows[0]["ticket_reference"] == ticket.reference
    assert rows[0]["read_at"] is None
    theirs = Notification.objects.get(user=other_agent.user)
    api = api_for(agent.user)
    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_marks_one_then_all_read_and_counts_unread(agent, ticket):
    notify(agent.user, ticket, 3)
    api = api_for(agent.user)
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 3}
    first = Notification.objects.filter(user=agent.user).first()
    read = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert first.pk not in [r["id"] for r in unread]
    assert len(unread) == 2
    assert [r["id"] for r in api.get("/api/v1/notifications/?unread=false").json()["results"]] == [
        first.pk
    ]
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_api_refuses_bad_filters_and_anonymous_callers(agent):
    assert api_for(agent.user).get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


def test_schema_documents_the_notification_endpoints(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
        "/api/v1/notifications/unread-count/",
    ):
        assert path in paths


def badge(client):
    html = client.get(reverse("tickets:queue")).content.decode()
    start = html.find('id="unread-notifications"')
    if start < 0:
        return None
    return html[html.index(">", start) + 1 : html.index("<", start)]


def test_badge_follows_new_and_read_notifications(client, agent, lead, ticket):
    client.force_login(agent.user)
    assert badge(client) is None
    services.ticket_assign(ticket=ticket, by=lead.user, assignee=agent.user)
    assert badge(client) == "1"
    notify(agent.user, ticket, 2)
    assert badge(client) == "3"
    client.post(reverse("tickets:notifications_read"))
    assert badge(client) is None
    notify(agent.user, ticket, 120)
    assert badge(client) == "99+"


def test_badge_is_read_from_the_cache_and_counted_once_when_it_is_gone(client, agent, ticket):
    notify(agent.user, ticket, 2)
    client.force_login(agent.user)
    url = reverse("tickets:queue")

    def notification_queries():
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        assert 'id="unread-notifications">2<' in html
        return [q["sql"] for q in captured if "tickets_notification" in q["sql"]]

    assert notification_queries() == []  # written through by the notices and the sign-in
    cache.clear()  # evicted
    cold = notification_queries()
    assert len(cold) == 1
    assert "COUNT" in cold[0].upper()
    assert notification_queries() == []
