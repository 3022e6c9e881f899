"""CSAT surveys: sent after a solve, answered by signed one-click links without a login.

- The survey goes out FRONTLINE["CSAT_SURVEY_DELAY_SECONDS"] after the solve commits (Celery
  countdown), once per ticket, only if the ticket is still solved then (FRONTLINE
  ["CSAT_SURVEYS"] = False turns surveys off).
- Links are django.core.signing tokens (ticket, rating) that expire after
  FRONTLINE["CSAT_TOKEN_MAX_AGE_DAYS"]; a tampered link fails its signature.
- One rating per ticket, changeable until the ticket closes. Each one-click value works once
  per survey (a replayed link for a value the requester already left cannot flip the rating
  back); the comment page's form can still change it. Requests are rate-limited per IP.
- The rating is credited to the last agent who replied publicly before the solve.
- A rating of 1 or 2 notifies the team's lead (manager when there is no lead) and puts the
  ticket in the QA queue (reason "low CSAT").
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.cache import CacheUnavailable, rate_count
from core.effects import after_commit

from .. import events
from ..mail.outbound import send_csat_survey
from ..mail.survey_links import SALT
from ..mail.survey_links import csat_token as csat_token  # the links are made in tickets.mail
from ..models import CSATResponse, Message, Notification, Ticket
from .notify import notifications_unread_changed
from .outbox import outbox_add, outbox_handler
from .webhooks import webhooks_emit

SURVEY_MAIL = "tickets.csat_survey_mail"  # the outbox handler that e-mails the survey
LOW = 2  # ratings at or below this raise an alert
RATE_WINDOW = 3600


class SurveyError(Exception):
    """A survey request that cannot be honoured; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, "FRONTLINE", {}).get(name, default))


def read_token(token: str) -> tuple[int, int | None]:
    """(ticket id, rating) from a token; SurveyError when tampered with or expired."""
    max_age = timedelta(days=_conf("CSAT_TOKEN_MAX_AGE_DAYS", 14))
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise SurveyError("This survey link has expired.", status=410) from exc
    except signing.BadSignature as exc:
        raise SurveyError("This survey link is not valid.", status=400) from exc
    rating = data.get("r")
    if not isinstance(data.get("t"), int) or (rating is not None and rating not in range(1, 6)):
        raise SurveyError("This survey link is not valid.", status=400)
    return data["t"], rating


def credited_agent_id(ticket: Ticket) -> int | None:
    """The last agent who replied publicly (not an automated message) before the solve."""
    qs = Message.objects.filter(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        author_user__isnull=False,
        is_automated=False,
    )
    if ticket.solved_at:
        qs = qs.filter(created_at__lte=ticket.solved_at)
    return qs.order_by("-created_at", "-pk").values_list("author_user_id", flat=True).first()


def csat_schedule_survey(*, ticket: Ticket) -> None:
    """After the current transaction commits, queue the survey with the configured delay."""
    if not getattr(settings, "FRONTLINE", {}).get("CSAT_SURVEYS", True):
        return
    delay = _conf("CSAT_SURVEY_DELAY_SECONDS", 3600)
    after_commit("tickets.tasks.csat_send_survey", args=(ticket.pk,), countdown=delay)


