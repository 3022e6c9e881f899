"""Issue 18 item 4: `import_zendesk DIR` on an export written in Zendesk's published API
shapes (tests/tickets/fixtures/zendesk/account: an incremental-export page with side-loaded
metric sets, NDJSON tickets with embedded comments, comment pages per ticket, users, groups,
memberships, organizations, ticket fields, satisfaction ratings, one attachment file)."""

import json
import shutil
import statistics
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from metrics.models import DailyRollup, TicketMetric
from metrics.services.rollups import rollup_rebuild_days, ticket_metrics_recompute
from teams.models import Agent, Team
from tickets.models import Attachment, CSATResponse, Message, Requester, Ticket, TicketEvent
from tickets.services.zendesk import ZendeskError, writing, zendesk_import

pytestmark = pytest.mark.django_db

ACCOUNT = Path(__file__).parent / "fixtures" / "zendesk" / "account"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _snapshot():
    return {
        "tickets": sorted(
            Ticket.objects.values_list(
                "pk", "status", "priority", "team__name", "assignee__email", "created_at",
                "first_reply_at", "solved_at", "closed_at", "custom_fields", "channel",
            ),
            key=repr,
        ),
        "messages": sorted(
            Message.objects.values_list("ticket_id", "kind", "author_user_id", "author_requester_id", "created_at", "body_text"),
            key=repr,
        ),
        "events": sorted(TicketEvent.objects.filter(field="status").values_list("ticket_id", "created_at", "old", "new"), key=repr),
        "csat": sorted(CSATResponse.objects.values_list("ticket_id", "rating", "agent_id", "rated_at"), key=repr),
        "tags": sorted(Ticket.tags.through.objects.values_list("ticket_id", "tag__name")),
        "attachments": Attachment.objects.count(),
        "people": (Team.objects.count(), Agent.objects.count(), Requester.objects.count()),
    }  # fmt: skip


def _by_zendesk_id(zid):
    return Ticket.objects.get(custom_fields__zendesk_id=str(zid))


def test_import_maps_a_zendesk_account_and_is_idempotent(media, capsys):
    call_command("import_zendesk", str(ACCOUNT), batch=2)
    captured = capsys.readouterr()
    assert "6 Zendesk tickets: 6 created, 0 updated" in captured.out
    assert "6/6" in captured.err  # the progress bar
    first = _snapshot()

    call_command("import_zendesk", str(ACCOUNT))
    assert "6 created" not in capsys.readouterr().out
    assert _snapshot() == first
    assert Ticket.objects.count() == 6

    # Statuses, priorities, groups → teams, agents, channels.
    assert Counter(Ticket.objects.values_list("status", flat=True)) == {
        "solved": 2, "closed": 1, "pending": 1, "open": 1, "on_hold": 1,
    }  # fmt: skip
    t1, t2, t5 = _by_zendesk_id(1001), _by_zendesk_id(1002), _by_zendesk_id(1005)
    assert (t1.priority, t2.priority, t5.priority) == (3, 4, 2)
    assert (t1.team.name, t2.team.name, t5.team.name) == ("Tier 1", "Billing Desk", "Billing Desk")
    assert (t1.assignee.email, t2.assignee.email) == ("alice@acme.test", "bob@acme.test")
    assert not t1.assignee.has_usable_password()  # a login once invited
    assert Agent.objects.get(user__email="bob@acme.test").team.name == "Billing Desk"
    assert (t1.channel, t2.channel, t5.channel) == ("email", "web", "agent")
    assert (t1.category.name, t2.category.name, _by_zendesk_id(1003).category.name) == (
        "Question", "Incident", "Question",
    )  # fmt: skip
    # Custom fields by their titles, the organisation, tags; Zendesk ids kept.
    assert t1.custom_fields == {
        "zendesk_id": "1001",
        "zendesk_fields": {"Order number": "A-12345", "Plan": "plan_pro"},
        "zendesk_organization": "Acme Corp",
    }
    assert sorted(t1.tags.values_list("name", flat=True)) == ["plan_pro", "vip"]
    assert Requester.objects.get(email="carol@example.com").external_id == "zendesk:200"
    assert t2.requester.email.endswith("@requester.import.invalid")  # Dan has no email
    # Public replies vs internal notes, by their authors, at their times.
    notes = Message.objects.filter(kind="internal")
    assert sorted((n.ticket.custom_fields["zendesk_id"], n.author_user.email) for n in notes) == [
        ("1001", "alice@acme.test"), ("1005", "bob@acme.test"),
    ]  # fmt: skip
    assert t1.messages.filter(kind="public", author_requester__isnull=False).count() == 1
    # Attachments: the file when the export has it, else a link.
    stored = Attachment.objects.get()
    assert (stored.name, stored.ticket) == ("export-log.txt", _by_zendesk_id(1003))
    assert stored.file.read().startswith(b"export started")
    linked = t2.messages.get(author_user__isnull=False).body_text
    assert "refund-receipt.pdf: https://acme.zendesk.com/attachments/token/abc123/" in linked
    # CSAT: good → 5, bad → 1, offered/unoffered → none; credited to the assignee.
    assert sorted((c.ticket.custom_fields["zendesk_id"], c.rating, c.agent.email) for c in CSATResponse.objects.all()) == [
        ("1001", 5, "alice@acme.test"), ("1002", 1, "bob@acme.test"), ("1006", 5, "bob@acme.test"),
    ]  # fmt: skip
    assert t2.csat.rated_at == datetime(2026, 10, 6, 8, 0, tzinfo=UTC)


