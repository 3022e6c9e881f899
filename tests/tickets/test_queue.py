from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from tests.factories import AgentFactory, SavedViewFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.filters import TicketFilter
from tickets.models import SavedView, Ticket
from tickets.pagination import paginate
from tickets.selectors import queue_counts, ticket_list_for_queue, ticket_parts_for_queue

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = Ticket.Status


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def mk(team, category, **kw):
    kw.setdefault("created_at", NOW - timedelta(hours=1))
    return TicketFactory(team=team, category=category, **kw)


def test_views_and_counts(frozen, agent, other_agent, category, team):
    mine = mk(team, category, assignee=agent.user, status=S.OPEN)
    mk(team, category, assignee=other_agent.user, status=S.OPEN)
    unassigned = mk(team, category)
    mk(team, category, status=S.SOLVED)
    esc_tag = mk(team, category, status=S.OPEN)
    services.ticket_tag(ticket=esc_tag, by=agent.user, names=["escalated"])
    esc_urgent = mk(team, category, priority=4, due_at=NOW - timedelta(minutes=5))
    mk(team, category, priority=4, due_at=NOW + timedelta(minutes=5))  # urgent, not breached
    mk(TeamFactory(), category)  # another team: invisible
    user = agent.user
    assert set(ticket_list_for_queue(user=user, view="mine")) == {mine}
    assert set(ticket_list_for_queue(user=user, view="escalations")) == {esc_tag, esc_urgent}
    assert unassigned in ticket_list_for_queue(user=user, view="unassigned")
    counts = queue_counts(user=user)
    assert counts == {
        "mine": 1,
        "team": 6,
        "unassigned": 4,
        "escalations": 2,
        "all": 7,
        "breached": 1,
    }


def test_mine_is_counted_at_once_and_team_counts_within_half_a_minute(
    agent, other_agent, category, team
):
    """A claimed ticket shows in "Mine" on the next page; the team-wide badges, which read the
    whole backlog, catch up with everyone's work within QUEUE_COUNTS_SECONDS."""
    from tickets.selectors import QUEUE_COUNTS_SECONDS

    waiting = mk(team, category)
    with time_machine.travel(NOW, tick=False):
        before = queue_counts(user=agent.user)
        services.ticket_assign(ticket=waiting, by=agent.user, assignee=agent.user)
        mk(team, category)  # a colleague's new ticket
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False):
        soon = queue_counts(user=agent.user)
    with time_machine.travel(NOW + timedelta(seconds=QUEUE_COUNTS_SECONDS + 1), tick=False):
        later = queue_counts(user=agent.user)

    assert (before["mine"], before["team"], before["unassigned"]) == (0, 1, 1)
    assert (soon["mine"], soon["team"], soon["unassigned"]) == (1, 1, 1)
    assert (later["mine"], later["team"], later["unassigned"]) == (1, 2, 1)


def _filter(user, **params):
    base = Ticket.objects.visible_to(user)
    fs = TicketFilter(params, queryset=base, user=user)
    assert fs.is_valid(), fs.errors
    return set(fs.qs)


def test_filters(frozen, agent, category, sensitive, team, lead):
    a = mk(
        team,
        category,
        status=S.OPEN,
        priority=3,
        assignee=agent.user,
        due_at=NOW - timedelta(minutes=1),
    )
    b = mk(team, category, status=S.PENDING, priority=1, due_at=NOW + timedelta(minutes=30))
    c = mk(team, sensitive, status=S.NEW, priority=4, due_at=NOW + timedelta(hours=5))
    services.ticket_tag(ticket=b, by=agent.user, names=["vip"])
    user = lead.user
    assert _filter(user, status=["open", "pending"]) == {a, b}
    assert _filter(user, priority=["4"]) == {c}
    assert _filter(user, category=[sensitive.slug]) == {c}
    assert _filter(user, tag="vip") == {b}
    assert _filter(user, assignee=str(agent.user.pk)) == {a}
    assert _filter(user, assignee="none") == {b, c}
    assert _filter(user, sla="breached") == {a}
    assert _filter(user, sla="due_soon") == {b}
    assert _filter(user, team=str(team.pk)) == {a, b, c}
    assert _filter(user, created_after="2026-03-02T07:00:00Z") == {a, b, c}
    assert _filter(user, created_before="2026-03-02T07:00:00Z") == set()


