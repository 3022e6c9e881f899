"""Settings → QA scorecards (drafts, publish, immutable published versions, preview,
validation, access, audit), the workspace's Review action, and pulling a ticket into the
QA queue with its sampling explained."""

from datetime import timedelta

import pytest
from django.urls import reverse

from metrics.models import Criterion, QAQueueItem, Scorecard, ScorecardVersion
from metrics.services import scorecard_publish
from teams.models import AuditEntry, Role
from tests.factories import AgentFactory

from .conftest import days_ago, make_ticket

pytestmark = pytest.mark.django_db
Y, FIVE = Criterion.Scale.YES_NO, Criterion.Scale.ONE_TO_FIVE


@pytest.fixture(autouse=True)
def _no_seeded_scorecard(db):
    """Start without the default scorecard the migrations seed (absent under --nomigrations)."""
    Scorecard.objects.all().delete()


@pytest.fixture
def qa(db):
    return AgentFactory(role=Role.QA_ANALYST, team=None).user


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, user__is_superuser=True, user__is_staff=True).user


def card_form(rows, **over):
    data = {"name": "Support quality", "description": "", "c-TOTAL_FORMS": str(len(rows)),
            "c-INITIAL_FORMS": "0", "c-MIN_NUM_FORMS": "0", "c-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, (section, text, scale, weight, auto_fail) in enumerate(rows):
        data.update({f"c-{i}-section": section, f"c-{i}-text": text, f"c-{i}-scale": scale,
                     f"c-{i}-weight": str(weight)})  # fmt: skip
        if auto_fail:
            data[f"c-{i}-auto_fail"] = "on"
    data.update(over)
    return data


ROWS = [
    ("Accuracy", "Right answer", Y, 3, False),
    ("Accuracy", "Clear wording", FIVE, 1, False),
    ("Policy", "Verified identity", Y, 1, True),
    ("", "", Y, 1, False),
]


def test_qa_analyst_creates_a_draft_previews_and_publishes_it(client, qa, org):
    client.force_login(qa)
    assert "QA scorecards" in client.get(reverse("settings:index")).content.decode()
    preview = client.post(reverse("metrics:scorecard_new_preview"), card_form(ROWS))
    body = preview.content.decode()
    assert "Right answer: 60.0% of the score" in body
    assert "auto-fail" in body
    assert not Scorecard.objects.exists()

    assert client.post(reverse("metrics:scorecard_new"), card_form(ROWS)).status_code == 302
    draft = ScorecardVersion.objects.get()
    assert draft.published_at is None
    sections = {s.title: [c.text for c in s.criteria.all()] for s in draft.sections.all()}
    assert sections == {
        "Accuracy": ["Right answer", "Clear wording"],
        "Policy": ["Verified identity"],
    }
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SETTING_CHANGE)
    assert entry.detail["section"] == "scorecards"
    assert entry.detail["before"] is None
    assert entry.detail["after"]["sections"][1]["criteria"][0]["auto_fail"] is True

    # A draft is not offered to reviewers until it is published.
    ticket = make_ticket(org, team=org["team_a"], category=org["login"], created=days_ago(1),
                         reply_after=timedelta(minutes=5), agent=org["a1"], solve=True)  # fmt: skip
    review = reverse("metrics:qa_review", args=[ticket.pk])
    assert "Right answer" not in client.get(review).content.decode()
    response = client.post(reverse("metrics:scorecard_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert "Right answer" in client.get(review).content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SETTING_CHANGE).count() == 2


def test_editing_a_published_scorecard_makes_a_new_draft_and_leaves_it_untouched(client, qa):
    v1 = scorecard_publish(name="Support quality", sections=[
        {"title": "Accuracy", "criteria": [{"text": "Right answer", "scale": Y, "weight": 1}]}])  # fmt: skip
    client.force_login(qa)
    url = reverse("metrics:scorecard_edit", args=[v1.scorecard_id])
    assert "saving creates draft version 2" in client.get(url).content.decode()
    rows = [("Accuracy", "Right answer", Y, 2, False), ("Tone", "Friendly", Y, 1, False)]
    assert client.post(url, card_form(rows)).status_code == 302
    assert [c.weight for c in Criterion.objects.filter(section__version=v1)] == [1]
    v2 = ScorecardVersion.objects.get(number=2)
    assert v2.published_at is None
    assert Criterion.objects.filter(section__version=v2).count() == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SETTING_CHANGE)
    assert entry.detail["before"]["version"] == 1
    assert entry.detail["after"]["version"] == 2
    # Saving again rewrites the same draft; publishing twice is refused.
    assert client.post(url, card_form(rows[:1])).status_code == 302
    assert ScorecardVersion.objects.count() == 2
    assert client.post(reverse("metrics:scorecard_publish", args=[v1.pk])).status_code == 400


@pytest.mark.parametrize(
    ("rows", "over", "message"),
    [
        ([("", "", Y, 1, False)], {}, "A scorecard needs at least one criterion."),
        ([("Accuracy", "Right", Y, 0, False)], {}, "greater than or equal to 1"),
        ([("", "Right", Y, 1, False)], {}, "Name the section this criterion belongs to."),
        (ROWS, {"name": ""}, "This field is required."),
        (ROWS, {"c-0-scale": "ten"}, "Select a valid choice"),
    ],
)
def test_invalid_scorecard_saves_nothing_and_says_why(client, qa, rows, over, message):
    client.force_login(qa)
    response = client.post(reverse("metrics:scorecard_new"), card_form(rows, **over))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Scorecard.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SETTING_CHANGE).exists()


