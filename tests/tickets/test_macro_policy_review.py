"""A macro that cites a policy is flagged for review when a newer version is published, until
someone updates the macro."""

from datetime import date

import pytest
from django.urls import reverse

from teams.models import PolicyArticle, Role
from teams.services import policy_publish
from tests.factories import AgentFactory
from tickets.models import Macro
from tickets.services import macro_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def cited():
    lead = AgentFactory(role=Role.LEAD)
    article = PolicyArticle.objects.create(title="Refunds", slug="refunds", created_by=lead.user)
    policy_publish(by=lead.user, article=article, body="Refund within 14 days.",
                   effective_date=date(2026, 11, 1), teams=[lead.team])  # fmt: skip
    macro = macro_save(macro=Macro(title="Refund issued", body="Done.", policy_article=article))
    return lead, article, macro


def test_new_policy_version_flags_the_citing_macro_until_it_is_updated(cited):
    lead, article, macro = cited
    assert not Macro.objects.needing_policy_review().exists()

    policy_publish(by=lead.user, article=article, body="Refund within 30 days.",
                   effective_date=date(2026, 12, 1), teams=[lead.team])  # fmt: skip
    assert list(Macro.objects.needing_policy_review()) == [macro]

    macro.body = "Refunds now within 30 days."
    macro_save(macro=macro)
    assert not Macro.objects.needing_policy_review().exists()


def test_macros_without_a_citation_are_never_flagged(cited):
    Macro.objects.create(title="Hello", body="Hi")
    assert Macro.objects.with_policy_review().filter(needs_policy_review=True).count() == 0


def test_admin_list_shows_the_flag_and_saving_in_the_admin_clears_it(client, cited):
    lead, article, macro = cited
    policy_publish(by=lead.user, article=article, body="v2", effective_date=date(2026, 12, 1),
                   teams=[lead.team])  # fmt: skip
    client.force_login(AgentFactory(role=Role.ADMIN).user)
    listing = client.get(reverse("admin:tickets_macro_changelist")).content.decode()
    assert "Policy changed" in listing
    assert 'alt="True"' in listing
    response = client.post(
        reverse("admin:tickets_macro_change", args=[macro.pk]),
        {"title": macro.title, "body": "Updated for v2", "actions": "{}", "active": "on",
         "policy_article": article.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert not Macro.objects.needing_policy_review().exists()
