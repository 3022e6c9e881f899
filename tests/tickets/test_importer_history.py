"""Issue 18 item 3: an imported export reports right. Another helpdesk's export with durations,
teams, categories and agents Frontline does not know and no requester column goes through
`import_tickets --create-missing`; the metrics (per-ticket facts, then the daily rollups)
match figures computed independently from the CSV."""

import csv
import json
import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from metrics.models import DailyRollup, RollupWatermark, TicketMetric
from metrics.services.rollups import rollup_rebuild_days, rollup_refresh, ticket_metrics_recompute
from teams.models import Agent, Team
from tests.factories import CategoryFactory, TeamFactory
from tickets.models import Category, CSATResponse, Message, Requester, SLAPolicy, Ticket, TicketSLA
from tickets.services.importer import import_tickets, load_mapping

pytestmark = pytest.mark.django_db

ROWS = 5000
BERLIN = ZoneInfo("Europe/Berlin")
TEAMS = ["Tier 1 EMEA", "Tier 1 Americas", "Tier 2", "Payments desk"]
CATEGORIES = ["Login", "Refunds", "Shipping", "Bugs", "Invoices", "Cancellations", "Setup", "Other"]
AGENTS = [f"{first} {last}" for first, last in zip(
    ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max",
     "Nia", "Oto", "Pia", "Quin", "Rui", "Sam", "Tea", "Uma", "Vik", "Wen", "Xia", "Yan"],
    ["Ames", "Bell", "Cruz", "Diaz", "Eke", "Fox", "Gray", "Holm", "Ito", "Jung", "Kerr", "Lind",
     "Moss", "Nash", "Orr", "Park", "Quay", "Ruiz", "Shaw", "Tate", "Ueda", "Vega", "Wolf", "Xu",
     "Yoon"], strict=True)]  # fmt: skip
STATUS = {"Solved": "solved", "Closed": "closed", "Open": "open", "Waiting": "pending"}
HEADER = ["Ticket #", "Created", "Group", "Type", "Assignee", "State", "Urgency",
          "Minutes to first response", "Hours to resolution", "Agent replies", "Satisfaction"]  # fmt: skip


