"""The metrics definitions page says that exposure figures are for care and that no metric,
ranking or target counts an opt-out or a step-out against anyone (issue 17)."""

import pytest
from django.urls import reverse

from teams.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_the_definitions_page_says_opt_outs_and_step_outs_count_against_no_one(client):
    client.force_login(AgentFactory(role=Role.ASSOCIATE).user)
    page = client.get(reverse("metrics:definitions")).content.decode()
    assert "Exposure to harmful content (for care, never for rating)" in page
    assert "counts an opt-out of a kind of sensitive work or a step-out" in page
