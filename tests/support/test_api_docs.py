"""The API's contract: /api/schema/ is valid OpenAPI 3, /api/docs/ renders it without a CDN."""

import re

import pytest
from drf_spectacular.validation import validate_schema

from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client):
    client.force_login(AgentFactory().user)
    return client


def test_schema_is_valid_openapi_3_and_lists_the_ticket_api(logged_in):
    response = logged_in.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on anything the OpenAPI 3 JSON schema rejects
    assert "/api/v1/tickets/" in schema["paths"]
    assert "/api/v1/tickets/{id}/" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert {"cookieAuth", "tokenAuth"} <= set(schemes)


def test_docs_render_for_a_logged_in_user_from_our_own_static_files(logged_in):
    response = logged_in.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    script = re.search(r'<script src="(/api/docs/\?script=[^"]*)"', html)
    assert script, "the page's own script is a separate file (no inline script)"
    assert "/api/schema/" in logged_in.get(script.group(1)).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+swagger-ui[^"]*)"', html)
    assert assets, "the page loads Swagger UI's files"
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by Frontline itself"
        assert logged_in.get(asset).status_code == 200, asset


def test_api_refuses_anonymous_callers(client):
    response = client.get("/api/v1/tickets/")
    assert response.status_code in (401, 403)