def test_search_subject_body_and_reference(db, agent, requester, category, team):
    t1 = services.ticket_create(
        subject="Charged twice",
        body="my card was billed",
        requester=requester,
        category=category,
        team=team,
    )
    t2 = services.ticket_create(
        subject="Login",
        body="the password reset email never arrives",
        requester=requester,
        category=category,
        team=team,
    )
    user = agent.user
    assert _filter(user, q="charged") == {t1}
    assert _filter(user, q="reset email") == {t2}
    assert _filter(user, q=t2.reference) == {t2}
    assert _filter(user, q=str(t1.pk)) == {t1}


def test_keyset_pages_cover_everything_once_in_order(db, agent, category, team):
    for i in range(23):
        mk(
            team,
            category,
            due_at=(NOW + timedelta(minutes=i % 5)) if i % 3 else None,
            priority=1 + i % 4,
            created_at=NOW - timedelta(minutes=i),
        )
    qs = Ticket.objects.visible_to(agent.user)
    for sort in ("urgent", "newest", "oldest", "updated"):
        seen, cursor = [], None
        while True:
            page = paginate(qs, sort=sort, cursor=cursor, size=5)
            seen += [t.pk for t in page.rows]
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(seen) == 23
        assert len(set(seen)) == 23
        full = [t.pk for t in paginate(qs, sort=sort, cursor=None, size=100).rows]
        assert seen == full
    urgent = paginate(qs, sort="urgent", cursor=None, size=100).rows
    assert urgent[-1].due_at is None  # no SLA clock sorts last
    assert urgent[0].due_at == NOW