def test_duplicate_name_is_refused(client, admin):
    scorecard_publish(name="Support quality", sections=[
        {"title": "A", "criteria": [{"text": "Right", "scale": Y, "weight": 1}]}])  # fmt: skip
    client.force_login(admin)
    response = client.post(reverse("metrics:scorecard_new"), card_form(ROWS))
    assert response.status_code == 400
    assert "There is already a scorecard named" in response.content.decode()
    assert Scorecard.objects.count() == 1


def test_only_qa_analysts_and_admins_edit_scorecards(client, org, admin):
    for user, status in ((org["a1"], 403), (org["lead"], 403), (org["manager"], 403), (admin, 200)):
        client.force_login(user)
        assert client.get(reverse("metrics:scorecards")).status_code == status
        assert client.post(reverse("metrics:scorecard_new"), card_form(ROWS)).status_code in (
            status,
            302,
        )
    assert Scorecard.objects.count() == 1  # the admin's only


def test_review_action_in_the_workspace_for_reviewers_only(client, org, qa):
    ticket = make_ticket(org, team=org["team_a"], category=org["login"], created=days_ago(1),
                         reply_after=timedelta(minutes=5), agent=org["a1"], solve=True)  # fmt: skip
    scorecard_publish(name="Card", sections=[
        {"title": "A", "criteria": [{"text": "Right answer", "scale": Y, "weight": 1}]}])  # fmt: skip
    url = reverse("tickets:detail", args=[ticket.pk])
    review = reverse("metrics:qa_review", args=[ticket.pk])
    for user in (org["lead"], qa):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert f'href="{review}"' in page
        assert "Right answer" in client.get(review).content.decode()
    client.force_login(org["a2"])
    assert f'href="{review}"' not in client.get(url).content.decode()
    client.force_login(org["a1"])  # the assignee never reviews their own ticket
    assert f'href="{review}"' not in client.get(url).content.decode()


def test_reviewer_pulls_a_visible_ticket_into_the_queue(client, org):
    ticket = make_ticket(org, team=org["team_a"], category=org["login"], created=days_ago(1),
                         reply_after=timedelta(minutes=5), agent=org["a1"])  # fmt: skip
    client.force_login(org["lead"])
    queue = client.get(reverse("metrics:qa_queue")).content.decode()
    assert "Weekly random sample" in queue
    assert "Nothing waiting for QA." in queue
    response = client.post(reverse("metrics:qa_pull"), {"ticket": f"fl-{ticket.pk}"})
    assert response.status_code == 302
    item = QAQueueItem.objects.get()
    assert item.reason == QAQueueItem.Reason.PULLED
    assert item.pulled_by == org["lead"]
    assert item.agent == org["a1"]
    assert ticket.reference in client.get(reverse("metrics:qa_queue")).content.decode()
    again = client.post(reverse("metrics:qa_pull"), {"ticket": str(ticket.pk)})
    assert again.status_code == 400
    assert "already waiting in the QA queue" in again.content.decode()


def test_pulling_is_refused_out_of_scope_and_for_associates(client, org):
    other = make_ticket(org, team=org["team_bpo"], category=org["login"], created=days_ago(1),
                        reply_after=timedelta(minutes=5), agent=org["bpo1"])  # fmt: skip
    client.force_login(org["lead"])
    response = client.post(reverse("metrics:qa_pull"), {"ticket": f"FL-{other.pk}"})
    assert response.status_code == 400
    assert "in your scope" in response.content.decode()
    response = client.post(reverse("metrics:qa_pull"), {"ticket": "bogus"})
    assert response.status_code == 400
    client.force_login(org["a2"])
    assert client.post(reverse("metrics:qa_pull"), {"ticket": f"FL-{other.pk}"}).status_code == 403
    assert not QAQueueItem.objects.exists()
