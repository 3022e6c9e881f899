"""Exports and scheduled reports leave an audit entry: who, which dataset, filters, rows."""

import io
import threading

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from openpyxl import load_workbook

from metrics.exports import pgcsv
from metrics.models import ReportSchedule
from metrics.services import report_run, report_schedule_save
from metrics.views.exports import export_download_view
from teams.models import AuditEntry
from tickets.models import Ticket

from .conftest import days_ago, make_ticket

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


@pytest.fixture
def data(org, frozen):
    for team in (org["team_a"], org["team_a"], org["team_b"]):
        make_ticket(org, team=team, category=org["login"], created=days_ago(1))
    return org


def test_csv_export_records_who_what_filters_and_rows_sent(client, data):
    client.force_login(data["manager"])
    team = data["team_a"].pk
    response = client.get(
        "/metrics/exports/download/",
        {"dataset": "tickets", "format": "csv", "team": team},
        REMOTE_ADDR="192.0.2.44",
    )
    assert not AuditEntry.objects.filter(action=A.EXPORT).exists()  # recorded when sent
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 3  # header + 2 tickets of team A
    entry = AuditEntry.objects.get(action=A.EXPORT)
    assert entry.actor == data["manager"]
    assert (entry.target_type, entry.target_id) == ("metrics.dataset", "tickets")
    assert entry.detail["rows"] == 2
    assert entry.detail["complete"] is True
    assert entry.detail["filters"] == {"team": str(team)}
    assert entry.ip == "192.0.2.44"


def test_xlsx_export_records_the_row_count_of_the_file(client, data):
    client.force_login(data["manager"])
    response = client.get("/metrics/exports/download/", {"dataset": "tickets", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.rows)
    entry = AuditEntry.objects.get(action=A.EXPORT)
    assert entry.detail["rows"] == len(rows) - 1 == 3
    assert entry.detail["format"] == "xlsx"


def test_a_scheduled_report_run_is_recorded_for_its_owner(data):
    schedule = report_schedule_save(
        schedule=ReportSchedule(
            name="Daily", owner=data["manager"], dataset="tickets", format="csv",
            frequency=ReportSchedule.Frequency.DAILY, recipients="boss@example.com",
            filters={"team": data["team_b"].pk},
        ),
        by=data["manager"],
    )  # fmt: skip
    run = report_run(schedule=schedule)  # covers yesterday (frozen at NOW)
    entry = AuditEntry.objects.get(action=A.REPORT_RUN)
    assert entry.actor == data["manager"]
    assert entry.target_id == str(schedule.pk)
    assert entry.detail["rows"] == run.row_count == 1
    assert entry.detail["filters"] == {"team": data["team_b"].pk}
    assert entry.detail["recipients"] == ["boss@example.com"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY path")
def test_a_download_dropped_mid_copy_is_recorded_incomplete_and_frees_the_database(
    rf, data, monkeypatch
):
    """A client that goes away while PostgreSQL's COPY still streams: the COPY stops, the
    entry says how many rows were sent and that the file was incomplete, and the request's
    connection is usable again (no COPY left running on it)."""
    monkeypatch.setattr(pgcsv, "BLOCK", 1)  # a block per row, so the stream can stop midway
    monkeypatch.setattr(pgcsv, "QUEUE", 1)
    request = rf.get("/metrics/exports/download/", {"dataset": "tickets", "format": "csv"})
    request.user = data["manager"]
    response = export_download_view(request)
    chunks = iter(response.streaming_content)
    header, first = next(chunks), next(chunks)
    assert header.startswith("\ufeffReference".encode())
    assert first.startswith(b"FL-")
    # What the server does when the client goes away; the test keeps its connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    entry = AuditEntry.objects.get(action=A.EXPORT)
    assert entry.detail["complete"] is False
    assert entry.detail["rows"] == 1
    assert Ticket.objects.count() == 3
    assert not [t for t in threading.enumerate() if t.name == "export-copy"]
