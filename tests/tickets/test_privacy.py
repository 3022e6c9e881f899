"""Erasure of a requester (GDPR/CCPA) and retention: no trace of them is left in any table,
any stored file or any export, while the figures metrics need stay."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from metrics.models import ReportRun, ReportSchedule
from metrics.services import report_run
from teams.models import AuditEntry, Role, Sensitivity
from teams.services import pii_hash
from tests.factories import AgentFactory, AttachmentFactory, CategoryFactory, TicketFactory
from tickets import events
from tickets.models import (
    Attachment,
    CSATResponse,
    Message,
    OutboxMessage,
    Requester,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.services import (
    email_ingest,
    notifications_create,
    requester_erase,
    retention_run,
    ticket_add_note,
    ticket_change_status,
    ticket_create,
    ticket_reply,
)
from tickets.services.privacy import tombstone_email

EMAIL = "zq-erase-7731@users.example.org"
NAME = "Quillon Vantablack"
# The test fails if any of these is found anywhere (case-insensitive) after the erasure.
TRACES = [EMAIL, NAME, "quillon", "vantablack", "zq-erase-7731", "@quillonv", "+44 7700 900123"]
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def places(settings, tmp_path, team, category, agent, django_capture_on_commit_callbacks):
    """One requester spread over every place the app stores text: web and email tickets, an
    email attachment, agent replies and notes quoting them, a subject change, a CSAT comment,
    notifications, outbox and webhook payloads, an admin log entry, a stored scheduled report
    (XLSX and CSV) and the sent-mail log of the file e-mail backend."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "var" / "mail"
    team.categories = [category.slug]
    team.save()
    admin = AgentFactory(role=Role.ADMIN, team=None).user
    other = TicketFactory(team=team, category=category, subject="Password reset loop")
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        web = ticket_create(
            subject=f"{NAME} cannot log in",
            body=f"Hello, I am {NAME} ({EMAIL}), my handle is @quillonv, call +44 7700 900123.",
            requester=Requester.objects.create(
                email=EMAIL, name=NAME, handle="@quillonv", phone="+44 7700 900123"
            ),
            category=category,
            team=team,
        )
        requester = web.requester
        ticket_reply(ticket=web, by=agent.user, body=f"Hi Quillon, we reset {EMAIL}.")
        ticket_add_note(ticket=web, by=agent.user, body=f"{NAME} called twice, see @quillonv.")
        ticket_add_note(ticket=other, by=agent.user, body=f"Similar to {EMAIL}'s case.")
        events.record(web, agent.user, "field", "subject", f"{NAME} cannot log in", "Login")
        ticket_change_status(ticket=web, by=agent.user, status=Ticket.Status.SOLVED)
        CSATResponse.objects.create(
            ticket=web, rating=2, comment=f"Slow. -- {NAME}", created_at=T0, updated_at=T0
        )
        notifications_create(items=[(agent.user.pk, web.pk, "assigned", f"FL-{web.pk} {NAME}")])
        mailed = _email(f"Re: my account {NAME}", b"ID card of " + EMAIL.encode())
        emailed = email_ingest(raw=mailed).ticket
        OutboxMessage.objects.create(
            task="tickets.auto_assign", payload={"to": EMAIL, "n": [NAME]}, created_at=T0
        )
        endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/x", secret="s")
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="ticket.created",
            created_at=T0,
            payload={"ticket": {"subject": web.subject, "requester": {"email": EMAIL}}},
        )
        LogEntry.objects.create(
            user=admin, content_type=ContentType.objects.get_for_model(Requester),
            object_id=str(requester.pk), object_repr=str(requester), action_flag=CHANGE,
            change_message=f"Changed name of {NAME}",
        )  # fmt: skip
    runs = []
    for fmt in ("xlsx", "csv"):
        schedule = ReportSchedule.objects.create(
            name=f"Daily {fmt}", owner=admin, dataset="tickets", format=fmt,
            frequency=ReportSchedule.Frequency.DAILY, recipients="boss@example.com",
        )  # fmt: skip
        with time_machine.travel(T0 + timedelta(days=1), tick=False):
            runs.append(report_run(schedule=schedule))
    return {
        "admin": admin,
        "requester": requester,
        "web": web,
        "emailed": emailed,
        "other": other,
        "runs": runs,
        "media": settings.MEDIA_ROOT,
        "var": tmp_path / "var",
    }