def _export(path, rows=ROWS, seed=18):
    """A deterministic export: local Berlin times, durations, ~70 % solved or closed."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, 8, 0)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
            state = rng.choices(list(STATUS), weights=[55, 15, 20, 10])[0]
            done = state in ("Solved", "Closed")
            first = round(rng.lognormvariate(4, 1.1), 1) if done or rng.random() < 0.6 else None
            hours = round((first or 0) / 60 + rng.lognormvariate(1.5, 1), 2) if done else None
            replies = rng.choice([1, 1, 2, 3, 4]) if first is not None else 0
            rating = rng.choice(["", "1", "2", "3", "4", "5", "5", "4"]) if done else ""
            out.writerow([
                f"Z-{i}", created.strftime("%d/%m/%Y %H:%M"), rng.choice(TEAMS),
                rng.choice(CATEGORIES), rng.choice(AGENTS), state,
                rng.choice(["Low", "Normal", "High", "Urgent"]),
                "" if first is None else str(first), "" if hours is None else str(hours),
                str(replies), rating,
            ])  # fmt: skip
    return path


def _mapping(tmp_path, **extra):
    mapping = {
        "columns": {
            "external_id": "Ticket #",
            "created_at": "Created",
            "team": "Group",
            "category": "Type",
            "agent": "Assignee",
            "status": "State",
            "priority": "Urgency",
            "first_reply_minutes": "Minutes to first response",
            "resolution_hours": "Hours to resolution",
            "agent_replies": "Agent replies",
            "csat_rating": "Satisfaction",
        },
        "formats": {"created_at": "%d/%m/%Y %H:%M"},
        "time_zone": "Europe/Berlin",
        "values": {
            "status": STATUS,
            "priority": {"Low": "low", "Normal": "normal", "High": "high", "Urgent": "urgent"},
        },
        "defaults": {"subject": "Imported ticket"},
        **extra,
    }
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping))
    return path


def _expected(path):
    """The figures, straight from the CSV (no Frontline code)."""
    first, resolution, solved_days, one_touch, ratings = [], [], Counter(), 0, []
    statuses = Counter()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            statuses[STATUS[row["State"]]] += 1
            created = datetime.strptime(row["Created"], "%d/%m/%Y %H:%M").replace(tzinfo=BERLIN)
            if row["Minutes to first response"]:
                first.append(float(row["Minutes to first response"]))
            if row["Hours to resolution"]:
                resolution.append(float(row["Hours to resolution"]) * 60)
                solved = created.astimezone(UTC) + timedelta(
                    hours=float(row["Hours to resolution"])
                )
                solved_days[solved.astimezone(UTC).date()] += 1
                one_touch += int(row["Agent replies"]) <= 1
            if row["Satisfaction"]:
                ratings.append(int(row["Satisfaction"]))
    return {
        "statuses": statuses,
        "first_mean": statistics.mean(first),
        "first_median": statistics.median(first),
        "res_mean": statistics.mean(resolution),
        "res_median": statistics.median(resolution),
        "solved_days": solved_days,
        "one_touch": one_touch,
        "csat_mean": statistics.mean(ratings),
        "csat_share_4_5": sum(r >= 4 for r in ratings) / len(ratings),
        "csat_count": len(ratings),
    }


def test_an_export_with_durations_and_unknown_names_reports_as_computed_from_the_csv(
    tmp_path, capsys
):
    export = _export(tmp_path / "export.csv")
    mapping = _mapping(tmp_path)
    with pytest.raises(CommandError, match=r"^5000 row\(s\) invalid out of 5000; nothing"):
        call_command("import_tickets", str(export), mapping=str(mapping))
    assert "team 'Tier 2' does not exist" in capsys.readouterr().err
    assert Ticket.objects.count() == 0

    call_command("import_tickets", str(export), mapping=str(mapping), create_missing=True)
    out = capsys.readouterr().out
    assert "created 4 teams" in out
    assert "created 8 categories" in out
    assert "created 25 agents" in out
    assert sorted(Team.objects.values_list("name", flat=True)) == sorted(TEAMS)
    assert sorted(Category.objects.values_list("name", flat=True)) == sorted(CATEGORIES)
    people = Agent.objects.select_related("user")
    assert sorted(str(a) for a in people) == sorted(AGENTS)
    assert not any(a.user.has_usable_password() for a in people)  # a login once invited
    assert Ticket.objects.count() == ROWS
    # No requester column: one placeholder requester per external id.
    assert Requester.objects.count() == ROWS
    assert Requester.objects.get(external_id="Z-7").tickets.get().custom_fields == {
        "import_id": "Z-7"
    }

    expected = _expected(export)
    got = Counter(dict(Ticket.objects.values_list("status").annotate(n=Sum(1))))
    assert got == expected["statuses"]
    now = timezone.now()
    days = ticket_metrics_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True), now=now)
    metrics = TicketMetric.objects.all()
    first = [m.first_reply_minutes for m in metrics if m.first_reply_minutes is not None]
    assert statistics.mean(first) == pytest.approx(expected["first_mean"], abs=0.01)
    assert statistics.median(first) == pytest.approx(expected["first_median"], abs=0.01)
    res = [m.full_resolution_minutes for m in metrics if m.solved]
    assert statistics.mean(res) == pytest.approx(expected["res_mean"], abs=0.01)
    assert statistics.median(res) == pytest.approx(expected["res_median"], abs=0.01)
    assert Counter(m.solved_day for m in metrics if m.solved) == expected["solved_days"]
    assert sum(m.one_touch for m in metrics) == expected["one_touch"]
    ratings = [m.csat_rating for m in metrics if m.csat_rating]
    assert len(ratings) == expected["csat_count"]
    assert statistics.mean(ratings) == pytest.approx(expected["csat_mean"])
    assert sum(r >= 4 for r in ratings) / len(ratings) == pytest.approx(expected["csat_share_4_5"])

    # The daily rollups the dashboards read agree: solved per day, first-reply and
    # resolution sums, one-touch and CSAT.
    rollup_rebuild_days(days=days)
    totals = DailyRollup.objects.aggregate(
        solved=Sum("solved"), one=Sum("one_touch"), frt=Sum("frt_sum"), frt_n=Sum("frt_count"),
        res=Sum("resolution_sum"), res_n=Sum("resolution_count"), c4=Sum("csat_4"),
        c5=Sum("csat_5"),
    )  # fmt: skip
    assert totals["solved"] == sum(expected["solved_days"].values())
    assert totals["one"] == expected["one_touch"]
    assert totals["frt"] / totals["frt_n"] == pytest.approx(expected["first_mean"], abs=0.01)
    assert totals["res"] / totals["res_n"] == pytest.approx(expected["res_mean"], abs=0.01)
    assert totals["c4"] + totals["c5"] == round(expected["csat_share_4_5"] * len(ratings))
    busiest, count = expected["solved_days"].most_common(1)[0]
    day_rows = DailyRollup.objects.filter(day=busiest)
    assert day_rows.aggregate(n=Sum("solved"))["n"] == count


def test_first_reply_is_an_agents_message_at_the_first_reply_time(tmp_path):
    export = _export(tmp_path / "export.csv", rows=40)
    import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    ticket = Ticket.objects.filter(status="solved").exclude(first_reply_at=None).first()
    replies = Message.objects.filter(ticket=ticket, author_user__isnull=False).order_by(
        "created_at"
    )
    assert replies[0].created_at == ticket.first_reply_at > ticket.created_at
    assert replies[0].author_user_id == ticket.assignee_id
    assert ticket.solved_at > ticket.first_reply_at
    # CSAT is credited to the agent and dated at the solve.
    rated = CSATResponse.objects.select_related("ticket").first()
    assert rated.agent_id == rated.ticket.assignee_id
    assert rated.rated_at == rated.ticket.solved_at


def test_a_mapping_section_creates_only_what_it_allows(tmp_path):
    export = _export(tmp_path / "export.csv", rows=30)
    for name in CATEGORIES:
        CategoryFactory(name=name, slug=name.lower())
    mapping = _mapping(tmp_path, create_missing=["teams"])
    result = import_tickets(export, load_mapping(mapping))
    assert result.invalid_rows == 30
    assert "agent" in result.errors[0].message
    assert Team.objects.count() == 0
    mapping = _mapping(tmp_path, create_missing=["teams", "agents"])
    result = import_tickets(export, load_mapping(mapping))
    assert result.ok
    assert result.imported == 30
    assert result.created == {"teams": 4, "categories": 0, "agents": len(result.to_create["agents"])}  # fmt: skip
    assert Category.objects.count() == len(CATEGORIES)


def test_a_truncated_last_line_is_an_error_naming_it(tmp_path):
    export = _export(tmp_path / "export.csv", rows=6)
    text = export.read_text(encoding="utf-8")
    export.write_text(text[: text.rstrip("\n").rfind(",")], encoding="utf-8")  # cut mid-row
    result = import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    assert [(e.line, e.message) for e in result.errors] == [
        (7, "has 10 field(s), the header has 11 (the file looks truncated here)")
    ]
    assert Ticket.objects.count() == 0


def test_a_row_with_too_many_fields_is_refused(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(",".join(HEADER) + "\nZ-1,01/09/2026 10:00,T,Login,Ana Ames,Open,Low,5,,1,,extra\n")  # fmt: skip
    result = import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    assert [e.line for e in result.errors] == [2]
    assert "has 12 field(s), the header has 11" in result.errors[0].message


def test_a_bad_duration_names_the_row(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(",".join(HEADER) + "\nZ-1,01/09/2026 10:00,T,Login,Ana Ames,Open,Low,soon,,1,\nZ-2,01/09/2026 10:00,T,Login,Ana Ames,Open,Low,1:30,,1,\n")  # fmt: skip
    result = import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    assert [e.line for e in result.errors] == [2]
    assert "first_reply_minutes 'soon' is not a number of minutes" in result.errors[0].message


def test_update_writes_over_tickets_already_imported(tmp_path, capsys):
    TeamFactory(name="Tier 2", slug="tier-2")
    CategoryFactory(name="Login", slug="login")
    get_user_model().objects.create(username="ana", email="ana@example.com")
    export = tmp_path / "e.csv"
    row = "Z-1,01/09/2026 10:00,Tier 2,Login,ana@example.com,{state},High,30,{hours},{n},{csat}\n"
    export.write_text(",".join(HEADER) + "\n" + row.format(state="Open", hours="", n=1, csat=""))
    mapping = _mapping(tmp_path)
    call_command("import_tickets", str(export), mapping=str(mapping))
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.solved_at) == ("open", None)

    export.write_text(
        ",".join(HEADER) + "\n" + row.format(state="Solved", hours="2", n=2, csat="5")
    )
    call_command("import_tickets", str(export), mapping=str(mapping))
    assert "1 already imported" in capsys.readouterr().out
    assert Ticket.objects.get().status == "open"

    call_command("import_tickets", str(export), mapping=str(mapping), update=True)
    assert "(1 of them updated)" in capsys.readouterr().out
    ticket = Ticket.objects.get()
    created = datetime(2026, 9, 1, 10, 0, tzinfo=BERLIN)
    assert (ticket.pk, ticket.status, ticket.solved_at) == (ticket.pk, "solved", created + timedelta(hours=2))  # fmt: skip
    ticket_metrics_recompute(ticket_ids=[ticket.pk], now=timezone.now())
    facts = TicketMetric.objects.get(ticket=ticket)
    assert (facts.first_reply_minutes, facts.full_resolution_minutes) == (30, 120)
    assert (facts.one_touch, facts.csat_rating) == (False, 5)
    # The history was replaced, not added to: one request, two agent replies.
    assert ticket.messages.filter(author_requester__isnull=False).count() == 1
    assert ticket.messages.filter(author_user__isnull=False).count() == 2
    assert Ticket.objects.count() == Requester.objects.count() == 1


def test_a_failure_half_way_rolls_everything_back(tmp_path, monkeypatch):
    """Teams, agents, categories and the batches already written all go."""
    monkeypatch.setattr("tickets.services.importer.writing.BATCH", 7)
    calls = {"n": 0}

    def fails(**kwargs):
        calls["n"] += 1
        raise RuntimeError("disk full")

    monkeypatch.setattr("tickets.services.importer.writing.csat_import", fails)
    export = _export(tmp_path / "export.csv", rows=30)
    with pytest.raises(RuntimeError, match="disk full"):
        import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    assert calls["n"] == 1
    assert Ticket.objects.count() == Message.objects.count() == Requester.objects.count() == 0
    assert Team.objects.count() == Category.objects.count() == Agent.objects.count() == 0


def test_a_mapping_written_from_the_readme_reads_labels_case_and_other_scales(tmp_path):
    """Excel's BOM, labels instead of codes, values in another case, good/bad CSAT, ISO times
    with offsets, semicolons, decimal commas."""
    export = tmp_path / "e.csv"
    export.write_text(
        "\ufeffId;Opened;First reply;Hours;State;Prio;Kind;Rated\n"
        "A;2026-09-01T08:00:00+02:00;2026-09-01T08:45:00+02:00;1,5;SOLVED;High;bug;good\n"
        "B;2026-09-01T09:00:00Z;;;On hold;urgent;BUG;\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "delimiter": ";",
                "columns": {
                    "external_id": "Id", "created_at": "Opened", "first_reply_at": "First reply",
                    "resolution_hours": "Hours", "status": "State", "priority": "Prio",
                    "category": "Kind", "csat_rating": "Rated",
                },
                "values": {
                    "status": {"Solved": "solved", "On hold": "on_hold"},
                    "category": {"Bug": "Bugs"},
                    "csat_rating": {"good": 5, "bad": 1},
                },
                "create_missing": ["categories"],
            }
        )
    )  # fmt: skip
    result = import_tickets(export, load_mapping(mapping))
    assert result.ok, result.errors
    a, b = Ticket.objects.get(subject="Imported ticket A"), Ticket.objects.get(subject="Imported ticket B")  # fmt: skip
    assert (a.status, a.priority, b.status, b.priority) == ("solved", 3, "on_hold", 4)
    assert a.category == b.category
    assert a.category.name == "Bugs"
    assert a.created_at == datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
    assert a.first_reply_at == datetime(2026, 9, 1, 6, 45, tzinfo=UTC)
    assert a.solved_at == datetime(2026, 9, 1, 7, 30, tzinfo=UTC)
    assert a.csat.rating == 5


def test_a_wrong_time_zone_is_a_mapping_error(tmp_path):
    export = _export(tmp_path / "export.csv", rows=2)
    mapping = _mapping(tmp_path, time_zone="Europe/Atlantis")
    with pytest.raises(CommandError, match="time_zone 'Europe/Atlantis' is not an IANA zone"):
        call_command("import_tickets", str(export), mapping=str(mapping))


def test_sla_targets_are_met_or_breached_at_the_history_times(tmp_path):
    """With a policy (urgent: first reply in 60 min, resolution in 4 h, calendar time), an
    imported ticket earns the targets a ticket worked in Frontline would have; the rollups
    count them on the day each ended."""
    SLAPolicy.objects.create(
        name="Urgent", priorities=[4], first_reply_minutes=60, resolution_minutes=240,
        business_time=False,
    )  # fmt: skip
    export = tmp_path / "e.csv"
    rows = [
        "Z-1,01/09/2026 10:00,T,Login,Ana Ames,Solved,Urgent,30,3,2,",  # both met
        "Z-2,01/09/2026 10:00,T,Login,Ana Ames,Solved,Urgent,90,5,2,",  # both breached
        "Z-3,01/09/2026 10:00,T,Login,Ana Ames,Open,Urgent,,,0,",  # running, long overdue
        "Z-4,01/09/2026 10:00,T,Login,Ana Ames,Waiting,Urgent,20,,1,",  # paused before due
    ]
    export.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n")
    import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    outcome = {
        (s.ticket.custom_fields["import_id"], s.kind): (
            s.met,
            s.breached_at is not None,
            s.paused_at is not None,
        )  # fmt: skip
        for s in TicketSLA.objects.select_related("ticket")
    }
    assert outcome == {
        ("Z-1", "first_reply"): (True, False, False), ("Z-1", "resolution"): (True, False, False),
        ("Z-2", "first_reply"): (False, True, False), ("Z-2", "resolution"): (False, True, False),
        ("Z-3", "first_reply"): (None, True, False), ("Z-3", "resolution"): (None, True, False),
        ("Z-4", "first_reply"): (True, False, False), ("Z-4", "resolution"): (None, False, True),
    }  # fmt: skip
    created = datetime(2026, 9, 1, 10, 0, tzinfo=BERLIN)
    z2 = TicketSLA.objects.get(ticket__custom_fields__import_id="Z-2", kind="resolution")
    assert (z2.due_at, z2.stopped_at) == (created + timedelta(hours=4), created + timedelta(hours=5))  # fmt: skip
    days = ticket_metrics_recompute(ticket_ids=Ticket.objects.values_list("pk", flat=True), now=timezone.now())  # fmt: skip
    rollup_rebuild_days(days=days)
    totals = DailyRollup.objects.aggregate(met=Sum("sla_achieved"), breached=Sum("sla_breached"))
    assert totals == {"met": 3, "breached": 4}


def test_usual_words_need_no_values_table_and_no_category_goes_to_imported(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(
        "Id,Created,Status,Priority,Source\n"
        "1,2026-09-01 08:00,Resolved,Medium,Phone\n"
        "2,2026-09-01 09:00,In progress,Critical,Web form\n"
        "3,2026-09-01 10:00,Escalated,Low,Email\n"
    )
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "external_id": "Id", "created_at": "Created", "status": "Status",
                    "priority": "Priority", "channel": "Source",
                }
            }
        )
    )  # fmt: skip
    result = import_tickets(export, load_mapping(mapping))
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "status 'Escalated' is not one of closed, new, on_hold, open, pending, solved")
    ]
    result = import_tickets(export, load_mapping(mapping), on_error="skip")
    got = sorted(Ticket.objects.values_list("status", "priority", "channel", "category__name"))
    assert got == [("open", 4, "web", "Imported"), ("solved", 2, "agent", "Imported")]


def test_the_rollup_refresh_finds_a_long_import_that_ran_past_it(tmp_path, monkeypatch):
    """Rows carry the time the import started; a refresh that ran while it wrote must not
    make the next one skip them. (Only PostgreSQL's COPY keeps the start time: SQLite's
    bulk_create stamps each row as it goes.)"""
    started = timezone.now() - timedelta(minutes=30)
    clock = iter([started])

    class Stub:
        @staticmethod
        def now():
            return next(clock, None) or timezone.now()

    monkeypatch.setattr("tickets.services.importer.writing.timezone", Stub)
    RollupWatermark.objects.create(name="rollups", value=timezone.now() - timedelta(minutes=1))
    export = _export(tmp_path / "export.csv", rows=20)
    import_tickets(export, load_mapping(_mapping(tmp_path)), create_missing=True)
    rollup_refresh()
    assert TicketMetric.objects.count() == 20
