"""Exports a manager can read: people by name, choices by label, the time zone in the header
(or UTC ISO 8601), rounded figures, and an XLSX "Definitions" sheet with each column's meaning."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from metrics.definitions import BY_SLUG
from metrics.models import TicketMetric
from metrics.services import rollup_refresh
from tickets.models import Ticket

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, frozen):
    o = org
    o["solved"] = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True, channel=Ticket.Channel.EMAIL, priority=Ticket.Priority.HIGH)  # fmt: skip
    o["new"] = make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(1))
    rollup_refresh(now=NOW)
    # A first reply that is not a round number of minutes.
    TicketMetric.objects.filter(ticket=o["solved"]).update(first_reply_minutes=72.88247262442826)
    return o


def _get(client, user, **params):
    client.force_login(user)
    response = client.get("/metrics/exports/download/", {"dataset": "tickets", **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_tickets_csv_names_people_and_labels_choices_and_rounds(client, data):
    rows = _csv_rows(_get(client, data["manager"], format="csv", team=data["team_a"].pk))

    solved, new = rows
    assert solved["Status"] == "Solved"
    assert solved["Priority"] == "High"
    assert solved["Channel"] == "Email"
    assert solved["Assignee"] == data["a1"].get_full_name() != data["a1"].username
    assert solved["First reply (min)"] == "72.9"
    assert new["Status"] == "New"
    assert new["Channel"] == "Web form"
    assert new["Assignee"] == ""


def test_the_time_zone_is_named_in_the_header(client, data):
    data["manager"].agent.time_zone = "America/New_York"
    data["manager"].agent.save()

    rows = _csv_rows(_get(client, data["manager"], format="csv", team=data["team_a"].pk))

    assert "Created (America/New_York)" in rows[0]
    expected = (days_ago(2) - timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S")  # EDT in March
    assert rows[0]["Created (America/New_York)"] == expected


def test_the_utc_iso_option_writes_iso_8601_utc_in_csv_and_xlsx(client, data):
    data["manager"].agent.time_zone = "Asia/Manila"
    data["manager"].agent.save()
    params = {"team": data["team_a"].pk, "times": "utc"}

    rows = _csv_rows(_get(client, data["manager"], format="csv", **params))
    book = load_workbook(io.BytesIO(_get(client, data["manager"], format="xlsx", **params)))

    iso = days_ago(2).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows[0]["Created (UTC, ISO 8601)"] == iso
    header, first, _ = book["Tickets"].iter_rows(values_only=True)
    assert dict(zip(header, first, strict=True))["Created (UTC, ISO 8601)"] == iso
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0]["First reply (UTC, ISO 8601)"])


def test_bad_times_choice_is_refused_with_a_message(client, data):
    client.force_login(data["manager"])
    response = client.get(
        "/metrics/exports/download/", {"dataset": "tickets", "format": "csv", "times": "mars"}
    )
    assert response.status_code == 400
    assert "times" in response.content.decode()


def test_xlsx_has_a_definitions_sheet_with_each_columns_meaning(client, data):
    book = load_workbook(io.BytesIO(_get(client, data["manager"], format="xlsx")))

    assert book.sheetnames == ["Tickets", "Definitions"]
    header = next(book["Tickets"].iter_rows(values_only=True))
    meanings = dict(list(book["Definitions"].iter_rows(values_only=True))[1:])
    assert [c for c in header if not meanings.get(c)] == []
    assert BY_SLUG["first-reply-time"].formula in meanings["First reply (min)"]
    assert BY_SLUG["reopens"].formula in meanings["Reopens"]
    assert "UTC" in meanings["Times"]  # the manager has no zone of their own: UTC


def test_agent_export_gives_names_and_percentages_with_one_decimal(client, data):
    content = _get(client, data["manager"], format="xlsx", **{"dataset": "agents"})
    book = load_workbook(io.BytesIO(content))
    header, *rows = book["Agent performance"].iter_rows(values_only=True)
    by_agent = {r[0]: dict(zip(header, r, strict=True)) for r in rows}

    a1 = by_agent[data["a1"].get_full_name()]
    assert a1["One-touch rate (%)"] == 100.0
    assert a1["Reopen rate (%)"] == 0.0
    assert a1["First reply mean (min)"] == round(a1["First reply mean (min)"], 1)
    assert "Definitions" in book.sheetnames
