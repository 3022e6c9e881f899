"""Browser: on a sensitive ticket nothing the associate's browser receives holds the original
image (or its clear re-encoded copy) until they reveal it; the reveal is one recorded POST,
after which the original is served to them."""

from __future__ import annotations

import hashlib
import io
import json
import re

from PIL import Image
from playwright.sync_api import expect

from teams.models import Agent, ExposureReveal, Sensitivity
from tickets import services
from tickets.demo import seed_categories
from tickets.models import Attachment

ATTACHMENT_URL = re.compile(r"/(?:tickets|api/v1)/attachments/\d+/[\w/-]*")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _photo() -> bytes:
    image = Image.new("RGB", (96, 64), (30, 120, 200))
    image.paste((240, 200, 20), (20, 10, 70, 50))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _sensitive_ticket():
    categories = seed_categories()
    agent = Agent.objects.select_related("team", "user").get(user__username="associate")
    agent.clearance = Sensitivity.SENSITIVE
    agent.save()
    requester = services.requester_get_or_create(email="ria@users.example.org", name="Ria Das")
    ticket = services.ticket_create(
        subject="Threats in my comments", body="Screenshot attached.", requester=requester,
        category=categories["safety-report"], team=agent.team,
    )  # fmt: skip
    image = services.attachment_add(
        ticket=ticket, message=ticket.messages.get(), name="shot.png", data=_photo()
    )
    pdf = services.attachment_add(
        ticket=ticket, message=ticket.messages.get(), name="log.pdf", data=b"%PDF-1.4 log"
    )
    return ticket, image, pdf, agent


def _clear_hashes(*attachments: Attachment) -> set[str]:
    hashes = set()
    for a in attachments:
        hashes.add(a.sha256)
        if a.preview:
            with a.preview.open("rb") as f:
                hashes.add(sha(f.read()))
    return hashes


def test_nothing_clear_reaches_the_browser_before_the_reveal(
    page, login, demo_people, live_url, settings, tmp_path, assert_a11y
):
    settings.MEDIA_ROOT = tmp_path
    ticket, image, pdf, agent = _sensitive_ticket()
    clear = _clear_hashes(image, pdf)
    responses = []
    login(page, "associate")
    page.on("response", lambda response: responses.append(response))
    page.goto(f"/tickets/{ticket.pk}/")
    page.wait_for_load_state("networkidle")
    blurred = page.locator("img.sensitive-media")
    expect(blurred).to_have_count(1)
    assert blurred.evaluate("el => el.complete && el.naturalWidth > 0")
    expect(page.get_by_role("button", name="Reveal log.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="shot.png")).to_be_hidden()
    assert_a11y(page)

    # Every response the page loaded, by content.
    seen = {r.url: sha(r.body()) for r in responses if r.status < 300 and r.status != 204}
    assert any("/safe/" in url for url in seen), "the blurred derivative was not loaded"
    assert not clear & set(seen.values()), "the original reached the browser"

    # Every attachment URL the workspace and the API name, fetched with the same session.
    html = page.content()
    urls = set(ATTACHMENT_URL.findall(html))
    api = page.request.get(f"{live_url}/api/v1/tickets/{ticket.pk}/messages/")
    assert api.ok
    detail = page.request.get(f"{live_url}/api/v1/tickets/{ticket.pk}/")
    for text in (api.text(), detail.text()):
        for found in ATTACHMENT_URL.findall(text):
            urls.add(found)
    for listed in json.loads(api.text())[0]["attachments"]:
        urls.update(u for u in (listed["url"], listed["safe_preview_url"]) if u)
    urls = {u.replace(live_url, "") for u in urls if "/reveal/" not in u}
    assert f"/tickets/attachments/{image.pk}/" in urls
    assert f"/api/v1/attachments/{pdf.pk}/" in urls
    export = page.request.get(f"{live_url}/metrics/exports/download/?dataset=tickets&format=csv")
    assert not ATTACHMENT_URL.search(export.text())
    for url in sorted(urls):
        response = page.request.get(f"{live_url}{url}")
        assert sha(response.body()) not in clear, f"{url} served an original"
        if "/safe" not in url:
            assert response.status == 403, url
    assert not ExposureReveal.objects.exists()

    # The reveal: one click, one recorded POST, and then the original is the viewer's.
    with page.expect_response(lambda r: f"/attachments/{image.pk}/preview/" in r.url) as shown:
        blurred.click()
    assert sha(shown.value.body()) in clear
    expect(blurred).to_have_class("sensitive-media revealed")
    expect(page.get_by_role("link", name="shot.png")).to_be_visible()
    download = page.request.get(f"{live_url}/tickets/attachments/{image.pk}/")
    assert download.status == 200
    assert sha(download.body()) == image.sha256
    assert page.request.get(f"{live_url}/api/v1/attachments/{pdf.pk}/").status == 403
    reveal = ExposureReveal.objects.get()
    assert (reveal.user_id, reveal.attachment_id) == (agent.user_id, image.pk)
    assert ticket.events.filter(kind="media_revealed").count() == 1
