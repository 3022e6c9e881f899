"""Reveals of sensitive originals, as teams records and reads them (tickets/ calls these)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from teams.models import ExposureReveal, Sensitivity
from teams.selectors import revealed_attachment_ids
from teams.services import exposure_reveal_record
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def test_a_person_reveals_a_file_once():
    user = AgentFactory().user
    first, created = exposure_reveal_record(
        user=user, ticket_id=7, attachment_id=70, sensitivity=Sensitivity.SENSITIVE, at=AT
    )
    assert created
    again, created_again = exposure_reveal_record(
        user=user, ticket_id=7, attachment_id=70, sensitivity=Sensitivity.SENSITIVE
    )
    assert (again.pk, created_again, again.at) == (first.pk, False, AT)
    assert ExposureReveal.objects.count() == 1


def test_each_person_and_file_is_its_own_reveal_and_only_theirs_is_read():
    ana, ben = AgentFactory().user, AgentFactory().user
    for user, attachment_id in ((ana, 1), (ana, 2), (ben, 3)):
        exposure_reveal_record(
            user=user, ticket_id=9, attachment_id=attachment_id,
            sensitivity=Sensitivity.RESTRICTED,
        )  # fmt: skip
    assert revealed_attachment_ids(user=ana, attachment_ids=[1, 2, 3, 4]) == {1, 2}
    assert revealed_attachment_ids(user=ben, attachment_ids=[1, 2, 3]) == {3}
    assert revealed_attachment_ids(user=ben, attachment_ids=[]) == set()
    assert ExposureReveal.objects.filter(user=ana, at__lte=datetime.now(UTC)).count() == 2


def test_nothing_to_reveal_without_sensitivity():
    with pytest.raises(ValidationError, match="Nothing to reveal"):
        exposure_reveal_record(
            user=AgentFactory().user, ticket_id=1, attachment_id=1, sensitivity=Sensitivity.NONE
        )
    assert not ExposureReveal.objects.exists()
