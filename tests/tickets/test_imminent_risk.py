"""Imminent risk at intake: phrases in several languages (and the reporter's own choice on
the help form) flag a ticket at every door — help form, e-mail, API — which then is urgent,
sits with the on-call cleared team, has its lead told, a first reply due in minutes and a
protocol whose steps are recorded; ordinary uses of the same words do not flag."""

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from teams.models import AuditEntry, Role, Sensitivity
from tests.factories import AgentFactory, RequesterFactory, ShiftTemplateFactory, TeamFactory
from tickets import services
from tickets.forms import HelpForm
from tickets.models import (
    ImminentRisk,
    ImminentRiskStep,
    Notification,
    OutboxMessage,
    RiskPhraseSet,
    Ticket,
    TicketEvent,
    TicketSLA,
)
from tickets.risk_phrases import DEFAULTS
from tickets.services.risk import risk_matches

from .test_inbound_email import new_email

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)

FLAGGING = {
    "en": "Honestly I just want to DIE, nothing works anymore.",
    "es": "Ya no aguanto más. Quiero morirme, de verdad.",
    "fr": "Je vais mettre fin a mes jours ce soir",  # no accent typed: still matches "à"
    "de": "Ich habe Selbstmordgedanken seit Tagen.",  # compound: "selbstmord*"
    "pt": "Não quero mais viver, estou pensando em tirar a minha própria vida.",
    "it": "Voglio morire, non ce la faccio.",
    "pl": "Chcę umrzeć.",
}
NEAR_MISSES = [
    "I want to diet before summer, can you reset my fitness plan?",
    "The Suicide Squad game crashes on launch.",
    "I was killing myself laughing at this bug, but please fix it.",
    "I am not suicidal, just annoyed at the billing page.",
    "This update is killing my battery and I want to diet-track offline.",
    "La página de Suizidprävention lädt nicht.",
    "Can I skill myself up with the new course? I am dying to try it.",
    "Mi jefe me va a matar si esto no funciona.",
]


@pytest.fixture(autouse=True)
def _phrases_and_cache(db):
    cache.clear()
    for language, (name, phrases, exceptions) in DEFAULTS.items():  # flushed by other tests?
        RiskPhraseSet.objects.get_or_create(
            language=language, defaults={"name": name, "phrases": phrases, "exceptions": exceptions}
        )
    # Ticking: cache versions are made from the clock, and the cache was just cleared.
    with time_machine.travel(MONDAY_10, tick=True):
        yield
    cache.clear()


@pytest.fixture
def oncall(category, team, lead):
    """`team` serves the category and its lead is cleared but off shift; the safety team's
    lead (cleared) is on shift now, Monday 09-17 UTC."""
    team.categories = [category.slug]
    team.save()
    safety = TeamFactory(name="Trust & Safety", categories=["self-harm"])
    safety_lead = AgentFactory(team=safety, role=Role.LEAD, clearance=Sensitivity.SENSITIVE)
    safety.lead = safety_lead.user
    safety.save()
    ShiftTemplateFactory(agent=safety_lead, weekday=0, start=dt.time(9), end=dt.time(17))
    return safety, safety_lead


