"""QA: score formula, auto-fail, versions, review pages, responses and disputes, sampling,
calibration spread, and QA in the rollups."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from metrics.models import Criterion, DailyRollup, QAQueueItem, QAReview, Scorecard
from metrics.services import (
    qa_dispute_resolve,
    qa_review_respond,
    qa_review_submit,
    qa_sample_week,
    qa_score,
    scorecard_publish,
)
from tests.factories import TagFactory
from tickets.models import Ticket

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db
Y, Y_NA, FIVE = Criterion.Scale.YES_NO, Criterion.Scale.YES_NO_NA, Criterion.Scale.ONE_TO_FIVE


@pytest.fixture
def card():
    return scorecard_publish(
        name="Test card",
        sections=[
            {
                "title": "Accuracy",
                "criteria": [
                    {"text": "Right answer", "scale": Y, "weight": 3},
                    {"text": "Quality", "scale": FIVE, "weight": 1},
                ],
            },
            {
                "title": "Policy",
                "criteria": [
                    {"text": "Verified identity", "scale": Y_NA, "weight": 2, "auto_fail": True}
                ],
            },
        ],
    )


def _ids(version):
    return {c.text: c.pk for c in Criterion.objects.filter(section__version=version)}


@pytest.fixture
def solved(org, frozen):
    return make_ticket(org, team=org["team_a"], category=org["login"], created=days_ago(1), reply_after=timedelta(minutes=30), agent=org["a1"], solve=True)  # fmt: skip


def test_score_is_the_weighted_mean_of_normalised_criteria(card, solved, org):
    ids = _ids(card)
    # Right answer yes → 100 (w3); quality 4 → 75 (w1); identity N/A → left out
    review = qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 1, ids["Quality"]: 4, ids["Verified identity"]: None},
    )
    assert review.score == pytest.approx((3 * 100 + 1 * 75) / 4)
    assert review.agent_id == org["a1"].pk
    assert review.auto_failed is False


def test_a_failed_auto_fail_criterion_zeroes_the_review(card, solved, org):
    ids = _ids(card)
    review = qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 1, ids["Quality"]: 5, ids["Verified identity"]: 0},
    )
    assert review.score == 0
    assert review.auto_failed is True


def test_score_formula_on_its_own():
    c5 = Criterion(scale=FIVE, weight=2)
    yes = Criterion(scale=Y, weight=1)
    assert qa_score([(c5, 1), (yes, 1)]) == (pytest.approx(100 / 3), False)
    assert qa_score([(c5, None)]) == (100.0, False)


def test_every_criterion_needs_a_valid_answer(card, solved, org):
    ids = _ids(card)
    with pytest.raises(ValidationError, match="Answer"):
        qa_review_submit(ticket=solved, version=card, reviewer=org["lead"], answers={})
    with pytest.raises(ValidationError, match="cannot be N/A"):
        qa_review_submit(
            ticket=solved,
            version=card,
            reviewer=org["lead"],
            answers={ids["Right answer"]: None, ids["Quality"]: 3, ids["Verified identity"]: 1},
        )
    with pytest.raises(ValidationError, match="takes 1–5"):
        qa_review_submit(
            ticket=solved,
            version=card,
            reviewer=org["lead"],
            answers={ids["Right answer"]: 1, ids["Quality"]: 9, ids["Verified identity"]: 1},
        )


def test_publishing_again_keeps_the_old_version_for_old_reviews(card, solved, org):
    ids = _ids(card)
    old = qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 1, ids["Quality"]: 5, ids["Verified identity"]: 1},
    )
    v2 = scorecard_publish(
        name="Test card", sections=[{"title": "Only", "criteria": [{"text": "New"}]}]
    )
    assert v2.number == 2
    assert Scorecard.objects.get(name="Test card").versions.count() == 2
    old.refresh_from_db()
    assert [a.criterion.text for a in old.answers.all()] == [
        "Right answer",
        "Quality",
        "Verified identity",
    ]


def test_nobody_reviews_their_own_ticket_or_one_outside_scope(card, solved, org):
    ids = _ids(card)
    answers = {ids["Right answer"]: 1, ids["Quality"]: 5, ids["Verified identity"]: 1}
    with pytest.raises(PermissionDenied):
        qa_review_submit(ticket=solved, version=card, reviewer=org["a1"], answers=answers)
    with pytest.raises(PermissionDenied):
        qa_review_submit(ticket=solved, version=card, reviewer=org["bpo_lead"], answers=answers)


def test_review_form_beside_the_thread_submits_as_a_plain_post(client, card, solved, org):
    client.force_login(org["lead"])
    url = f"/metrics/qa/tickets/{solved.pk}/review/?scorecard={card.pk}"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Please" in body  # the requester's message, read-only
    assert "Right answer" in body
    ids = _ids(card)
    bad = client.post(url, {"version": card.pk, f"c{ids['Right answer']}": "1"})
    assert bad.status_code == 400
    response = client.post(
        url,
        {
            "version": card.pk,
            f"c{ids['Right answer']}": "0",
            f"c{ids['Quality']}": "5",
            f"c{ids['Verified identity']}": "na",
            "comment": "Wrong fix",
        },
    )
    review = QAReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/qa/reviews/{review.pk}/"
    assert review.score == pytest.approx(25)
    assert review.comment == "Wrong fix"


def test_associate_acknowledges_or_disputes_and_the_lead_resolves(client, card, solved, org):
    ids = _ids(card)
    review = qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 0, ids["Quality"]: 2, ids["Verified identity"]: 1},
    )
    client.force_login(org["a1"])
    mine = client.get("/metrics/qa/mine/")
    assert solved.reference in mine.content.decode()
    url = f"/metrics/qa/reviews/{review.pk}/"
    assert client.post(url, {"action": "dispute", "comment": ""}).status_code == 400
    client.post(url, {"action": "dispute", "comment": "The answer was right"})
    review.refresh_from_db()
    assert review.response == QAReview.Response.DISPUTED

    client.force_login(org["a2"])  # another associate cannot even see it
    assert client.get(url).status_code == 404

    with pytest.raises(PermissionDenied):
        qa_dispute_resolve(review=review, by=org["bpo_lead"], uphold=True, comment="x")
    client.force_login(org["lead"])
    client.post(url, {"action": "uphold", "comment": "Agreed, the fix was right"})
    review.refresh_from_db()
    assert review.response == QAReview.Response.UPHELD
    assert review.status == QAReview.Status.VOID
    assert not QAReview.objects.counted().exists()


def test_acknowledging_is_only_for_the_associate_reviewed(card, solved, org):
    ids = _ids(card)
    review = qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 1, ids["Quality"]: 5, ids["Verified identity"]: 1},
    )
    with pytest.raises(PermissionDenied):
        qa_review_respond(review=review, by=org["a2"], acknowledge=True)
    qa_review_respond(review=review, by=org["a1"], acknowledge=True)
    review.refresh_from_db()
    assert review.response == QAReview.Response.ACKNOWLEDGED


def test_weekly_sample_per_associate_plus_every_escalated_ticket(org, frozen):
    week_start = NOW - timedelta(days=NOW.weekday(), hours=NOW.hour)  # Monday 00:00
    for i in range(4):
        make_ticket(org, team=org["team_a"], category=org["login"], created=week_start + timedelta(hours=i), reply_after=timedelta(minutes=10), agent=org["a1"], solve=True)  # fmt: skip
    make_ticket(org, team=org["team_a"], category=org["login"], created=week_start, reply_after=timedelta(minutes=10), agent=org["a2"], solve=True)  # fmt: skip
    escalated = make_ticket(org, team=org["team_b"], category=org["login"], created=week_start)
    escalated.tags.add(TagFactory(name="escalated"))
    Ticket.objects.filter(pk=escalated.pk).update(updated_at=week_start + timedelta(hours=5))

    added = qa_sample_week(week=NOW.date(), size=2, seed=1)
    samples = QAQueueItem.objects.filter(reason=QAQueueItem.Reason.SAMPLE)
    assert samples.filter(agent=org["a1"]).count() == 2
    assert samples.filter(agent=org["a2"]).count() == 1
    assert QAQueueItem.objects.filter(reason="escalated", ticket=escalated).exists()
    assert added == 4
    assert qa_sample_week(week=NOW.date(), size=2, seed=2) == 0  # safe to run twice


def test_calibration_shows_the_spread_between_reviewers(client, card, solved, org):
    ids = _ids(card)
    qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["lead"],
        answers={ids["Right answer"]: 1, ids["Quality"]: 5, ids["Verified identity"]: 1},
    )
    qa_review_submit(
        ticket=solved,
        version=card,
        reviewer=org["manager"],
        answers={ids["Right answer"]: 0, ids["Quality"]: 1, ids["Verified identity"]: 1},
    )
    client.force_login(org["lead"])
    response = client.get(f"/metrics/qa/tickets/{solved.pk}/calibration/")
    assert response.status_code == 200
    assert response.context["score_spread"] == pytest.approx(100 - 200 / 6)  # 100 vs 33.3
    spreads = {r["criterion"].text: r["spread"] for r in response.context["rows"]}
    assert spreads == {"Right answer": 100, "Quality": 100, "Verified identity": 0}


def test_qa_scores_flow_into_the_rollups(
    card, solved, org, frozen, django_capture_on_commit_callbacks
):
    ids = _ids(card)
    with django_capture_on_commit_callbacks(execute=True):
        qa_review_submit(
            ticket=solved,
            version=card,
            reviewer=org["lead"],
            answers={ids["Right answer"]: 1, ids["Quality"]: 3, ids["Verified identity"]: 1},
        )
    row = DailyRollup.objects.get(qa_count=1)
    assert row.agent_id == org["a1"].pk
    assert row.qa_sum == pytest.approx((300 + 50 + 200) / 6)


def test_qa_queue_page_query_count_does_not_grow_with_items(client, card, org, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n):
        for _ in range(n):
            t = make_ticket(org, team=org["team_a"], category=org["login"], created=days_ago(1), reply_after=timedelta(minutes=5), agent=org["a1"], solve=True)  # fmt: skip
            ids = _ids(card)
            answers = {ids["Right answer"]: 1, ids["Quality"]: 4, ids["Verified identity"]: 1}
            qa_review_submit(ticket=t, version=card, reviewer=org["manager"], answers=answers)
            QAQueueItem.objects.create(  # still waiting (queued after the review)
                ticket=t, agent=org["a1"], team=org["team_a"], reason="sample", week=NOW.date()
            )

    def count():
        client.get(
            "/metrics/qa/"
        )  # warm: per-user caches (permissions, the nav badge) fill on a first visit
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/metrics/qa/").status_code == 200
        return len(ctx)

    client.force_login(org["lead"])
    fill(1)
    small = count()
    fill(5)
    assert count() == small
    page = client.get("/metrics/qa/")
    assert page.content.decode().count(">Review</a>") == 6
