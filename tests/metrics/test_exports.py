"""Exports and scheduled reports: streamed files, formula neutralisation, scope, time zones,
and a scheduled run whose XLSX attachment openpyxl reads back."""

import csv
import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.http import StreamingHttpResponse
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from metrics.exports import neutralise, writers
from metrics.models import ReportRun, ReportSchedule
from metrics.services import report_run_resend, report_schedule_save, rollup_refresh
from metrics.tasks import report_schedule_run
from teams.models import Role
from tests.factories import AgentFactory
from tickets.models import Ticket

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, frozen):
    o = org
    evil = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True)  # fmt: skip
    Ticket.objects.filter(pk=evil.pk).update(subject='=HYPERLINK("http://evil.example","x")')
    make_ticket(o, team=o["team_b"], category=o["billing"], created=days_ago(1))
    make_ticket(o, team=o["team_bpo"], category=o["login"], created=days_ago(1, 3), reply_after=timedelta(minutes=5), agent=o["bpo1"], solve=True)  # fmt: skip
    rollup_refresh(now=NOW)
    o["evil"] = evil
    return o


def _csv(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_neutralise_blocks_formulas_but_keeps_numbers():
    for bad in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(bad) == "'" + bad
    assert neutralise(-5) == -5
    assert neutralise("Hello = world") == "Hello = world"


def test_manager_downloads_tickets_csv_streamed_and_neutralised(client, data):
    client.force_login(data["manager"])
    response = client.get("/metrics/exports/download/", {"dataset": "tickets", "format": "csv"})
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][:3] == ["Reference", "Subject", "Status"]
    assert len(rows) == 4  # header + 3 tickets in the manager's teams
    subjects = [r[1] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in subjects


def test_xlsx_export_reads_back_with_openpyxl_and_is_neutralised(client, data):
    client.force_login(data["manager"])
    response = client.get(
        "/metrics/exports/download/",
        {"dataset": "tickets", "format": "xlsx", "team": data["team_a"].pk},
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book["Tickets"].iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == f"FL-{data['evil'].pk}"
    # Shown as written, without an apostrophe: a text cell Excel never evaluates, marked with
    # the quote prefix Excel sets when one types a leading apostrophe.
    subject = book["Tickets"].cell(row=2, column=2)
    assert subject.value == '=HYPERLINK("http://evil.example","x")'
    assert subject.data_type == "s"
    assert subject.quotePrefix


def test_xlsx_cells_are_typed_dates_in_the_viewers_zone_and_numbers(client, data):
    """A spreadsheet user sorts and sums the columns: times are dates (in the viewer's zone,
    shown to the second), minutes and reopens are numbers, text with control characters
    (from an e-mail subject) comes back as written."""
    from datetime import datetime

    data["manager"].agent.time_zone = "Asia/Manila"
    data["manager"].agent.save()
    Ticket.objects.filter(pk=data["evil"].pk).update(subject="Bell \x07 in the subject")
    client.force_login(data["manager"])
    response = client.get(
        "/metrics/exports/download/",
        {"dataset": "tickets", "format": "xlsx", "team": data["team_a"].pk},
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, row = (list(r) for r in book.active.iter_rows(values_only=True))
    cell = dict(zip(header, row, strict=True))
    created = days_ago(2).astimezone(ZoneInfo("Asia/Manila")).replace(tzinfo=None)
    assert cell["Created (Asia/Manila)"] == created.replace(microsecond=0)
    assert isinstance(cell["First reply (Asia/Manila)"], datetime)
    assert cell["First reply (min)"] == pytest.approx(30)
    assert cell["Reopens"] == 0
    # U+0007 in the format's own escape, which Excel shows as the character (openpyxl
    # leaves it escaped); openpyxl's writer refused such text outright.
    assert cell["Subject"] == "Bell _x0007_ in the subject"
    created_cell = book.active.cell(row=2, column=header.index("Created (Asia/Manila)") + 1)
    assert created_cell.number_format == "yyyy-mm-dd hh:mm:ss"


def test_an_xlsx_past_a_sheets_rows_is_refused_with_a_message(client, data, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)
    client.force_login(data["manager"])
    response = client.get("/metrics/exports/download/", {"dataset": "tickets", "format": "xlsx"})
    assert response.status_code == 400
    assert "choose CSV" in response.content.decode()


def test_times_are_in_the_viewers_time_zone(client, data):
    manager_agent = data["manager"].agent
    manager_agent.time_zone = "Asia/Manila"
    manager_agent.save()
    client.force_login(data["manager"])
    response = client.get(
        "/metrics/exports/download/",
        {"dataset": "tickets", "format": "csv", "team": data["team_a"].pk},
    )
    rows = _csv(response)
    created = rows[1][rows[0].index("Created (Asia/Manila)")]
    expected = (days_ago(2) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert created == expected


def test_a_bpo_managers_export_has_no_other_vendors_tickets(client, data):
    bpo_manager = AgentFactory(role=Role.MANAGER, team=data["team_bpo"]).user
    client.force_login(bpo_manager)
    rows = _csv(client.get("/metrics/exports/download/", {"dataset": "tickets", "format": "csv"}))
    assert [r[rows[0].index("Team")] for r in rows[1:]] == [data["team_bpo"].name]
    agents = _csv(client.get("/metrics/exports/download/", {"dataset": "agents", "format": "csv"}))
    assert [r[0] for r in agents[1:]] == [data["bpo1"].get_full_name()]


def test_exports_need_the_export_permission_and_valid_input(client, data):
    client.force_login(data["lead"])
    assert client.get("/metrics/exports/").status_code == 403
    assert client.get("/metrics/exports/download/", {"dataset": "tickets"}).status_code == 403
    client.force_login(data["manager"])
    response = client.get("/metrics/exports/download/", {"dataset": "nope", "format": "csv"})
    assert response.status_code == 400
    assert "dataset" in response.content.decode()


def test_agent_performance_export_matches_the_rollups(client, data):
    client.force_login(data["manager"])
    rows = _csv(client.get("/metrics/exports/download/", {"dataset": "agents", "format": "csv"}))
    by_agent = {r[0]: r for r in rows[1:]}
    assert by_agent[data["a1"].get_full_name()][3] == "1"  # solved
    assert float(by_agent[data["a1"].get_full_name()][4]) == pytest.approx(30, rel=0.05)


def test_scheduled_report_emails_a_real_xlsx_logs_the_run_and_can_be_resent(client, data):
    schedule = report_schedule_save(
        schedule=ReportSchedule(
            name="Weekly tickets",
            owner=data["manager"],
            dataset="tickets",
            format="xlsx",
            frequency=ReportSchedule.Frequency.WEEKLY,
            recipients="boss@example.com, ops@example.com",
            filters={"team": data["team_a"].pk},
        ),
        by=data["manager"],
    )
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "metrics.tasks.report_schedule_run"
    assert json.loads(task.kwargs) == {"schedule_id": schedule.pk}
    assert task.crontab.day_of_week == "1"

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        report_schedule_run.delay(schedule.pk)
        report_schedule_run.delay(schedule.pk)  # a repeated delivery sends nothing new
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["boss@example.com", "ops@example.com"]
    name, content, mimetype = email.attachments[0]
    assert name.endswith(".xlsx")
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(
        load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "Reference"
    assert [r[0] for r in rows[1:]] == [f"FL-{data['evil'].pk}"]  # team A only
    assert rows[1][1] == '=HYPERLINK("http://evil.example","x")'
    run = ReportRun.objects.get()
    assert run.row_count == 1
    assert run.status == ReportRun.Status.OK

    report_run_resend(run=run, by=data["manager"])
    assert len(mail.outbox) == 2
    run.refresh_from_db()
    assert run.sent_count == 2


def test_schedule_form_rejects_bad_recipients_and_filters_outside_scope(client, data):
    client.force_login(data["manager"])
    base = {
        "name": "Daily",
        "dataset": "agents",
        "format": "csv",
        "frequency": "daily",
        "hour_utc": 6,
        "enabled": "on",
    }
    response = client.post("/metrics/reports/", {**base, "recipients": "not an email"})
    assert response.status_code == 400
    other_team = AgentFactory(role=Role.LEAD).team  # a team outside the manager's scope
    response = client.post(
        "/metrics/reports/", {**base, "recipients": "a@example.com", "team": other_team.pk}
    )
    assert response.status_code == 400
    response = client.post("/metrics/reports/", {**base, "recipients": "a@example.com"})
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    response = client.post(f"/metrics/reports/{schedule.pk}/run/")
    assert response.status_code == 302
    assert ReportRun.objects.get().row_count >= 1
    assert mail.outbox[0].attachments[0][0].endswith(".csv")


def test_postgresql_formatted_csv_reads_back_the_same_as_the_python_writer(client, data):
    """The export at scale (exports.pgcsv: PostgreSQL's COPY writes the CSV) gives a CSV
    reader the same cells as the Python writer: quoting, neutralised formulas, zones, decimals."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL-formatted CSV")
    from zoneinfo import ZoneInfo

    from metrics.exports import build_dataset, csv_stream
    from metrics.exports.pgcsv import CopyCsv
    from metrics.services.reports import export_filters

    tricky = 'He said "hi", then\nleft; -1 @once'
    Ticket.objects.filter(pk=data["evil"].pk).update(subject=tricky)
    manager = data["manager"]
    filters = export_filters(user=manager, data={})
    zone = ZoneInfo("Asia/Manila")
    dataset = build_dataset("tickets", user=manager, filters=filters, tz=zone)
    assert dataset.copy is not None
    stream = CopyCsv(dataset.header, dataset.copy)
    fast = list(csv.reader(io.StringIO(b"".join(stream).decode("utf-8-sig"))))
    slow_text = "".join(csv_stream(dataset.header, dataset.rows)).lstrip("\ufeff")
    slow = list(csv.reader(io.StringIO(slow_text)))
    assert fast == slow
    assert stream.rows == len(fast) - 1 == 3
    assert tricky in [r[1] for r in fast]
    minutes = fast[0].index("First reply (min)")
    assert any(r[minutes] == "30.0" for r in fast[1:])


@pytest.mark.postgres
def test_a_failing_copy_raises_a_database_error_and_leaves_the_connection_usable(data):
    """An error inside PostgreSQL's COPY (here a division by zero in a cell) reaches the
    caller as Django's DataError instead of a stream that hangs or ends short in silence."""
    from django.db import DataError, connection
    from django.db.models.expressions import RawSQL

    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL COPY path")
    from metrics.exports.pgcsv import CopyCsv

    cells = Ticket.objects.annotate(bad=RawSQL("1 / (id - id)", ())).values_list("bad")
    stream = iter(CopyCsv(["Bad"], cells))
    assert next(stream).startswith("\ufeffBad".encode())
    with pytest.raises(DataError, match="division by zero"):
        next(stream)
    assert Ticket.objects.count() == 3
