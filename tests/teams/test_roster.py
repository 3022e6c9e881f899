"""Roster import: dry run with per-row errors, all-or-nothing import, the command."""

from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from teams.models import Agent, Role, ShiftTemplate
from teams.roster_csv import PatternError, parse_shift_pattern
from teams.services import RosterInvalid, roster_import
from tests.factories import AgentFactory, TeamFactory

HEADER = "Name,Email,Team,Role,Skills,Time zone,Shift pattern\n"


def test_shift_patterns_cover_ranges_lists_and_overnight():
    assert parse_shift_pattern("Mon-Fri 09:00-17:00") == [(d, time(9), time(17)) for d in range(5)]
    assert parse_shift_pattern("Sat,Sun 22:00-06:00") == [
        (5, time(22), time(6)),
        (6, time(22), time(6)),
    ]
    assert parse_shift_pattern("Fri-Mon 8:30-12:00") == [
        (d, time(8, 30), time(12)) for d in (4, 5, 6, 0)
    ]
    assert parse_shift_pattern("Tue 09:00-13:00; Tue 14:00-18:00")[1] == (1, time(14), time(18))
    assert parse_shift_pattern("") == []
    for bad in ("Mon-Fri 9-5", "Funday 09:00-17:00", "Mon 25:00-26:00", "Mon 09:00-09:00"):
        with pytest.raises(PatternError):
            parse_shift_pattern(bad)


@pytest.fixture
def team(db):
    return TeamFactory(slug="account-care", name="Account Care")


GOOD = (
    HEADER
    + "Ana Reyes,ana@example.com,account-care,associate,billing;feedback,America/New_York,Mon-Fri 09:00-17:00\n"
    + "Ben Santos,ben@example.com,Account Care,Lead,,Asia/Manila,Sun-Thu 22:00-06:00\n"
)


def test_dry_run_reports_each_bad_row_with_its_line_number_and_imports_nothing(team):
    text = (
        HEADER
        + "Ana Reyes,ana@example.com,account-care,associate,billing,America/New_York,Mon-Fri 09:00-17:00\n"
        + "Ben,not-an-email,nowhere,boss,,Mars/Base,Mon-Fri 9-5\n"
        + "Cy Ortiz,ana@example.com,account-care,associate,,UTC,Mon 09:00-17:00\n"
    )
    result = roster_import(by=None, text=text, dry_run=True)
    errors = {row.line: row.errors for row in result.errors}
    assert set(errors) == {3, 4}
    assert any("not an email" in e for e in errors[3])
    assert any('unknown team "nowhere"' in e for e in errors[3])
    assert any('unknown role "boss"' in e for e in errors[3])
    assert any("Mars/Base" in e for e in errors[3])
    assert any("shift pattern" in e for e in errors[3])
    assert errors[4] == ["ana@example.com is also on line 2"]
    assert not Agent.objects.exists()
    with pytest.raises(RosterInvalid):
        roster_import(by=None, text=text, dry_run=False)
    assert not Agent.objects.exists(), "one bad row imports nothing"


def test_import_creates_people_with_shifts_and_reimport_updates(team):
    result = roster_import(by=None, text=GOOD, dry_run=False)
    assert (result.created, result.updated) == (2, 0)
    ana = Agent.objects.get(user__email="ana@example.com")
    assert (ana.user.first_name, ana.user.last_name, ana.skills) == (
        "Ana",
        "Reyes",
        ["billing", "feedback"],
    )
    assert ana.shift_templates.count() == 5
    ben = Agent.objects.get(user__email="ben@example.com")
    assert ben.role == Role.LEAD
    assert ben.user.groups.filter(name="Lead").exists()
    assert all(t.crosses_midnight for t in ben.shift_templates.all())

    moved = GOOD.replace("Mon-Fri 09:00-17:00", "Sat 10:00-14:00")
    result = roster_import(by=None, text=moved, dry_run=False)
    assert (result.created, result.updated) == (0, 2)
    assert list(ana.shift_templates.values_list("weekday", flat=True)) == [5]


def test_missing_columns_are_a_file_level_error(team):
    result = roster_import(by=None, text="name,email\nAna,ana@example.com\n", dry_run=True)
    assert result.errors[0].line == 1
    assert "time zone" in result.errors[0].errors[0]


def test_lead_cannot_import_into_another_team_or_other_roles(team):
    lead = AgentFactory(role=Role.LEAD, team=TeamFactory())
    result = roster_import(by=lead.user, text=GOOD, dry_run=True)
    assert len(result.errors) == 2
    assert any("may not add people" in e for e in result.errors[0].errors)
    assert any("only admins" in e for e in result.errors[1].errors)


def test_roster_page_dry_run_then_import(client, team):
    admin = AgentFactory(role=Role.ADMIN, team=None)
    client.force_login(admin.user)
    assert client.get(reverse("teams:roster_import")).status_code == 200
    upload = SimpleUploadedFile("roster.csv", GOOD.encode(), content_type="text/csv")
    page = client.post(reverse("teams:roster_import"), {"file": upload, "dry_run": "on"})
    assert page.status_code == 200
    assert b"all 2 rows are valid" in page.content
    assert not Agent.objects.filter(user__email="ana@example.com").exists()
    bad = SimpleUploadedFile("roster.csv", (GOOD + "X,bad,team,associate,,UTC,\n").encode())
    page = client.post(reverse("teams:roster_import"), {"file": bad})
    assert page.status_code == 400
    assert b"nothing was imported" in page.content
    assert b'<td class="num">4</td>' in page.content
    good = SimpleUploadedFile("roster.csv", GOOD.encode())
    assert client.post(reverse("teams:roster_import"), {"file": good}).status_code == 200
    assert Agent.objects.filter(user__email__in=["ana@example.com", "ben@example.com"]).count() == 2


def test_associates_cannot_open_the_roster_page(client, team):
    client.force_login(AgentFactory(team=team).user)
    assert client.get(reverse("teams:roster_import")).status_code == 403


def test_command_dry_run_and_import(tmp_path, team, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD + "Bad Row,bad,account-care,associate,,UTC,\n")
    with pytest.raises(CommandError, match="1 row"):
        call_command("import_roster", str(path), "--dry-run")
    assert "line 4:" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import_roster", str(path))
    assert not Agent.objects.exists()
    path.write_text(GOOD)
    call_command("import_roster", str(path))
    assert "Created 2" in capsys.readouterr().out
    assert ShiftTemplate.objects.count() == 10
