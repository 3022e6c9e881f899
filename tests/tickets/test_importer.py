"""The CSV importer on the shared public data set and on deliberately broken files."""

import json
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.models import Avg, Count

from core import copy as bulk
from tests.factories import CategoryFactory, TeamFactory
from tickets.models import CSATResponse, Message, Requester, Ticket
from tickets.services.importer import CLAMPED_TAG, import_tickets, load_mapping

pytestmark = pytest.mark.django_db

DATA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "customer_support_tickets.csv"
)
MAPPING = (
    Path(__file__).resolve().parents[2]
    / "tickets"
    / "import_mappings"
    / "kaggle_customer_support.json"
)


@pytest.fixture
def frontline_taxonomy():
    for slug in ("billing", "technical-issue", "feedback"):
        CategoryFactory(slug=slug)
    return TeamFactory(slug="account-care")


@pytest.mark.skipif(not DATA.exists(), reason="shared data set not present")
def test_public_data_set_imports_with_counts_matching_pandas(frontline_taxonomy):
    frame = pd.read_csv(DATA)
    result = import_tickets(DATA, load_mapping(MAPPING))

    assert result.ok, result.errors[:5]
    assert Ticket.objects.count() == len(frame) == result.imported
    assert Requester.objects.count() == frame["Customer Email"].str.lower().nunique()
    status_map = {"Open": "open", "Pending Customer Response": "pending", "Closed": "closed"}
    expected = frame["Ticket Status"].map(status_map).value_counts().to_dict()
    got = dict(Ticket.objects.values_list("status").annotate(n=Count("pk")))
    assert got == expected
    priority_map = {"Low": 1, "Medium": 2, "High": 3, "Critical": 4}
    assert dict(Ticket.objects.values_list("priority").annotate(n=Count("pk"))) == (
        frame["Ticket Priority"].map(priority_map).value_counts().to_dict()
    )
    # Solve before first reply: clamped and tagged, never a negative duration.
    first = pd.to_datetime(frame["First Response Time"])
    solved = pd.to_datetime(frame["Time to Resolution"])
    clamped = int((solved < first).sum())
    assert result.clamped == clamped
    assert Ticket.objects.filter(tags__name=CLAMPED_TAG).count() == clamped
    assert not [t for t in Ticket.objects.exclude(solved_at=None) if t.solved_at < t.created_at]
    # CSAT: the ratings found agree with pandas on count and mean.
    ratings = frame["Customer Satisfaction Rating"].dropna()
    assert len(result.csat_rows) == len(ratings)
    assert sum(r for _, r, _ in result.csat_rows) / len(result.csat_rows) == pytest.approx(
        ratings.mean()
    )
    # ...and are stored: one CSATResponse per rated ticket, same count, mean and per-score
    # counts as pandas, credited to the ticket's assignee.
    stored = CSATResponse.objects.all()
    assert stored.count() == len(ratings)
    assert stored.aggregate(m=Avg("rating"))["m"] == pytest.approx(ratings.mean())
    assert dict(stored.values_list("rating").annotate(n=Count("pk"))) == (
        ratings.astype(int).value_counts().to_dict()
    )
    credited = stored.values_list("agent_id", "ticket__assignee_id")
    assert all(agent == assignee for agent, assignee in credited)
    # Every description arrives as the requester's first message, template token kept as text.
    assert Message.objects.filter(author_requester__isnull=False).count() == len(frame)
    assert Message.objects.filter(body_text__contains="{product_purchased}").exists()


def _write(tmp_path, text):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _mapping(tmp_path, **extra):
    mapping = {
        "columns": {
            "requester_email": "Email",
            "subject": "Subject",
            "priority": "Prio",
            "category": "Type",
        },
        "values": {
            "priority": {"Critical": "urgent", "Low": "low"},
            "category": {"Bug": "technical-issue"},
        },
        **extra,
    }
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping))
    return load_mapping(path)


def test_one_bad_row_imports_nothing_and_names_the_line(tmp_path, frontline_taxonomy):
    csv_path = _write(
        tmp_path,
        "Email,Subject,Prio,Type\n"
        "a@example.com,Crash,Critical,Bug\n"
        "not-an-email,Crash,Low,Bug\n"
        'b@example.com,"Two\nlines",Bogus,Bug\n',
    )
    result = import_tickets(csv_path, _mapping(tmp_path))
    assert not result.ok
    assert [e.line for e in result.errors] == [3, 4]
    assert "not an email" in result.errors[0].message
    assert "'Bogus' is not in the mapping" in result.errors[1].message
    assert Ticket.objects.count() == 0


def test_dry_run_validates_and_writes_nothing(tmp_path, frontline_taxonomy):
    csv_path = _write(tmp_path, "Email,Subject,Prio,Type\na@example.com,Crash,Critical,Bug\n")
    result = import_tickets(csv_path, _mapping(tmp_path), dry_run=True)
    assert result.ok
    assert result.rows == 1
    assert Ticket.objects.count() == 0