def _email(subject: str, attachment: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{NAME} <{EMAIL}>"
    msg["To"] = "support@frontline.localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="users.example.org")
    msg.set_content(f"Please help.\n\n--\n{NAME}\n{EMAIL}\n")
    msg.add_attachment(attachment, maintype="text", subtype="plain", filename="quillon-id.txt")
    return msg.as_bytes()


def _database_traces() -> list[str]:
    """Every table the database has (introspection, not the model list), every column, cast
    to text — including full-text columns — searched for each trace."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the catalog
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = (bytes(value) if isinstance(value, memoryview) else value) or ""
                    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
                    found += [f"{table}.{column}: {t}" for t in TRACES if t.lower() in text.lower()]
    return found


def _file_traces(*folders: Path) -> list[str]:
    """Every file under the folders; XLSX (zip) members are read uncompressed."""
    found = []
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else ():
            if not path.is_file():
                continue
            data = path.read_bytes()
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    data = b"".join(z.read(n) for n in z.namelist())
            text = data.decode("utf-8", "replace").lower()
            found += [f"{path}: {t}" for t in TRACES if t.lower() in text]
            found += [f"{path}: (file name)" for t in TRACES if t.lower() in path.name.lower()]
    return found


def _export(client, user) -> list[list[str]]:
    client.force_login(user)
    response = client.get(
        "/metrics/exports/download/",
        {"dataset": "tickets", "format": "csv", "start": "2026-03-01", "end": "2026-03-31"},
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_erasure_leaves_no_trace_in_any_table_file_or_export(client, places):
    before_export = _export(client, places["admin"])
    assert any(EMAIL in cell for row in before_export for cell in row)
    # The fixture really put the requester everywhere the scan looks.
    tables = {t.split(".")[0] for t in _database_traces()}
    assert len(tables) >= 10, tables
    if connection.vendor == "postgresql":  # the search documents (trigger-maintained)
        assert "tickets_ticketsearch" in tables
    assert _file_traces(places["media"], places["var"])
    web = places["web"]
    kept = Ticket.objects.filter(pk=web.pk).values(
        "status", "created_at", "first_reply_at", "solved_at", "priority", "team", "category"
    )[0]

    counts = requester_erase(
        requester=places["requester"], by=places["admin"], reason=f"GDPR request from {EMAIL}"
    )

    assert _database_traces() == []
    assert _file_traces(places["media"], places["var"]) == []
    after_export = _export(client, places["admin"])
    assert not [cell for row in after_export for cell in row if "quillon" in cell.lower()]
    # Metrics kept: same rows, same figures; the tombstone where the address was.
    assert len(after_export) == len(before_export)
    assert any(tombstone_email(places["requester"].pk) in row for row in after_export)
    assert Ticket.objects.filter(pk=web.pk).values(*kept)[0] == kept
    assert CSATResponse.objects.get(ticket=web).rating == 2
    assert Message.objects.filter(ticket=web).count() == 3  # bodies replaced, rows kept
    assert not Attachment.objects.filter(ticket=places["emailed"]).exists()
    # the e-mailed ticket's file and the original e-mail kept with its message
    assert (counts.tickets, counts.attachments) == (2, 2)
    # Someone else's ticket: only the mention of the address changed.
    note = Message.objects.filter(ticket=places["other"]).last().body_text
    assert note == f"Similar to {tombstone_email(places['requester'].pk)}'s case."
    # Stored reports were rewritten, not dropped: still readable, same row count.
    xlsx, csv_run = (ReportRun.objects.get(pk=r.pk) for r in places["runs"])
    rows = list(load_workbook(xlsx.file.path).active.iter_rows(values_only=True))
    assert len(rows) == xlsx.row_count + 1 == 3  # the web and the e-mailed ticket
    assert csv_run.file.read().decode("utf-8-sig").count("\n") == csv_run.row_count + 1


def test_someone_else_with_the_same_name_keeps_their_name_and_messages(places, team, category):
    namesake = Requester.objects.create(email="other-quillon@example.net", name=NAME)
    theirs = ticket_create(
        subject=f"{NAME} again", body=f"I am {NAME}, not the other one.",
        requester=namesake, category=category, team=team,
    )  # fmt: skip
    requester_erase(requester=places["requester"], by=places["admin"], reason="GDPR #2")
    namesake.refresh_from_db()
    theirs.refresh_from_db()
    assert (namesake.email, namesake.name) == ("other-quillon@example.net", NAME)
    assert theirs.subject == f"{NAME} again"
    assert theirs.messages.get().body_text == f"I am {NAME}, not the other one."


def test_the_erasure_is_audited_with_a_hash_not_the_address(places):
    requester = places["requester"]
    requester_erase(requester=requester, by=places["admin"], reason=f"Ticket 88 from {EMAIL}")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REQUESTER_ERASE)
    assert entry.actor == places["admin"]
    assert (entry.target_type, entry.target_id) == ("tickets.requester", str(requester.pk))
    assert entry.detail["email_hash"] == pii_hash(EMAIL)
    assert entry.detail["reason"] == f"Ticket 88 from {tombstone_email(requester.pk)}"
    assert entry.detail["tickets"] == 2
    assert EMAIL not in str(entry.detail)


def test_only_admins_erase_with_a_reason_and_only_once(places, lead):
    requester = places["requester"]
    with pytest.raises(PermissionDenied):
        requester_erase(requester=requester, by=lead.user, reason="asked")
    with pytest.raises(ValidationError, match="reason"):
        requester_erase(requester=requester, by=places["admin"], reason="  ")
    requester_erase(requester=requester, by=places["admin"], reason="asked")
    with pytest.raises(ValidationError, match="already erased"):
        requester_erase(requester=requester, by=places["admin"], reason="asked")


def test_admin_erase_page_needs_the_address_typed_again(client, places):
    requester = places["requester"]
    url = f"/admin/tickets/requester/{requester.pk}/erase/"
    client.force_login(places["admin"])
    assert (
        "Erase (data-subject request)"
        in client.get(f"/admin/tickets/requester/{requester.pk}/change/").content.decode()
    )
    page = client.get(url)
    assert page.status_code == 200
    wrong = client.post(url, {"reason": "GDPR #1", "confirm_email": "someone@else.org"})
    assert wrong.status_code == 400
    assert "not this requester" in wrong.content.decode()
    assert Requester.objects.get(pk=requester.pk).email == EMAIL
    done = client.post(url, {"reason": "GDPR #1", "confirm_email": EMAIL.upper()})
    assert done.status_code == 302
    assert Requester.objects.get(pk=requester.pk).email == tombstone_email(requester.pk)


# --- retention --------------------------------------------------------------------------------


@pytest.fixture
def closed_tickets(settings, tmp_path, team, agent):
    """Closed tickets of each sensitivity with an attachment, closed on T0."""
    settings.MEDIA_ROOT = tmp_path
    out = {}
    with time_machine.travel(T0, tick=False):
        for sensitivity in Sensitivity.values:
            ticket = TicketFactory(
                team=team,
                category=CategoryFactory(slug=f"cat-{sensitivity}", sensitivity=sensitivity),
                status=Ticket.Status.CLOSED,
                closed_at=timezone.now(),
            )
            attachment = AttachmentFactory(ticket=ticket)
            attachment.preview.save("preview.png", ContentFile(b"pixels"))
            out[sensitivity] = ticket
    return out


def test_retention_purges_sensitive_attachments_after_n_days(settings, closed_tickets):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "RETENTION_SENSITIVE_ATTACHMENT_DAYS": 30,
        "RETENTION_ANONYMISE_DAYS": 0,
    }
    paths = {s: Path(t.attachments.get().file.path) for s, t in closed_tickets.items()}
    previews = {s: Path(t.attachments.get().preview.path) for s, t in closed_tickets.items()}
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        assert retention_run().attachments == 0
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        result = retention_run()
    assert (result.attachments, result.files) == (2, 4)  # uploads and their previews
    assert paths["none"].exists()
    assert previews["none"].exists()
    assert not previews["sensitive"].exists()
    assert not paths["sensitive"].exists()
    assert not paths["restricted"].exists()
    assert Attachment.objects.get().ticket == closed_tickets["none"]
    runs = AuditEntry.objects.filter(action=AuditEntry.Action.RETENTION_RUN).order_by("pk")
    assert [r.detail["attachments_deleted"] for r in runs] == [0, 2]


def test_retention_anonymises_requesters_whose_tickets_closed_m_days_ago(
    settings, closed_tickets, team
):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "RETENTION_SENSITIVE_ATTACHMENT_DAYS": 0,
        "RETENTION_ANONYMISE_DAYS": 365,
    }
    old = closed_tickets["none"]
    still_active = closed_tickets["sensitive"].requester
    TicketFactory(team=team, requester=still_active)  # an open ticket: not anonymised
    with time_machine.travel(T0 + timedelta(days=366), tick=False):
        result = retention_run()
        again = retention_run()  # safe to run twice
    assert result.requesters == 2  # the "none" and "restricted" tickets' requesters
    assert again.requesters == 0
    old.refresh_from_db()
    assert old.requester.email == tombstone_email(old.requester.pk)
    assert old.subject == "[erased]"
    assert (old.status, old.closed_at) == (Ticket.Status.CLOSED, T0)
    assert Requester.objects.get(pk=still_active.pk).email.endswith("users.example.org")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.RETENTION_RUN).earliest("pk")
    assert entry.detail["requesters_anonymised"] == 2


def test_retention_is_scheduled_nightly_by_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="tickets.tasks.retention_run")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("3", "30", True)


def test_the_retention_task_calls_the_service(settings, closed_tickets):
    from tickets.tasks import retention_run as task

    settings.FRONTLINE = {**settings.FRONTLINE, "RETENTION_SENSITIVE_ATTACHMENT_DAYS": 1}
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        assert task.delay().get()["attachments"] == 2
