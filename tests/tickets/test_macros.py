import pytest
from django.core.exceptions import ValidationError

from tests.factories import CategoryFactory, MacroFactory, RequesterFactory
from tickets import services
from tickets.models import Ticket, TicketEvent


@pytest.fixture
def ticket(requester, category, team):
    return services.ticket_create(
        subject="Refund", body="Charged twice", requester=requester, category=category, team=team
    )


def test_placeholders_are_filled(ticket, agent):
    macro = MacroFactory(
        body="Hi {{ requester.name }}, {{agent.name}} here about {{ticket.reference}}. {{unknown.thing}}"
    )
    text = services.macro_render(macro=macro, ticket=ticket, agent=agent.user)
    assert text == f"Hi Maya Chen, Ana Lima here about {ticket.reference}. {{{{unknown.thing}}}}"


def test_template_code_in_macro_or_names_is_never_executed(category, team, agent):
    requester = RequesterFactory(
        name="{% load log %}{{ settings.SECRET_KEY }} <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    )
    ticket = services.ticket_create(
        subject="s", body="b", requester=requester, category=category, team=team
    )
    macro = MacroFactory(body="{% debug %}{{ requester.name }} {{ settings.SECRET_KEY }}")
    text = services.macro_render(macro=macro, ticket=ticket, agent=agent.user)
    assert text.startswith("{% debug %}")
    assert "{{ settings.SECRET_KEY }}" in text  # not a known placeholder: left as typed
    services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro)
    html = ticket.messages.filter(author_user=agent.user).get().body_html
    assert "<img" not in html
    assert "href" not in html
    assert "<a" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_apply_macro_replies_and_runs_actions(ticket, agent):
    billing = CategoryFactory(slug="billing", name="Billing")
    macro = MacroFactory(
        title="Refund issued",
        body="Hi {{requester.first_name}}, refunded.",
        actions={"status": "solved", "priority": 3, "category": "billing", "tags": ["refund"]},
    )
    result = services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro)
    assert result.status == Ticket.Status.SOLVED
    assert result.priority == 3
    assert result.category == billing
    assert list(result.tags.values_list("name", flat=True)) == ["refund"]
    reply = result.messages.get(author_user=agent.user)
    assert reply.body_text == "Hi Maya, refunded."
    assert TicketEvent.objects.filter(ticket=ticket, kind="macro", new="Refund issued").exists()


def test_apply_macro_uses_the_agents_edited_body(ticket, agent):
    macro = MacroFactory(body="canned", actions={"status": "pending"})
    result = services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro, body="edited")
    assert result.status == Ticket.Status.PENDING
    assert result.messages.get(author_user=agent.user).body_text == "edited"


def test_apply_macro_without_body_only_sets_fields(ticket, agent):
    macro = MacroFactory(body="", actions={"status": "on_hold", "tags": ["partner"]})
    result = services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro)
    assert result.status == Ticket.Status.ON_HOLD
    assert result.messages.count() == 1


def test_apply_macro_is_all_or_nothing(ticket, agent):
    macro = MacroFactory(body="hi", actions={"tags": ["x"], "category": "nope"})
    with pytest.raises(ValidationError):
        services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro)
    assert ticket.tags.count() == 0
    assert ticket.messages.count() == 1


def test_apply_macro_checks_version(ticket, agent):
    macro = MacroFactory()
    with pytest.raises(services.StaleVersionError):
        services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=macro, version=99)
