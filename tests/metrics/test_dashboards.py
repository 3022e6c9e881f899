"""Lead, manager and associate dashboards: figures, filters, links, CSV, scope, query counts."""

import csv
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.services import rollup_backfill, rollup_refresh
from tests.factories import AgentFactory
from tickets.models import Ticket

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org, frozen):
    """Team A: a1 solved 2 login tickets (FRT 30 and 90 min) and 1 billing ticket (FRT 10);
    a2 has one open login ticket; one unreplied login ticket is 3 days old (breached).
    Team B: b1 solved one ticket. BPO: one solved ticket."""
    o = org
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(3), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=90), agent=o["a1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(1), reply_after=timedelta(minutes=10), agent=o["a1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(0, 2), reply_after=timedelta(minutes=5), agent=o["a2"])  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(3))
    make_ticket(o, team=o["team_b"], category=o["login"], created=days_ago(1), reply_after=timedelta(minutes=20), agent=o["b1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_bpo"], category=o["login"], created=days_ago(1), reply_after=timedelta(minutes=20), agent=o["bpo1"], solve=True)  # fmt: skip
    rollup_refresh(now=NOW)
    return o


def _row(response, agent):
    return next(r for r in response.context["associates"] if r["agent"].user_id == agent.pk)


def test_lead_dashboard_shows_live_queue_and_associate_figures(client, history):
    client.force_login(history["lead"])
    response = client.get("/metrics/team/")
    assert response.status_code == 200
    queue = response.context["queue"]
    assert queue["total"]["n"] == 2  # a2's open ticket and the unreplied one (team A only)
    assert queue["breached"]["n"] == 1
    a1 = _row(response, history["a1"])
    assert a1["summary"]["solved"] == 3
    assert a1["summary"]["frt_p50"] == pytest.approx(30, rel=0.05)
    assert a1["open_load"] == 0
    assert _row(response, history["a2"])["open_load"] == 1
    assert response.context["summary"]["created"] == 5
    assert response.context["today"][0]["created"] == 1
    body = response.content.decode()
    assert 'data-chart="chart-volume"' in body
    assert "<script>" not in body  # charts read json_script blocks, no inline code


def test_filtering_to_one_category_narrows_figures_and_links(client, history):
    client.force_login(history["lead"])
    response = client.get("/metrics/team/", {"category": "billing"})
    assert response.status_code == 200
    a1 = _row(response, history["a1"])
    assert a1["summary"]["solved"] == 1
    assert response.context["queue"]["total"]["n"] == 0
    query = parse_qs(urlparse(a1["solved_url"]).query)
    assert query["category"] == ["billing"]
    assert query["assignee"] == [str(history["a1"].pk)]
    assert query["view"] == ["all"]
    assert query["status"] == list(Ticket.DONE)
    assert query["solved_after"] == [f"{NOW.date() - timedelta(days=55)}T00:00:00+00:00"]


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return sorted(row["pk"] for row in response.context["page"].rows)  # the queue reads dicts


def test_numbers_open_exactly_the_tickets_behind_them(client, history):
    client.force_login(history["lead"])
    response = client.get("/metrics/team/", {"category": history["login"].slug})
    a1 = _row(response, history["a1"])
    solved = Ticket.objects.filter(
        assignee=history["a1"], category=history["login"], status="solved"
    )
    assert _listed(client, a1["solved_url"]) == sorted(t.pk for t in solved)
    assert len(_listed(client, a1["solved_url"])) == a1["summary"]["solved"] == 2
    queue = response.context["queue"]
    assert len(_listed(client, queue["breached"]["url"])) == queue["breached"]["n"] == 1
    assert len(_listed(client, queue["total"]["url"])) == queue["total"]["n"] == 2
    for row in queue["rows"]:
        for cell in row["cells"]:
            if cell["n"]:
                assert len(_listed(client, cell["url"])) == cell["n"]
    today = response.context["today"][0]
    assert len(_listed(client, today["created_url"])) == today["created"]


