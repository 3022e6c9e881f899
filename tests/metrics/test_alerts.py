"""Trend alerts: a burst against the same hours of the last 4 weeks raises an alert with a
link to its tickets; usual volume does not."""

from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import time_machine
from django.utils import timezone

from metrics.models import ProductFeedback, TrendAlertNotice
from metrics.selectors.alerts import poisson_tail, volume_spikes
from metrics.tasks import trend_alerts_notify
from tests.factories import TicketFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _tickets(org, category, at, n, team=None):
    for i in range(n):
        TicketFactory(
            category=category, team=team or org["team_a"], created_at=at - timedelta(minutes=i + 1)
        )


def test_poisson_tail():
    assert poisson_tail(0, 3) == 1.0
    assert poisson_tail(1, 2) == pytest.approx(1 - 2.718281828**-2)


def test_a_burst_raises_an_alert_and_usual_volume_does_not(client, org, frozen):
    for week in range(1, 5):
        _tickets(org, org["login"], NOW - timedelta(weeks=week), 2)
        _tickets(org, org["billing"], NOW - timedelta(weeks=week), 9)
    _tickets(org, org["login"], NOW, 14)  # usual is 2
    _tickets(org, org["billing"], NOW, 10)  # usual is 9
    alerts = volume_spikes(user=org["lead"], now=NOW)
    assert [a["category"] for a in alerts] == [org["login"].name]
    alert = alerts[0]
    assert alert["observed"] == 14
    assert alert["expected"] == 2
    assert alert["z"] == pytest.approx((14 - 2) / 2**0.5)
    assert "category=account-access" in alert["url"]

    client.force_login(org["lead"])
    body = client.get("/metrics/team/").content.decode()
    assert "Volume spikes" in body
    assert "14 tickets since" in body


def test_alerts_only_count_tickets_the_viewer_may_see(org, frozen):
    _tickets(org, org["login"], NOW, 20, team=org["team_bpo"])
    assert volume_spikes(user=org["lead"], now=timezone.now()) == []
    assert [a["observed"] for a in volume_spikes(user=org["bpo_lead"], now=NOW)] == [20]


@pytest.fixture
def spike(org, frozen):
    """14 account-access tickets for team A in the last hours, against 2 usually."""
    for week in range(1, 5):
        _tickets(org, org["login"], NOW - timedelta(weeks=week), 2)
    _tickets(org, org["login"], NOW, 14)
    _tickets(org, org["billing"], NOW, 3)  # not part of the spike
    return org


def test_a_spike_is_emailed_once_to_the_teams_lead_and_manager(
    spike, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {**settings.FRONTLINE, "TREND_ALERT_EMAILS": True}
    with django_capture_on_commit_callbacks(execute=True):
        assert trend_alerts_notify() == 1
    assert len(mailoutbox) == 1
    raw = mailoutbox[0].message().as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert sorted(a.strip() for a in parsed["To"].split(",")) == sorted(
        [spike["lead"].email, spike["manager"].email]
    )
    subject = str(parsed["Subject"]).strip()
    assert subject.startswith(f"Volume spike on {spike['team_a'].name}: ")
    assert subject.endswith("Account Access +600% since 12:00, 8.5σ")
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "14 Account Access tickets" in body
    assert "category=account-access" in body
    assert f"team={spike['team_a'].pk}" in body
    # The next sweep in the same spike sends nothing more.
    with (
        time_machine.travel(NOW + timedelta(minutes=15), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert trend_alerts_notify() == 0
    assert len(mailoutbox) == 1
    notice = TrendAlertNotice.objects.get()
    assert (notice.observed, notice.team_id) == (14, spike["team_a"].pk)


def test_spike_emails_are_off_unless_configured(spike, mailoutbox):
    assert trend_alerts_notify() == 0
    assert mailoutbox == []


def test_filing_a_spike_as_product_feedback_lists_its_tickets_once(client, spike):
    client.force_login(spike["lead"])
    page = client.get("/metrics/team/")
    alert = page.context["alerts"][0]
    assert alert["filing"] is None
    assert "File product-feedback escalation" in page.content.decode()
    form = {"category": alert["slug"], "until": alert["until"].isoformat()}
    response = client.post("/metrics/feedback/file/", form)
    filing = ProductFeedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/feedback/{filing.pk}/"
    assert filing.tickets.count() == 14
    assert set(filing.tickets.values_list("category__slug", flat=True)) == {"account-access"}
    assert filing.filed_by == spike["lead"]
    # Twice (or by the manager a few minutes later, or from the email's dashboard): one filing.
    client.post("/metrics/feedback/file/", form)
    client.force_login(spike["manager"])
    later = {**form, "until": (alert["until"] + timedelta(minutes=5)).isoformat()}
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert client.post("/metrics/feedback/file/", later).status_code == 302
        body = client.get("/metrics/overview/").content.decode()
    assert ProductFeedback.objects.count() == 1
    assert f"filed as product feedback PF-{filing.pk}" in body

    detail = client.get(f"/metrics/feedback/{filing.pk}/")
    assert detail.status_code == 200
    shown = list(detail.context["tickets"])
    assert len(shown) == 14
    assert f'href="/tickets/{shown[0].pk}/"' in detail.content.decode()
    assert f"PF-{filing.pk}" in client.get("/metrics/feedback/").content.decode()


def test_filing_without_a_spike_or_with_bad_input_is_a_clear_400(client, spike):
    client.force_login(spike["lead"])
    until = NOW.isoformat()
    quiet = client.post("/metrics/feedback/file/", {"category": "billing", "until": until})
    assert quiet.status_code == 400
    assert "no volume spike of" in quiet.content.decode()
    assert client.post("/metrics/feedback/file/", {"category": "account-access", "until": "soon"}).status_code == 400  # fmt: skip
    assert client.post("/metrics/feedback/file/", {"category": "nope", "until": until}).status_code == 400  # fmt: skip
    assert ProductFeedback.objects.count() == 0
    client.force_login(spike["a1"])
    assert client.post("/metrics/feedback/file/", {"category": "account-access", "until": until}).status_code == 403  # fmt: skip
