"""The caches tables (teams/caches.py, tickets/caches.py) wired by core.cache.wire: a write
moves exactly the versions its table declares for that model, a bulk write followed by
core.cache.written(Model) moves the same ones, and a write that concerns one entry (one
user's signed-in profile, permissions, saved views) drops that entry and keeps the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import post_migrate

from core.cache import written
from teams import caches as teams_caches
from teams.models import Agent, PolicyAcknowledgement, PolicyArticle, PolicyVersion, ShiftTemplate
from teams.selectors import teams_on_shift
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    SavedViewFactory,
    ShiftTemplateFactory,
    TeamFactory,
    UserFactory,
)
from tickets import caches as tickets_caches
from tickets.models import RoutingRule, SavedView, SLAPolicy, WebhookEndpoint

pytestmark = pytest.mark.django_db

READS = {r.name: r for r in (*teams_caches.CACHED_READS, *tickets_caches.CACHED_READS)}
ON_SHIFT, SIGNED_IN, CHOICES, ROUTING = (
    "teams:on-shift", "auth-user", "tickets:choices", "tickets:routing",
)  # fmt: skip


def versions() -> dict[str, int]:
    return {name: read.version() for name, read in READS.items()}


def moved_by(write) -> set[str]:
    """The names of the reads whose version `write()` moved."""
    before = versions()
    write()
    after = versions()
    return {name for name in READS if after[name] != before[name]}


def test_a_team_save_moves_the_four_reads_that_carry_teams():
    team = TeamFactory()
    assert moved_by(team.save) == {ON_SHIFT, SIGNED_IN, CHOICES, ROUTING}


def test_a_vendor_save_moves_the_signed_in_users_and_the_option_lists():
    vendor = TeamFactory().vendor
    assert moved_by(vendor.save) == {SIGNED_IN, CHOICES}


def test_an_agent_save_moves_by_the_fields_it_names():
    agent = AgentFactory()
    assert moved_by(lambda: agent.save(update_fields=["presence"])) == set()
    assert moved_by(lambda: agent.save(update_fields=["status"])) == {ON_SHIFT, CHOICES}
    assert moved_by(lambda: agent.save(update_fields=["clearance"])) == {CHOICES}
    assert moved_by(agent.save) == {ON_SHIFT, CHOICES}  # the signed-in entry: its row only


def test_a_sign_in_moves_no_version():
    user = UserFactory()
    assert moved_by(lambda: user.save(update_fields=["last_login"])) == set()
    assert moved_by(user.save) == {CHOICES}  # names show in the assignee picker


def test_policy_writes_move_the_banner_and_the_macro_labels():
    article = PolicyArticle.objects.create(title="Refunds", slug="refunds")
    assert moved_by(article.save) == {"teams:pending-policies", CHOICES}
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    version = PolicyVersion.objects.create(
        article=article, number=1, body_md="x", effective_date=when.date(), published_at=when
    )
    acknowledgement = PolicyAcknowledgement(version=version, user=UserFactory(), requested_at=when)
    assert moved_by(acknowledgement.save) == {"teams:pending-policies"}


def test_tickets_own_models_move_their_reads():
    team, category = TeamFactory(), CategoryFactory()
    assert moved_by(lambda: SLAPolicy.objects.create(name="Any")) == {CHOICES}
    rule = RoutingRule.objects.create(name="Rule", team=team)
    assert moved_by(lambda: rule.categories.add(category)) == {ROUTING}
    assert moved_by(lambda: rule.categories.clear()) == {ROUTING}
    assert moved_by(
        lambda: WebhookEndpoint.objects.create(url="https://example.com/hook", secret="s")
    ) == {"tickets:webhook-endpoints"}
    assert moved_by(category.delete) == {CHOICES}


def test_rota_writes_move_who_is_on_shift():
    shift = ShiftTemplateFactory(agent=AgentFactory())
    assert moved_by(shift.save) == {ON_SHIFT}
    assert moved_by(shift.delete) == {ON_SHIFT}


def test_permission_writes_move_everyones_sets_or_one_users():
    group, user = Group.objects.create(name="Testers"), UserFactory()
    permission = Permission.objects.first()
    assert moved_by(lambda: group.permissions.add(permission)) == {"auth-permissions"}
    assert moved_by(lambda: group.user_set.add(user)) == {"auth-permissions"}
    assert moved_by(lambda: user.groups.remove(group)) == set()  # that user's entry only
    assert moved_by(lambda: user.save(update_fields=["is_superuser"])) == {CHOICES}  # one set


def test_a_migration_moves_the_reads_historical_models_may_have_changed():
    core = apps.get_app_config("core")  # no models: the other receivers have nothing to do
    moved = moved_by(
        lambda: post_migrate.send(sender=core, app_config=core, using="default", apps=apps)
    )
    assert moved == {"auth-permissions", "otp-has-authenticator", CHOICES}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (PolicyAcknowledgement, {"teams:pending-policies"}),
        (ShiftTemplate, {ON_SHIFT}),
        (Agent, {ON_SHIFT, SIGNED_IN, CHOICES}),
        (SavedView, {"tickets:saved-views"}),
        (RoutingRule, {ROUTING}),
    ],
)
def test_a_bulk_write_moves_every_read_the_tables_declare_for_its_model(model, expected):
    assert moved_by(lambda: written(model)) == expected


def test_a_bulk_write_through_the_helper_is_seen_like_a_save():
    agent = AgentFactory()
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    monday_ten = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    assert teams_on_shift(team_ids=[agent.team_id], at=monday_ten) == {agent.team_id}
    ShiftTemplate.objects.filter(agent=agent).update(weekday=1)  # sends no signal
    assert teams_on_shift(team_ids=[agent.team_id], at=monday_ten) == {agent.team_id}
    written(ShiftTemplate)
    assert teams_on_shift(team_ids=[agent.team_id], at=monday_ten) == set()


def entry(read_name: str, row) -> str:
    key = READS[read_name].key(row)
    cache.set(key, "kept")
    return key


def test_a_write_to_one_person_drops_only_their_signed_in_entry():
    mine, theirs = AgentFactory(), AgentFactory()
    mine_key, theirs_key = entry(SIGNED_IN, mine.user_id), entry(SIGNED_IN, theirs.user_id)
    mine.save(update_fields=["presence"])
    assert cache.get(mine_key) is None
    assert cache.get(theirs_key) == "kept"
    theirs.user.save(update_fields=["last_login"])
    assert cache.get(theirs_key) is None


def test_a_membership_change_drops_only_that_users_permissions():
    group, mine, theirs = Group.objects.create(name="Testers"), UserFactory(), UserFactory()
    mine_key, theirs_key = entry("auth-permissions", mine.pk), entry("auth-permissions", theirs.pk)
    mine.groups.add(group)
    assert cache.get(mine_key) is None
    assert cache.get(theirs_key) == "kept"
    theirs.save(update_fields=["first_name"])  # not a permission flag
    assert cache.get(theirs_key) == "kept"
    theirs.save(update_fields=["is_active"])
    assert cache.get(theirs_key) is None


def test_a_saved_view_write_drops_only_its_owners_list():
    mine, theirs = UserFactory(), UserFactory()
    mine_key = entry("tickets:saved-views", mine.pk)
    theirs_key = entry("tickets:saved-views", theirs.pk)
    SavedViewFactory(user=mine)
    assert cache.get(mine_key) is None
    assert cache.get(theirs_key) == "kept"
