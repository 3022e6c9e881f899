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


def test_unknown_api_urls_answer_404_in_json_and_pages_in_html(logged_in):
    api = logged_in.get("/api/v1/tickets/not-a-number/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}
    page = logged_in.get("/no/such/page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_schema_documents_the_errors_every_endpoint_can_give(logged_in):
    schema = logged_in.get("/api/schema/", {"format": "json"}).json()
    detail = schema["paths"]["/api/v1/tickets/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404", "429"} <= set(detail)
    assert detail["404"]["content"]["application/json"]["schema"]["required"] == ["detail"]
    create = schema["paths"]["/api/v1/tickets/"]["post"]
    assert "400" in create["responses"]
    assert list(create["requestBody"]["content"]) == ["application/json"]
    patch = schema["paths"]["/api/v1/tickets/{id}/"]["patch"]["requestBody"]["content"]
    ref = patch["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "version" in schema["components"]["schemas"][ref]["required"]
