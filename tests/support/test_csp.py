"""Every page carries a Content-Security-Policy that forbids inline and third-party script."""

import re

import pytest

from teams.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PAGES = ["/login/", "/tickets/", "/teams/", "/api/docs/"]


@pytest.mark.parametrize("path", PAGES)
def test_page_sends_csp_without_inline_script(client, path):
    if path != "/login/":
        client.force_login(AgentFactory(role=Role.ADMIN).user)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.split() == ["'self'"]
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    # No <script> element without a src attribute (inline code would be blocked anyway).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_api_docs_load_swagger_from_our_own_static_files(client):
    client.force_login(AgentFactory(role=Role.ASSOCIATE).user)
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