def submit(door, category, text, client, agent, **extra):
    """File a ticket through one door; returns it."""
    if door == "web":
        data = {
            "email": "sam@users.example.org", "name": "Sam", "category": category.slug,
            "subject": "Help", "description": text, "nonce": HelpForm.new_nonce(), **extra,
        }  # fmt: skip
        response = client.post(reverse("help:form"), data)
        assert response.status_code == 302, response.content
    elif door == "email":
        msg = new_email(subject="Help")
        msg.set_content(text)
        assert services.email_ingest(raw=msg.as_bytes()).outcome == "created"
    else:
        api = APIClient()
        api.force_authenticate(agent.user)
        response = api.post(
            "/api/v1/tickets/",
            {"subject": "Help", "body": text, "requester_email": "sam@users.example.org",
             "category": category.slug, "on_behalf": False, **extra},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()
    return Ticket.objects.order_by("-pk").first()


@pytest.mark.parametrize("language", list(FLAGGING))
def test_phrases_match_whatever_the_case_accents_and_punctuation(language):
    found = risk_matches(FLAGGING[language])
    assert found, FLAGGING[language]
    assert language in {m["language"] for m in found}


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ordinary_uses_of_the_same_words_do_not_match(text):
    assert risk_matches(text) == []


DOORS = ["web", "email", "api"]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("language", ["en", "es", "fr", "de", "pt"])
def test_a_phrase_flags_the_ticket_at_each_door(
    door, language, category, oncall, client, agent, settings
):
    safety, safety_lead = oncall
    ticket = submit(door, category, FLAGGING[language], client, agent)
    risk = ImminentRisk.objects.get(ticket=ticket)
    assert risk.source == ImminentRisk.Source.PHRASE
    assert language in {m["language"] for m in risk.matched}
    assert ticket.priority == Ticket.Priority.URGENT
    assert ticket.team == safety
    assert risk.lead == safety_lead.user
    notice = Notification.objects.get(user=safety_lead.user, ticket=ticket)
    assert notice.kind == "imminent_risk"
    assert OutboxMessage.objects.filter(task="notifications.email").exists()
    first = TicketSLA.objects.get(ticket=ticket, kind="first_reply")
    assert first.target_minutes == settings.FRONTLINE["IMMINENT_RISK_FIRST_REPLY_MINUTES"] == 15
    assert ticket.due_at == ticket.created_at + timedelta(minutes=15)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("text", NEAR_MISSES[:4])
def test_near_misses_do_not_flag_at_any_door(door, text, category, oncall, client, agent):
    ticket = submit(door, category, text, client, agent)
    assert not ImminentRisk.objects.filter(ticket=ticket).exists()
    assert ticket.priority != Ticket.Priority.URGENT
    assert not Notification.objects.filter(kind="imminent_risk").exists()


def test_the_reporters_own_choice_flags_without_any_phrase(category, oncall, client, agent):
    safety, _lead = oncall
    response = client.post(reverse("help:form"), {
        "email": "sam@users.example.org", "category": category.slug, "subject": "Worried",
        "description": "My friend sent me a worrying message.", "nonce": HelpForm.new_nonce(),
        "in_danger": "on", "country": "FR",
    })  # fmt: skip
    thanks = client.get(response["Location"]).content.decode()
    assert "3114" in thanks  # the reporter sees France's crisis line at once
    assert "112" in thanks
    ticket = Ticket.objects.get()
    risk = ImminentRisk.objects.get(ticket=ticket)
    assert (risk.source, risk.country, risk.country_source) == ("reporter", "FR", "form")
    assert ticket.team == safety
    assert ticket.priority == Ticket.Priority.URGENT


def test_the_api_caller_may_say_someone_is_in_danger(category, oncall, client, agent):
    ticket = submit("api", category, "Call me back", client, agent, in_danger=True, country="de")
    assert ImminentRisk.objects.get(ticket=ticket).country == "DE"


def test_the_help_form_offers_the_danger_checkbox(client, category, oncall):
    page = client.get(reverse("help:form")).content.decode()
    assert "Someone is in immediate danger" in page
    assert 'name="country"' in page
    response = client.post(reverse("help:form"), {
        "email": "sam@users.example.org", "category": category.slug, "subject": "Login",
        "description": "Code never arrives", "nonce": HelpForm.new_nonce(),
    })  # fmt: skip
    assert "emergency-resources" not in client.get(response["Location"]).content.decode()


def test_on_call_prefers_a_cleared_lead_on_shift_and_says_how_it_fell_back(
    category, team, lead, client, agent
):
    """Nobody on shift anywhere: the routed team keeps it when its lead is cleared, and the
    note says nobody was on call. An uncleared lead's team is never chosen."""
    team.categories = [category.slug]
    team.save()
    uncleared = TeamFactory(name="Night")
    uncleared_lead = AgentFactory(team=uncleared, role=Role.LEAD, clearance=Sensitivity.NONE)
    uncleared.lead = uncleared_lead.user
    uncleared.save()
    ShiftTemplateFactory(agent=uncleared_lead, weekday=0, start=dt.time(9), end=dt.time(17))
    ticket = submit("email", category, "I want to die", client, agent)
    risk = ImminentRisk.objects.get(ticket=ticket)
    assert ticket.team == team
    assert risk.lead == lead.user
    assert "nobody on call" in risk.routing_note
    assert not Notification.objects.filter(user=uncleared_lead.user).exists()


def test_workspace_shows_the_protocol_with_the_countrys_resources_and_records_steps(
    category, oncall, client, agent
):
    safety, safety_lead = oncall
    ticket = submit("web", category, "Je veux mourir", client, agent, country="FR")
    client.force_login(safety_lead.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Possible imminent risk" in page
    assert "3114" in page
    assert "France" in page
    assert "Last reviewed" in page
    url = reverse("tickets:risk_step", args=[ticket.pk])
    response = client.post(url, {"step": "resources", "note": "Sent 3114 and 112"})
    assert response.status_code == 302
    step = ImminentRiskStep.objects.get(risk__ticket=ticket)
    assert (step.step, step.done_by, step.note) == (
        "resources",
        safety_lead.user,
        "Sent 3114 and 112",
    )
    event = TicketEvent.objects.get(ticket=ticket, kind="risk_step")
    assert (event.actor, event.field) == (safety_lead.user, "resources")
    again = client.post(url, {"step": "resources"})
    assert again.status_code == 422
    assert "already recorded" in again.content.decode()
    assert client.post(url, {"step": "nonsense"}).status_code == 422
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "1 of 6 done" in page
    assert "Sent 3114 and 112" in page


def test_country_falls_back_to_time_zone_then_the_default(category, oncall, client, agent):
    RequesterFactory(email="maya@users.example.org", time_zone="America/Sao_Paulo")
    ticket = submit("email", category, "quero morrer", client, agent)  # from maya@
    risk = ImminentRisk.objects.get(ticket=ticket)
    assert (risk.country, risk.country_source) == ("BR", "time_zone")
    ticket = submit("api", category, "want to die", client, agent)  # sam@: nothing known
    risk = ImminentRisk.objects.get(ticket=ticket)
    assert (risk.country, risk.country_source) == ("", "default")
    client.force_login(oncall[1].user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "findahelpline.com" in page


def test_a_ticket_not_flagged_refuses_protocol_steps(category, team, agent, client):
    ticket = services.ticket_create(
        subject="Login", body="Code never arrives", requester=RequesterFactory(),
        category=category, team=team, channel="agent",
    )  # fmt: skip
    client.force_login(agent.user)
    response = client.post(reverse("tickets:risk_step", args=[ticket.pk]), {"step": "read"})
    assert response.status_code == 422


# --- the admins' phrase settings ---------------------------------------------------------------


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, team=None).user


def test_admin_edits_phrases_and_the_next_ticket_uses_them(admin, client):
    client.force_login(admin)
    url = reverse("tickets:risk_phrases")
    assert "Português" in client.get(url).content.decode()
    assert risk_matches("jeg vil dø nu") == []
    response = client.post(
        url, {"language": "da", "name": "Dansk", "phrases": "jeg vil dø\nbegå selvmord",
              "exceptions": "", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert risk_matches("Jeg vil DØ nu") == [{"language": "da", "phrase": "jeg vil dø"}]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RISK_PHRASES_CHANGE)
    assert entry.detail["language"] == "da"


def test_phrases_too_short_or_malformed_are_refused_with_the_reason(admin, client):
    client.force_login(admin)
    response = client.post(
        reverse("tickets:risk_phrases"),
        {"language": "en", "name": "English", "phrases": "die\nkill my*self", "active": "on"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "too short" in body
    assert "only the last word may end in *" in body
    assert "kill myself" in RiskPhraseSet.objects.get(language="en").phrases  # unchanged


def test_only_admins_edit_phrases(client, lead):
    client.force_login(lead.user)
    assert client.get(reverse("tickets:risk_phrases")).status_code == 403


def test_a_team_on_shift_whose_lead_is_not_gets_it_and_its_manager_is_told(
    category, team, lead, client, agent
):
    """The safety team has an associate on shift but its cleared lead is off: the ticket goes
    there (someone can act now), and the lead and the team's manager are both told."""
    team.categories = [category.slug]
    team.save()
    safety = TeamFactory(name="Trust & Safety", categories=["self-harm"])
    safety_lead = AgentFactory(team=safety, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    manager = AgentFactory(role=Role.MANAGER, team=None)
    safety.lead, safety.manager = safety_lead.user, manager.user
    safety.save()
    ShiftTemplateFactory(agent=AgentFactory(team=safety), weekday=0, start=dt.time(9))
    ticket = submit("email", category, "He threatened to kill me", client, agent)
    assert ticket.team == safety
    assert "manager is told too" in ImminentRisk.objects.get(ticket=ticket).routing_note
    told = set(Notification.objects.filter(ticket=ticket).values_list("user", flat=True))
    assert told == {safety_lead.user.pk, manager.user.pk}