def test_queue_page_and_bad_cursor(client, agent, category, team):
    mk(team, category, subject="Cannot reset password")
    client.force_login(agent.user)
    page = client.get(reverse("tickets:queue"), {"view": "team"})
    assert page.status_code == 200
    assert "Cannot reset password" in page.content.decode()
    assert 'data-shortcut="/"' in page.content.decode()
    bad = client.get(reverse("tickets:queue"), {"view": "team", "after": "garbage!!"})
    assert bad.status_code == 400
    assert "out of date" in bad.content.decode()
    fragment = client.get(reverse("tickets:queue"), {"view": "team"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert b'id="results"' in fragment.content


def test_queue_row_shows_due_time_in_viewer_zone_and_filters_keep_choices(
    frozen, client, agent, category, team
):
    agent.time_zone = "Asia/Tokyo"
    agent.save()
    t = mk(
        team,
        category,
        subject="Locked out",
        due_at=NOW - timedelta(hours=1),
        priority=Ticket.Priority.URGENT,
    )
    client.force_login(agent.user)
    page = client.get(
        reverse("tickets:queue"),
        {"view": "team", "status": ["new", "open"], "category": category.slug, "sla": "breached",
         "team": str(team.pk), "assignee": "none"},
    ).content.decode()  # fmt: skip
    row = page[page.index(f'<tr data-href="/tickets/{t.pk}/">') :].split("</tr>")[0]
    assert f'<a href="/tickets/{t.pk}/">FL-{t.pk}</a>' in row
    assert '<time datetime="2026-03-02T17:00:00+09:00">Mar 2, 17:00</time>' in row
    assert '<span class="badge badge-urgent">Urgent</span>' in row
    assert '<option value="open" selected>Open</option>' in page
    assert '<option value="pending">Pending</option>' in page
    assert f'<option value="{category.slug}" selected>{category.name}</option>' in page
    assert f'<option value="{team.pk}" selected>{team.name}</option>' in page
    assert '<option value="none" selected>Nobody</option>' in page
    assert '<option value="breached" selected>Breached</option>' in page
    kept = "status=new&amp;status=open&amp;category=account-access"
    assert f'<a class="btn btn-primary" href="?view=team&amp;{kept}' in page
    assert f'<a class="btn" href="?view=mine&amp;{kept}' in page
    assert page.count('aria-current="page"') == 2  # the Queue entry of the nav, and this view


def test_filter_choices_follow_category_team_and_agent_writes(client, lead, agent, category, team):
    client.force_login(lead.user)
    assert f">{agent}</option>" in client.get(reverse("tickets:queue")).content.decode()
    category.name = "Renamed category"
    category.save()
    agent.status = agent.Status.ON_LEAVE
    agent.save()
    newcomer = AgentFactory(team=team)
    page = client.get(reverse("tickets:queue")).content.decode()
    assert ">Renamed category</option>" in page
    assert f">{agent}</option>" not in page
    assert f'<option value="{newcomer.user_id}">{newcomer}</option>' in page


def test_saved_views(client, agent):
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:save_view"), {"name": "Urgent open", "query": "view=team&priority=4"}
    )
    assert response.status_code == 302
    saved = SavedView.objects.get(user=agent.user)
    assert saved.query == "view=team&priority=4"
    assert "Urgent open" in client.get(reverse("tickets:queue")).content.decode()
    foreign = SavedViewFactory()
    assert client.post(reverse("tickets:delete_view", args=[foreign.pk])).status_code == 404
    client.post(reverse("tickets:delete_view", args=[saved.pk]))
    assert not SavedView.objects.filter(pk=saved.pk).exists()
    page = client.get(reverse("tickets:queue")).content.decode()
    assert 'aria-label="Delete saved view Urgent open"' not in page


def test_get_next_ticket_button(client, agent, category, team):
    t = mk(team, category, due_at=NOW)
    client.force_login(agent.user)
    response = client.post(reverse("tickets:claim_next"))
    assert response["Location"] == reverse("tickets:detail", args=[t.pk])
    response = client.post(reverse("tickets:claim_next"), follow=True)
    assert "Nothing is waiting" in response.content.decode()


def test_queue_query_count_is_constant(client, agent, lead, category, team, count_queries):
    client.force_login(lead.user)
    client.get(reverse("tickets:queue"))
    params = {"view": "team", "q": "log", "tag": "escalated"}
    _, empty = count_queries(lambda: client.get(reverse("tickets:queue"), params))
    assert len(empty) <= 20
    for i in range(60):
        t = mk(
            team,
            category,
            assignee=agent.user if i % 2 else None,
            due_at=NOW + timedelta(minutes=i),
        )
        if i % 5 == 0:
            services.ticket_tag(ticket=t, by=agent.user, names=["escalated"])
    newcomers = [AgentFactory(team=team) for _ in range(5)]
    for _ in range(5):
        SavedViewFactory(user=lead.user)
    # New agents move the filter choices' version: the next page reads them once, and lists them.
    page = client.get(reverse("tickets:queue"), params).content.decode()
    assert all(f'<option value="{a.user_id}">' in page for a in newcomers)
    response, full = count_queries(lambda: client.get(reverse("tickets:queue"), params))
    assert response.status_code == 200
    assert len(full) == len(empty)
    listing = {"view": "all", "status": ["open", "new"], "sort": "newest"}
    response, listed = count_queries(lambda: client.get(reverse("tickets:queue"), listing))
    assert len(listed) == len(empty)
    assert response.content.decode().count("<tr data-href") == 50


@pytest.mark.postgres
def test_search_uses_postgres_full_text(db, agent, requester, category, team):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search")
    t = services.ticket_create(
        subject="Refunds",
        body="I was charged twice for premium",
        requester=requester,
        category=category,
        team=team,
    )
    assert _filter(agent.user, q="charged premium") == {t}
    # One stored document per ticket under a GIN index (migration 0012), not to_tsvector
    # over every subject and message per query.
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN SELECT ticket_id FROM tickets_ticketsearch "
            "WHERE document @@ websearch_to_tsquery('simple', 'premium')"
        )
        plan = " ".join(r[0] for r in cur.fetchall())
    assert "to_tsvector" not in plan