def test_first_reply_figure_opens_the_tickets_first_replied_in_the_range(client, history):
    client.force_login(history["lead"])
    start = days_ago(2).date().isoformat()  # a1's login ticket of 3 days ago falls outside
    response = client.get("/metrics/team/", {"category": history["login"].slug, "start": start})
    a1 = _row(response, history["a1"])
    assert a1["summary"]["frt_count"] == 1
    replied = Ticket.objects.get(
        assignee=history["a1"], category=history["login"], created_at=days_ago(2)
    )
    assert _listed(client, a1["frt_url"]) == [replied.pk]


def test_bad_filters_answer_400_with_a_message(client, history):
    client.force_login(history["lead"])
    response = client.get("/metrics/team/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()
    response = client.get("/metrics/team/", {"start": "yesterday"})
    assert response.status_code == 400
    response = client.get("/metrics/team/", {"team": history["team_bpo"].pk})  # not theirs
    assert response.status_code == 400


def test_chart_data_downloads_as_csv(client, history):
    client.force_login(history["lead"])
    response = client.get("/metrics/team/", {"csv": "volume"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["label", "Created", "Solved"]
    assert sum(int(r[1]) for r in rows[1:]) == 5
    assert client.get("/metrics/team/", {"csv": "nope"}).status_code == 404


def test_associates_cannot_open_the_lead_or_manager_dashboards(client, history):
    client.force_login(history["a1"])
    assert client.get("/metrics/team/").status_code == 403
    assert client.get("/metrics/overview/").status_code == 403


def test_manager_sees_teams_and_vendors_side_by_side(client, history):
    client.force_login(history["manager"])
    response = client.get("/metrics/overview/")
    assert response.status_code == 200
    solved = {r["team"].pk: r["summary"]["solved"] for r in response.context["teams"]}
    assert solved == {
        history["team_a"].pk: 3,
        history["team_b"].pk: 1,
        history["team_bpo"].pk: 1,
    }
    vendors = {r["vendor"].pk: r["summary"]["solved"] for r in response.context["vendors"]}
    assert vendors[history["team_a"].vendor_id] == 4
    assert vendors[history["team_bpo"].vendor_id] == 1


def test_bpo_lead_sees_no_other_vendors_figures(client, history):
    client.force_login(history["bpo_lead"])
    response = client.get("/metrics/team/")
    assert response.context["summary"]["solved"] == 1
    assert response.context["queue"]["total"]["n"] == 0
    assert [r["agent"].user_id for r in response.context["associates"]] == [history["bpo1"].pk]


def test_my_stats_compares_me_with_my_team_medians(client, history):
    client.force_login(history["a1"])
    response = client.get("/metrics/me/")
    assert response.status_code == 200
    assert response.context["mine"]["solved"] == 3
    # a1 solved 3; a2 solved none but replied once (5 min): both count as active peers
    assert response.context["peers"] == 2
    assert response.context["team"]["solved"] == 1.5
    assert response.context["team"]["frt_p50"] == pytest.approx((5 + 30) / 2, rel=0.05)


def test_my_stats_figures_open_the_tickets_behind_them(client, history):
    client.force_login(history["a1"])
    response = client.get("/metrics/me/")
    body = response.content.decode()
    mine = Ticket.objects.filter(assignee=history["a1"]).values_list("pk", flat=True)
    for name in ("frt_url", "reopen_url", "sla_url"):
        assert f'<a href="{response.context[name].replace("&", "&amp;")}">' in body
    listed = client.get(response.context["frt_url"]).context["page"].rows
    assert sorted(row["pk"] for row in listed) == sorted(mine)  # the three a1 first replied to
    assert list(client.get(response.context["reopen_url"]).context["page"].rows) == []
    assert 'href="/metrics/qa/mine/"' in body


def _queries(client, url):
    client.get(url)  # warm: per-user caches (permissions, the nav badge) fill on a first visit
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_dashboard_query_counts_do_not_grow_with_rows(client, history):
    client.force_login(history["lead"])
    small = {u: _queries(client, u) for u in ("/metrics/team/", "/metrics/me/")}
    client.force_login(history["manager"])
    small["/metrics/overview/"] = _queries(client, "/metrics/overview/")
    for i in range(6):
        agent = AgentFactory(team=history["team_a"]).user
        make_ticket(history, team=history["team_a"], category=history["billing"], created=days_ago(i % 5), reply_after=timedelta(minutes=7 * (i + 1)), agent=agent, solve=i % 2 == 0)  # fmt: skip
    rollup_refresh(now=NOW + timedelta(minutes=1))
    client.force_login(history["lead"])
    assert _queries(client, "/metrics/team/") == small["/metrics/team/"]
    assert _queries(client, "/metrics/me/") == small["/metrics/me/"]
    client.force_login(history["manager"])
    assert _queries(client, "/metrics/overview/") == small["/metrics/overview/"]
    print("dashboard queries:", small)  # noqa: T201 - reported in the helper's report


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),  # the default eight weeks through today
        ("2026-02-16", "2026-03-15"),  # four whole weeks (Monday to Sunday)
        ("2026-03-04", "2026-03-17"),  # part weeks at both ends, ending before today
        ("2026-03-15", "2026-03-18"),  # a Sunday, then this week through today
    ],
)
def test_weekly_rollups_give_the_same_figures_as_the_daily_rows(history, start, end, rf):
    """Whole weeks are read from the weekly tables, part weeks from the daily ones: every
    cell and summary equals summing the daily rows alone."""
    from metrics.filters import DashboardFilter
    from metrics.selectors import rollup_rows
    from metrics.selectors.summary import group

    for n in (20, 15, 8, 6):  # Feb 26, and Tue 3, Tue 10, Thu 12 March: inside part weeks
        make_ticket(history, team=history["team_a"], category=history["login"], created=days_ago(n), reply_after=timedelta(minutes=45 + n), agent=history["a2"], solve=True)  # fmt: skip
    rollup_backfill(start=days_ago(21).date(), end=NOW.date(), now=NOW)
    request = rf.get("/")
    for user in (history["lead"], history["manager"]):
        request.user = user
        params = {k: v for k, v in (("start", start), ("end", end)) if v}
        filters = DashboardFilter(params, request=request)
        assert filters.is_valid()
        for per_agent in (True, False):
            weekly = rollup_rows(user=user, filters=filters, per_agent=per_agent, weekly=True)
            daily = rollup_rows(user=user, filters=filters, per_agent=per_agent)
            for key in (lambda r: r["agent_id"], lambda r: r["team_id"], lambda r: None):
                assert group(weekly, key) == group(daily, key)
            assert sum(r["created"] for r in daily) == sum(r["created"] for r in weekly) > 0


