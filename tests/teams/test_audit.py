"""The audit trail: append-only for real, what it records, and the admins' page and export."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction

from teams.models import AppendOnlyError, AuditEntry, Role, Sensitivity
from teams.services import (
    agent_create,
    agent_update,
    audit_record,
    audit_stream,
    pii_hash,
    roster_import,
)
from tests.factories import (
    AgentFactory,
    AttachmentFactory,
    CategoryFactory,
    TeamFactory,
    TicketFactory,
)
from tickets.services import attachment_reveal, ticket_record_view

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


@pytest.fixture
def admin():
    return AgentFactory(role=Role.ADMIN, team=None).user


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


# --- append-only ---------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_orm(admin):
    entry = audit_record(actor=admin, action=A.LOGIN, target=admin)
    entry.action = A.LOGOUT
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action=A.LOGOUT)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get().action == A.LOGIN


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE teams_auditentry SET action = 'logout'",
        "DELETE FROM teams_auditentry",
    ],
)
def test_postgresql_refuses_raw_update_and_delete(admin, sql):
    audit_record(actor=admin, action=A.LOGIN)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get().action == A.LOGIN


def test_deleting_a_user_keeps_their_history(admin):
    user = AgentFactory().user
    audit_record(actor=user, action=A.LOGIN, target=user)
    user.delete()  # no cascade and no SET NULL: the trail is not rewritten
    entry = AuditEntry.objects.get(action=A.LOGIN)
    assert entry.actor_label == user.username
    assert AuditEntry.objects.filter(action=A.ADMIN_CHANGE, detail__change="deleted").exists()


def test_a_stream_closed_early_is_recorded_as_incomplete(admin):
    lines = audit_stream(
        iter(["header\n", "row 1\n", "row 2\n"]),
        actor=admin,
        action=A.EXPORT,
        detail={"dataset": "tickets"},
    )
    assert next(lines) == "header\n"
    assert not AuditEntry.objects.exists()
    lines.close()  # the client went away: the server closes the response
    entry = AuditEntry.objects.get()
    assert entry.detail == {"dataset": "tickets", "rows": 0, "complete": False}


def test_unknown_actions_are_refused(admin):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_record(actor=admin, action="made_up")


def test_pii_hash_is_keyed_and_case_insensitive():
    assert pii_hash("Maya@Example.org") == pii_hash(" maya@example.org")
    assert "maya" not in pii_hash("maya@example.org")
    assert pii_hash("a@example.org") != pii_hash("b@example.org")


# --- what is recorded ----------------------------------------------------------------------


def test_logins_failures_and_logouts_with_ip_and_user_agent(client):
    user = AgentFactory().user
    headers = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Firefox/140"}
    bad = client.post("/login/", {"username": user.username, "password": "wrong"}, **headers)
    assert bad.status_code == 200
    client.post("/login/", {"username": user.username, "password": "pw-for-tests-1"}, **headers)
    client.post("/logout/", **headers)
    failed, login, logout = AuditEntry.objects.order_by("pk")
    assert (failed.action, failed.actor, failed.detail) == (
        A.LOGIN_FAILED,
        None,
        {"username": user.username},
    )
    assert "wrong" not in str(failed.detail)
    assert (login.action, login.actor, login.ip, login.user_agent) == (
        A.LOGIN,
        user,
        "203.0.113.9",
        "Firefox/140",
    )
    assert (logout.action, logout.actor) == (A.LOGOUT, user)


def test_behind_a_proxy_the_address_is_the_proxys_client(settings, admin, rf):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.3")
    assert audit_record(actor=admin, action=A.LOGIN, request=request).ip == "198.51.100.3"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert audit_record(actor=admin, action=A.LOGIN, request=request).ip == "10.0.0.2"


def test_role_clearance_and_team_changes_are_recorded_with_old_and_new(admin):
    old_team, new_team = TeamFactory(slug="old"), TeamFactory(slug="new")
    agent = AgentFactory(team=old_team)
    agent_update(
        by=admin, agent=agent, clearance=Sensitivity.SENSITIVE, team=new_team, role=Role.LEAD
    )
    rows = {e.action: e for e in AuditEntry.objects.all()}
    assert rows[A.CLEARANCE_CHANGE].detail["old"] == "none"
    assert rows[A.CLEARANCE_CHANGE].detail["new"] == "sensitive"
    assert (rows[A.TEAM_MOVE].detail["old"], rows[A.TEAM_MOVE].detail["new"]) == ("old", "new")
    assert (rows[A.ROLE_CHANGE].detail["old"], rows[A.ROLE_CHANGE].detail["new"]) == (
        "associate",
        "lead",
    )
    assert {e.actor for e in rows.values()} == {admin}
    assert rows[A.ROLE_CHANGE].target_id == str(agent.pk)
    assert agent.user.groups.get().name == "Lead"


def test_the_member_edit_page_records_the_change_and_the_address(client, admin):
    team = TeamFactory(slug="alpha")
    agent = AgentFactory(team=team)
    client.force_login(admin)
    response = client.post(
        f"/teams/alpha/members/{agent.pk}/edit/",
        {"role": "lead", "team": team.pk, "skills": "", "languages": "", "capacity": 5,
         "clearance": "restricted", "status": "active", "time_zone": "UTC"},
        REMOTE_ADDR="198.51.100.7",
    )  # fmt: skip
    assert response.status_code == 302
    changes = AuditEntry.objects.exclude(action=A.LOGIN)  # force_login sends the signal
    assert {e.action for e in changes} == {A.CLEARANCE_CHANGE, A.ROLE_CHANGE}
    assert {e.ip for e in changes} == {"198.51.100.7"}


def test_agent_creation_and_roster_moves_are_recorded(admin):
    team_a, _team_b = TeamFactory(slug="team-a"), TeamFactory(slug="team-b")
    agent_create(username="zoe", email="zoe@staff.example.com", role=Role.ASSOCIATE, team=team_a,
                 by=admin)  # fmt: skip
    roster_import(
        by=admin,
        text="name,email,team,role,skills,time zone,shift pattern\n"
        "Zoe Ng,zoe@staff.example.com,team-b,lead,,UTC,Mon-Fri 09:00-17:00\n",
        dry_run=False,
    )
    assert actions() == [A.AGENT_CREATE, A.TEAM_MOVE, A.ROLE_CHANGE]
    move = AuditEntry.objects.get(action=A.TEAM_MOVE)
    assert (move.detail["old"], move.detail["new"], move.actor) == ("team-a", "team-b", admin)


def test_django_admin_changes_to_users_and_groups_are_recorded(client, admin):
    user = AgentFactory().user
    group = Group.objects.create(name="Auditors")
    client.force_login(admin)
    before = AuditEntry.objects.count()
    response = client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {"username": user.username, "first_name": "X", "last_name": "Y", "email": user.email,
         "is_active": "on", "is_staff": "on", "groups": [group.pk],
         "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
         "date_joined_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    new = list(AuditEntry.objects.order_by("pk")[before:])
    assert [(e.action, e.target_type, e.detail["change"]) for e in new] == [
        (A.ADMIN_CHANGE, "auth.user", "changed"),
        (A.ADMIN_CHANGE, "auth.group", "deleted"),
    ]
    assert "Groups" in new[0].detail["message"] or "groups" in new[0].detail["message"]
    assert new[0].actor == admin


def test_restricted_views_and_media_reveals_are_in_the_trail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead = AgentFactory(role=Role.LEAD, clearance=Sensitivity.RESTRICTED).user
    restricted = TicketFactory(category=CategoryFactory(slug="cs", sensitivity="restricted"))
    plain = TicketFactory(category=CategoryFactory(slug="plain"))
    assert ticket_record_view(ticket=restricted, by=lead)
    assert not ticket_record_view(ticket=plain, by=lead)
    attachment_reveal(attachment=AttachmentFactory(ticket=restricted), by=lead)
    view, reveal = AuditEntry.objects.order_by("pk")
    assert (view.action, view.target_type, view.target_label) == (
        A.RESTRICTED_VIEW,
        "tickets.ticket",
        restricted.reference,
    )
    assert restricted.subject not in str(view.target_label)
    assert reveal.action == A.MEDIA_REVEAL
    assert reveal.detail["sensitivity"] == "restricted"


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def trail(admin):
    people = [AgentFactory(user__username=n).user for n in ("ann", "bob")]
    for day in range(1, 6):
        with time_machine.travel(datetime(2026, 3, day, 12, tzinfo=UTC), tick=False):
            for user in people:
                audit_record(actor=user, action=A.LOGIN, target=user)
            audit_record(actor=admin, action=A.EXPORT, target=("metrics.dataset", "tickets"))
    return people


def test_the_page_filters_by_actor_action_dates_and_target(client, admin, trail):
    client.force_login(admin)
    page = client.get("/teams/audit/", {"actor": "ANN", "action": "login",
                                        "start": "2026-03-02", "end": "2026-03-03"})  # fmt: skip
    assert page.status_code == 200
    entries = page.context["entries"]
    assert [e.actor_label for e in entries] == ["ann", "ann"]
    assert [e.at.day for e in entries] == [3, 2]
    by_target = client.get(
        "/teams/audit/", {"target_type": "metrics.dataset", "target_id": "tickets"}
    )
    assert len(by_target.context["entries"]) == 5


def test_the_page_pages_with_a_keyset_cursor(client, admin, trail, settings):
    from teams.views import audit as audit_views

    client.force_login(admin)
    audit_views.PAGE, old = 4, audit_views.PAGE
    try:
        first = client.get("/teams/audit/", {"action": "login"})
        second = client.get("/teams/audit/", {"action": "login", "before": first.context["older"]})
    finally:
        audit_views.PAGE = old
    ids_1 = [e.pk for e in first.context["entries"]]
    ids_2 = [e.pk for e in second.context["entries"]]
    assert len(ids_1) == len(ids_2) == 4
    assert min(ids_1) > max(ids_2)
    assert f"before={first.context['older']}" in first.content.decode()


def test_bad_filters_are_a_400_with_the_reason(client, admin):
    client.force_login(admin)
    response = client.get("/teams/audit/", {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "must be on or before" in response.content.decode()
    assert client.get("/teams/audit/", {"start": "not-a-date"}).status_code == 400


def test_only_admins_see_the_trail(client):
    for role in (Role.ASSOCIATE, Role.LEAD, Role.MANAGER, Role.QA_ANALYST):
        client.force_login(AgentFactory(role=role).user)
        assert client.get("/teams/audit/").status_code == 403
        assert client.get("/teams/audit/export.csv").status_code == 403


def test_csv_export_holds_the_filtered_entries_and_is_itself_audited(client, admin, trail):
    client.force_login(admin)
    response = client.get("/teams/audit/export.csv", {"actor": "bob"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["at_utc", "actor", "action"]
    assert len(rows) == 6
    assert {r[1] for r in rows[1:]} == {"bob"}
    assert rows[-1][0] == "2026-03-01 12:00:00"
    record = AuditEntry.objects.filter(action=A.AUDIT_EXPORT).get()
    assert record.actor == admin
    assert record.detail == {"filters": {"actor": "bob"}, "rows": 5, "complete": True}


def test_csv_export_shows_a_formula_like_value_as_text(client, admin):
    """A target named like a spreadsheet formula reaches the export with an apostrophe, so a
    spreadsheet shows it instead of evaluating it."""
    audit_record(actor=None, action=A.LOGIN_FAILED, target=("x", 1, "=cmd|' /C calc'!A0"))
    client.force_login(admin)
    response = client.get("/teams/audit/export.csv", {"action": A.LOGIN_FAILED})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[5] for r in rows[1:]] == ["'=cmd|' /C calc'!A0"]


def test_the_page_reads_the_same_number_of_queries_for_5_or_50_entries(client, admin):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin)

    def queries() -> int:
        with CaptureQueriesContext(conn) as ctx:
            assert client.get("/teams/audit/").status_code == 200
        return len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]])

    queries()  # the first page puts the session and the signed-in user in the cache
    for _ in range(5):
        audit_record(actor=admin, action=A.EXPORT, target=("metrics.dataset", "tickets"))
    few = queries()
    for _ in range(60):
        audit_record(actor=admin, action=A.EXPORT, target=("metrics.dataset", "tickets"))
    assert queries() == few