def csat_send_survey(*, ticket_id: int, now=None) -> CSATResponse | None:
    """Create the ticket's survey row and email the requester, once; None when the ticket is
    no longer solved, has no requester email, or was already surveyed or rated. The e-mail
    goes out through the outbox after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("requester")
            .filter(pk=ticket_id)
        ).first()
        if ticket is None or ticket.status != Ticket.Status.SOLVED:
            return None
        if not (ticket.requester and ticket.requester.email):
            return None
        response, created = CSATResponse.objects.get_or_create(
            ticket=ticket, defaults={"created_at": now, "updated_at": now}
        )
        if not created and (response.survey_sent_at or response.rating is not None):
            return None
        response.agent_id = credited_agent_id(ticket)
        response.survey_sent_at = now
        response.updated_at = now
        response.save(update_fields=["agent", "survey_sent_at", "updated_at"])
        outbox_add(task=SURVEY_MAIL, payload={"ticket_id": ticket.pk})
    return response


@outbox_handler(SURVEY_MAIL, queue="mail")
def _mail_survey(payload: dict) -> None:
    """E-mail the survey whose row csat_send_survey wrote (skipped if the ticket is gone)."""
    ticket = Ticket.objects.select_related("requester").filter(pk=payload["ticket_id"]).first()
    if ticket is not None:
        send_csat_survey(ticket)


def _rate_limited(ip: str) -> None:
    try:
        count = rate_count(f"csat:rate:{ip or 'unknown'}", RATE_WINDOW)
    except CacheUnavailable as exc:  # Redis down: the public door fails closed
        raise SurveyError(
            "Survey answers cannot be taken right now; try again shortly.", 503
        ) from exc
    if count > _conf("CSAT_RATE_PER_IP", 30):
        raise SurveyError("Too many survey answers from your network; try again later.", 429)


def _locked_response(ticket_id: int) -> CSATResponse:
    response = (
        CSATResponse.objects.select_for_update(of=("self",))
        .select_related("ticket__team")
        .filter(ticket_id=ticket_id)
        .first()
    )
    if response is None:
        raise SurveyError("There is no survey for this ticket.", status=404)
    if response.ticket.status == Ticket.Status.CLOSED:
        raise SurveyError("This ticket is closed; its rating can no longer change.", status=409)
    return response


def _set_rating(response: CSATResponse, rating: int, now) -> None:
    old = response.rating
    if old == rating:
        return
    response.rating, response.rated_at = rating, now
    ticket = response.ticket
    events.record(ticket, None, "csat", "rating", old or "", rating, at=now)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)  # rollup refresh sees it
    if rating <= LOW and (old is None or old > LOW):
        _raise_low_rating(response, now)


def _emit_received(response: CSATResponse, now) -> None:
    """The csat.received webhook event: the rating (and comment) the requester left."""
    csat = {"rating": response.rating, "comment": response.comment, "agent_id": response.agent_id}
    webhooks_emit(event="csat.received", ticket=response.ticket, extra={"csat": csat}, now=now)


def _raise_low_rating(response: CSATResponse, now) -> None:
    """Notify the team's lead (or manager) and queue the ticket for QA."""
    ticket = response.ticket
    team = ticket.team
    recipient_id = team and (team.lead_id or team.manager_id)
    if recipient_id:
        Notification.objects.create(
            user_id=recipient_id,
            ticket=ticket,
            kind="low_csat",
            text=f"CSAT {response.rating}/5 on {ticket.reference}: {ticket.subject}"[:300],
            created_at=now,
        )
        notifications_unread_changed(user_ids=[recipient_id])
    queue_item = apps.get_model("metrics", "QAQueueItem")
    local = now.date()
    queue_item.objects.get_or_create(
        ticket=ticket,
        reason=queue_item.Reason.LOW_CSAT,
        defaults={
            "agent_id": response.agent_id,
            "team": team,
            "week": local - timedelta(days=local.weekday()),
        },
    )


def csat_rate(*, token: str, ip: str, now=None) -> CSATResponse:
    """A one-click rating link was followed: record its value (each value once per survey)."""
    _rate_limited(ip)
    ticket_id, rating = read_token(token)
    if rating is None:
        raise SurveyError("This link carries no rating.", status=400)
    now = now or timezone.now()
    with transaction.atomic():
        response = _locked_response(ticket_id)
        if rating in response.used_values:
            if response.rating == rating:
                return response  # the same click again: nothing new to count
            raise SurveyError(
                "This rating link was already used. Change your rating on the comment page.",
                status=409,
            )
        response.used_values = [*response.used_values, rating]
        _set_rating(response, rating, now)
        response.updated_at = now
        response.save()
        _emit_received(response, now)
    return response


def csat_comment(
    *, token: str, ip: str, comment: str, rating: int | None = None, now=None
) -> CSATResponse:
    """The comment page's form: save the comment and, if given, a changed rating."""
    _rate_limited(ip)
    ticket_id, _ = read_token(token)
    if rating is not None and rating not in range(1, 6):
        raise SurveyError("A rating is a whole number from 1 to 5.", status=400)
    now = now or timezone.now()
    with transaction.atomic():
        response = _locked_response(ticket_id)
        if rating is None and response.rating is None:
            raise SurveyError("Pick a rating from 1 to 5 first.", status=400)
        if rating is not None:
            _set_rating(response, rating, now)
        response.comment = comment.strip()[:4000]
        response.updated_at = now
        response.save()
        _emit_received(response, now)
    Ticket.objects.filter(pk=ticket_id).update(updated_at=now)
    return response


def csat_import(*, rows: list[tuple[Ticket, int, str]], now=None) -> int:
    """Store imported ratings (ticket, rating 1-5, comment), credited to the ticket's
    assignee (the author of its imported resolution); returns how many were stored."""
    now = now or timezone.now()
    objs = [
        CSATResponse(
            ticket=ticket,
            rating=rating,
            comment=comment,
            agent_id=ticket.assignee_id,
            source=CSATResponse.Source.IMPORT,
            rated_at=ticket.solved_at or now,
            created_at=now,
            updated_at=now,
        )
        for ticket, rating, comment in rows
    ]
    CSATResponse.objects.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
    return len(objs)