def test_command_reports_errors_and_exits_non_zero(tmp_path, frontline_taxonomy, capsys):
    csv_path = _write(tmp_path, "Email,Subject,Prio,Type\nx,Crash,Critical,Bug\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {"requester_email": "Email", "category": "Type"},
                "values": {"category": {"Bug": "technical-issue"}},
            }
        )
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_tickets", str(csv_path), mapping=str(mapping))
    assert "line 2" in capsys.readouterr().err


def test_mapping_naming_a_missing_column_is_refused(tmp_path, frontline_taxonomy):
    csv_path = _write(tmp_path, "Email,Subject\na@example.com,Hi\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"requester_email": "Email", "category": "Kind"}}))
    with pytest.raises(CommandError, match="Column\\(s\\) not in the file: Kind"):
        call_command("import_tickets", str(csv_path), mapping=str(mapping))


def test_reimporting_the_same_file_changes_nothing(tmp_path, frontline_taxonomy, capsys):
    csv_path = _write(
        tmp_path,
        "Id,Email,Subject,Prio,Type\n"
        "A-1,a@example.com,Crash,Critical,Bug\n"
        "A-2,b@example.com,Slow,Low,Bug\n"
        "A-2,b@example.com,Slow again (same id later in the file),Low,Bug\n",
    )
    mapping = _mapping(tmp_path)
    mapping["columns"]["external_id"] = "Id"
    first = import_tickets(csv_path, mapping)
    assert (first.imported, first.already_imported) == (2, 1)
    before = sorted(Ticket.objects.values_list("pk", "subject", "custom_fields"))
    messages = Message.objects.count()
    second = import_tickets(csv_path, mapping)
    assert (second.imported, second.already_imported) == (0, 3)
    assert sorted(Ticket.objects.values_list("pk", "subject", "custom_fields")) == before
    assert Message.objects.count() == messages
    assert Requester.objects.count() == 2


def test_on_error_skip_imports_the_valid_rows_and_names_the_others(tmp_path, frontline_taxonomy):
    csv_path = _write(
        tmp_path,
        "Email,Subject,Prio,Type\n"
        "a@example.com,Crash,Critical,Bug\n"
        "not-an-email,Crash,Low,Bug\n"
        "c@example.com,Fine,Low,Bug\n",
    )
    mapping_path = tmp_path / "m.json"
    mapping_path.write_text(
        json.dumps(
            {
                "columns": {"requester_email": "Email", "subject": "Subject", "category": "Type"},
                "values": {"category": {"Bug": "technical-issue"}},
            }
        )
    )
    call_command("import_tickets", str(csv_path), mapping=str(mapping_path), on_error="skip")
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Crash", "Fine"]
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_tickets", str(csv_path), mapping=str(mapping_path))
    assert Ticket.objects.count() == 2


def _rows(tmp_path, count):
    lines = ["Id,Email,Subject,Prio,Type"]
    lines += [f"R-{i},user{i}@example.com,Problem number {i},Low,Bug" for i in range(count)]
    return _write(tmp_path, "\n".join(lines) + "\n")


def test_batches_keep_each_message_on_its_own_ticket_and_report_progress(
    tmp_path, frontline_taxonomy, monkeypatch
):
    monkeypatch.setattr("tickets.services.importer.writing.BATCH", 7)
    mapping = _mapping(tmp_path)
    mapping["columns"]["external_id"] = "Id"
    seen = []
    result = import_tickets(_rows(tmp_path, 30), mapping, progress=lambda d, t: seen.append(d))
    assert result.imported == 30
    assert seen == [7, 14, 21, 28, 30]
    pairs = Message.objects.values_list("ticket__custom_fields__import_id", "body_text")
    assert sorted(pairs) == sorted((f"R-{i}", f"Problem number {i}") for i in range(30))
    assert sorted(Ticket.objects.values_list("requester__email", "subject")) == sorted(
        (f"user{i}@example.com", f"Problem number {i}") for i in range(30)
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY batches are PostgreSQL's")
def test_a_batch_the_database_refuses_imports_nothing(tmp_path, frontline_taxonomy, monkeypatch):
    """The COPYs run in a background thread: its failure still reaches the caller and rolls
    the whole import back."""

    copy_of_rows = bulk.copy_of_rows

    def refused_on_the_third_batch(model, rows, **kwargs):
        sql, text = copy_of_rows(model, rows, **kwargs)
        if model is Message and rows[0]["body_text"] == "Problem number 14":
            text = "not a row\n"
        return sql, text

    monkeypatch.setattr("tickets.services.importer.writing.BATCH", 7)
    monkeypatch.setattr(bulk, "copy_of_rows", refused_on_the_third_batch)
    with pytest.raises(DatabaseError):
        import_tickets(_rows(tmp_path, 30), _mapping(tmp_path))
    assert Ticket.objects.count() == Message.objects.count() == Requester.objects.count() == 0