@pytest.mark.postgres
def test_search_document_follows_replies_edits_erasure_and_deletes(
    db, agent, requester, category, team
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search")
    t = services.ticket_create(
        subject="Locked out",
        body="my phone was stolen",
        requester=requester,
        category=category,
        team=team,
    )
    other = services.ticket_create(
        subject="Other", body="nothing here", requester=requester, category=category, team=team
    )
    user = agent.user
    assert _filter(user, q="stolen") == {t}
    services.ticket_reply(ticket=t, by=user, body="Try the backup codes from your vault")
    assert _filter(user, q="vault") == {t}
    Ticket.objects.filter(pk=t.pk).update(subject="Account takeover")
    assert _filter(user, q="takeover") == {t}
    assert _filter(user, q="locked") == set()
    # An erasure rewriting the bodies leaves nothing searchable behind.
    t.messages.update(body_text="[erased]", body_html="<p>[erased]</p>")
    assert _filter(user, q="stolen") == set()
    assert _filter(user, q="vault") == set()
    assert _filter(user, q="erased") == {t}
    t.messages.all().delete()
    assert _filter(user, q="erased") == set()
    assert _filter(user, q="takeover") == {t}
    Ticket.objects.filter(pk=t.pk).delete()
    with connection.cursor() as cur:
        cur.execute("SELECT ticket_id FROM tickets_ticketsearch")
        assert [r[0] for r in cur.fetchall()] == [other.pk]


def test_all_visible_count_stops_at_the_cap(client, agent, category, team, monkeypatch):
    from tickets import selectors
    from tickets.selectors import queue

    # The page reads the cap from the package, the count from the queue module.
    monkeypatch.setattr(selectors, "ALL_COUNT_CAP", 2)
    monkeypatch.setattr(queue, "ALL_COUNT_CAP", 2)
    for _ in range(4):
        mk(team, category, status=S.SOLVED)
    assert queue_counts(user=agent.user)["all"] == 3  # cap + 1: "more than the cap"
    assert queue_counts(user=agent.user)["team"] == 0
    client.force_login(agent.user)
    page = client.get(reverse("tickets:queue"), {"view": "all"}).content.decode()
    assert "2+</span>" in page


def _scope_world(team, category, sensitive, agent):
    """Tickets every way a scope can admit or refuse one: own team, another team of the same
    vendor, another vendor's team, no team; assigned to the agent or not; sensitive."""
    from teams.models import Role, Vendor
    from tests.factories import VendorFactory

    sister = TeamFactory(vendor=team.vendor)
    bpo = TeamFactory(vendor=VendorFactory(kind=Vendor.Kind.BPO))
    bpo_mate = TeamFactory(vendor=bpo.vendor)
    for t in (team, sister, bpo, bpo_mate, None):
        for cat in (category, sensitive):
            mk(t, cat, due_at=NOW)
            mk(t, cat, assignee=agent.user, status=S.OPEN)
            mk(t, cat, status=S.SOLVED)
    sister.lead = AgentFactory(team=sister, role=Role.LEAD).user
    sister.save()
    return [
        agent,
        AgentFactory(team=team, role=Role.LEAD, clearance="sensitive"),
        AgentFactory(team=sister, role=Role.MANAGER),
        AgentFactory(team=bpo, role=Role.ASSOCIATE),
        AgentFactory(team=bpo, role=Role.LEAD),
        AgentFactory(team=bpo_mate, role=Role.QA_ANALYST),
        AgentFactory(team=team, role=Role.QA_ANALYST),
        AgentFactory(team=None, role=Role.ASSOCIATE),
        AgentFactory(team=team, role=Role.ADMIN),
    ]


def test_scope_parts_show_exactly_the_visible_tickets_when_split(
    frozen, agent, category, sensitive, team
):
    """The queue reads the scope in parts (one per team, one for the tickets assigned to the
    user elsewhere): together they are the scope, no ticket twice, for every kind of user."""
    for person in _scope_world(team, category, sensitive, agent):
        user = person.user
        visible = {t.pk for t in Ticket.objects.visible_to(user)}
        parts = [[t.pk for t in part] for part in Ticket.objects.visible_parts(user)]
        listed = [pk for part in parts for pk in part]
        assert sorted(listed) == sorted(visible), (person.role, person.team)
        assert len(listed) == len(set(listed)), (person.role, person.team)


def test_my_tickets_count_is_the_scope_of_my_assigned_tickets(
    frozen, agent, category, sensitive, team
):
    """The "Mine" count: the user's assigned tickets within clearance, whichever team (or vendor)
    they are in: exactly what the scope shows of the tickets assigned to them."""
    world = _scope_world(team, category, sensitive, agent)
    elsewhere = TeamFactory()
    for person in world:
        for t in (team, elsewhere, None):
            for cat in (category, sensitive):
                mk(t, cat, assignee=person.user, status=S.OPEN)
    for person in world:
        user = person.user
        expected = {t.pk for t in Ticket.objects.visible_to(user).filter(assignee=user)}
        assert {t.pk for t in Ticket.objects.visible_assigned_to(user)} == expected, person.role
        mine = Ticket.objects.visible_to(user).filter(assignee=user, status__in=Ticket.UNSOLVED)
        assert queue_counts(user=user)["mine"] == mine.count(), person.role
    assert queue_counts(user=agent.user)["mine"] == 8  # 5 from the world, 3 not sensitive here


def test_queue_pages_over_the_scope_parts_match_one_list(frozen, agent, category, team):
    """A ticket assigned to the agent in another team is listed among the team's tickets in
    the sort order, page after page, exactly as one sorted list shows them."""
    elsewhere = TeamFactory()
    for i in range(9):
        mk(team, category, due_at=NOW + timedelta(minutes=2 * i), priority=1 + i % 4)
    theirs = mk(elsewhere, category, assignee=agent.user, status=S.OPEN, due_at=NOW)
    mk(elsewhere, category, due_at=NOW)  # not theirs: never listed
    user = agent.user
    for sort in ("urgent", "newest", "updated"):
        whole = paginate(ticket_list_for_queue(user=user, view="team"), sort=sort, cursor=None)
        seen, cursor = [], None
        while True:
            parts = ticket_parts_for_queue(user=user, view="team")
            page = paginate(parts, sort=sort, cursor=cursor, size=3)
            seen += [row["pk"] for row in page.rows]  # the parts are read as dicts
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen == [t.pk for t in whole.rows]
        assert len(seen) == 10
    first = paginate(ticket_parts_for_queue(user=user, view="team"), sort="urgent", cursor=None)
    assert first.rows[0]["pk"] == theirs.pk  # due now: the most urgent, though in another team


def test_tickets_outside_a_set_of_teams_are_found_by_ranges(frozen, agent, category):
    from teams.permissions.rows import _team_not_in

    teams = [TeamFactory() for _ in range(6)]
    for t in [*teams, None]:
        mk(t, category, assignee=agent.user, status=S.OPEN)
    for inside in ([teams[1], teams[2], teams[4]], [teams[0]], [teams[5]], teams):
        ids = {t.pk for t in inside}
        found = Ticket.objects.filter(assignee=agent.user).filter(_team_not_in(ids))
        expected = Ticket.objects.filter(assignee=agent.user).exclude(team_id__in=ids)
        assert {t.pk for t in found} == {t.pk for t in expected}
        assert len(expected) == 7 - len(ids)


def test_first_pages_keep_their_statement_per_scope_and_read_fresh_rows(
    frozen, client, agent, category, team
):
    """An unfiltered first page reuses its compiled statement (PostgreSQL): never another
    scope's, and the rows are read each time."""
    from tickets import pagination

    pagination._STATEMENTS.clear()
    other_team = TeamFactory()
    other = AgentFactory(team=other_team)
    ours = mk(team, category, subject="Ours to answer")
    theirs = mk(other_team, category, subject="Theirs to answer")

    def first_page(person, **params):
        client.force_login(person.user)
        return client.get(reverse("tickets:queue"), {"view": "team", **params}).content.decode()

    for _ in range(2):
        page = first_page(agent)
        assert ours.subject in page
        assert theirs.subject not in page
        page = first_page(other)
        assert theirs.subject in page
        assert ours.subject not in page
    later = mk(team, category, subject="Arrived just now")
    assert later.subject in first_page(agent)
    assert later.subject not in first_page(agent, q="Ours")  # filtered: built as usual
    assert ours.subject in first_page(agent, q="Ours")
    if connection.vendor == "postgresql":
        assert len(pagination._STATEMENTS) == 2  # one per scope; the filtered page kept none