def test_dashboards_say_which_figures_an_unfinished_backfill_has_not_rebuilt(client, history):
    from metrics.models import RollupWatermark
    from metrics.services.rollups import BACKFILL

    client.force_login(history["lead"])
    assert "data-backfill" not in client.get("/metrics/team/").content.decode()
    RollupWatermark.objects.create(name=BACKFILL, value=days_ago(2))
    body = client.get("/metrics/team/").content.decode()
    assert f"Figures from {days_ago(2):%-d %b %Y} (UTC) on are still being rebuilt" in body
    # A period that ends before the pending days is complete: no notice.
    before = (days_ago(2) - timedelta(days=7)).date().isoformat()
    earlier = client.get("/metrics/team/", {"start": before, "end": before}).content.decode()
    assert "data-backfill" not in earlier


def test_filter_choices_are_the_viewers_and_follow_renames(client, history):
    client.force_login(history["bpo_lead"])
    page = client.get("/metrics/team/").content.decode()
    bpo = history["team_bpo"]
    assert f'<option value="{bpo.pk}">{bpo.name}</option>' in page
    assert f">{bpo.vendor.name}</option>" in page
    assert ">All teams</option>" in page
    client.force_login(history["lead"])
    page = client.get("/metrics/team/", {"channel": "email"}).content.decode()
    assert f">{bpo.name}</option>" not in page  # another vendor's team: not offered
    assert '<option value="email" selected>Email</option>' in page
    bpo.vendor.name = "Renamed Vendor"
    bpo.vendor.save()
    client.force_login(history["bpo_lead"])
    assert ">Renamed Vendor</option>" in client.get("/metrics/team/").content.decode()
    response = client.get("/metrics/team/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert '<p class="form-error">The end date is before the start date.</p>' in (
        response.content.decode()
    )