def test_dashboards_report_the_zendesk_figures(media):
    zendesk_import(ACCOUNT)
    days = ticket_metrics_recompute(
        ticket_ids=Ticket.objects.values_list("pk", flat=True), now=timezone.now()
    )
    by_id = {m.ticket.custom_fields["zendesk_id"]: m for m in TicketMetric.objects.select_related("ticket")}  # fmt: skip
    # First reply: the first public agent comment (Zendesk's reply_time_in_minutes).
    assert {k: m.first_reply_minutes for k, m in by_id.items()} == {
        "1001": 30, "1002": 15, "1003": 60, "1004": None, "1005": None, "1006": 45,
    }  # fmt: skip
    # Resolution: from creation to the metric set's solved_at.
    assert {k: m.full_resolution_minutes for k, m in by_id.items() if m.solved} == {
        "1001": 120, "1002": 120, "1006": 90,
    }  # fmt: skip
    assert {k for k, m in by_id.items() if m.one_touch} == {"1002"}
    assert Counter(m.solved_day for m in by_id.values() if m.solved) == {
        date(2026, 10, 5): 2, date(2026, 10, 7): 1,
    }  # fmt: skip
    ratings = [m.csat_rating for m in by_id.values() if m.csat_rating]
    assert statistics.mean(ratings) == pytest.approx(11 / 3)
    rollup_rebuild_days(days=days)
    totals = DailyRollup.objects.aggregate(
        solved=Sum("solved"), created=Sum("created"), frt=Sum("frt_sum"), frt_n=Sum("frt_count"),
        res=Sum("resolution_sum"), one=Sum("one_touch"), c1=Sum("csat_1"), c5=Sum("csat_5"),
    )  # fmt: skip
    assert totals == {
        "solved": 3, "created": 6, "frt": 150, "frt_n": 4, "res": 330, "one": 1, "c1": 1, "c5": 2,
    }  # fmt: skip
    tier1 = DailyRollup.objects.filter(team__name="Tier 1", day=date(2026, 10, 5))
    assert tier1.aggregate(n=Sum("solved"))["n"] == 1


def test_a_broken_export_imports_nothing_and_says_where(media, tmp_path):
    broken = tmp_path / "account"
    shutil.copytree(ACCOUNT, broken)
    lines = (broken / "tickets.ndjson").read_text().splitlines()
    row = json.loads(lines[1])
    row["status"] = "archived"
    (broken / "tickets.ndjson").write_text(lines[0] + "\n" + json.dumps(row) + "\n")
    with pytest.raises(
        ZendeskError, match="ticket 1006: status 'archived' is not a Zendesk status"
    ):
        zendesk_import(broken)
    (broken / "tickets.ndjson").write_text(lines[0] + "\n{not json\n")
    with pytest.raises(CommandError, match="tickets.ndjson line 2: not JSON"):
        call_command("import_zendesk", str(broken))
    assert Ticket.objects.count() == Team.objects.count() == Requester.objects.count() == 0


def test_a_failing_batch_keeps_the_batches_before_it_and_a_rerun_finishes(media, monkeypatch):
    real = writing._rating

    def fail_on_1006(ticket, rating, now):
        if ticket.custom_fields["zendesk_id"] == "1006":
            raise RuntimeError("database went away")
        real(ticket, rating, now)

    monkeypatch.setattr(writing, "_rating", fail_on_1006)
    with pytest.raises(RuntimeError):
        zendesk_import(ACCOUNT, batch=4)
    # Batch one (1001-1004) is in, batch two (1005-1006) left nothing behind.
    assert sorted(t.custom_fields["zendesk_id"] for t in Ticket.objects.all()) == [
        "1001", "1002", "1003", "1004",
    ]  # fmt: skip
    assert not Message.objects.filter(body_text__startswith="Nothing loads").exists()
    monkeypatch.setattr(writing, "_rating", real)
    result = zendesk_import(ACCOUNT, batch=4)
    assert (result.created, result.updated) == (2, 4)
    assert Ticket.objects.count() == 6
    assert Message.objects.filter(ticket__custom_fields__zendesk_id="1006").count() == 4
