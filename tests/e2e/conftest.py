"""Browser tests: Python playwright driving Debian's Chromium against pytest-django's live server.

Fixtures for every e2e test (all tests under tests/e2e/ are marked `e2e` automatically):

- `browser`      one headless Chromium shared by the e2e tests (never downloaded by playwright).
- `page`         a fresh context and page per test, default timeout 10 s, `base_url` set to the
                 live server, so `page.goto("/tickets/")` works. Uncaught JavaScript errors, any
                 5xx response and any 4xx for a /static/ file fail the test.
- `live_url`     the live server's root URL without a trailing slash ("http://localhost:PORT").
- `login`        `login(page, "associate")` / `login(page, "lead", "demo")`: fills the real login
                 form and submits it; returns the page after the redirect.
- `demo_people`  `teams.demo.seed_people()`: the four demo teams, their staff and the five demo
                 logins (password "demo"); returns associates by team slug. No tickets.
- `assert_a11y`  `assert_a11y(page)`: one h1, a lang attribute, a label for every form field,
                 text contrast (WCAG AA) against the background actually behind it,
                 alt text on images, and a visible focus ring after pressing Tab.

Without /usr/bin/chromium the tests are skipped, except when CI=true: then they fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login

HERE = Path(__file__).resolve().parent

# Playwright must never fetch a browser of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _chromium_missing() -> bool:
    return not os.access(CHROMIUM, os.X_OK)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark everything under tests/e2e as e2e; skip it locally when Chromium is not installed."""
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    missing = _chromium_missing()
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if missing and not _in_ci():
            item.add_marker(skip)


# Package scope, not session: while playwright's sync API is alive an asyncio loop runs in the
# main thread, which breaks async_to_sync (and so Django's async paths) in tests that run later.
@pytest.fixture(scope="package")
def _playwright():
    if _chromium_missing():
        if _in_ci():
            pytest.fail(
                f"CI=true but {CHROMIUM} is missing: browser tests must run in CI. "
                "Install it with `apt-get install -y chromium chromium-driver`.",
                pytrace=False,
            )
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(_playwright):
    """One headless Chromium for all browser tests (they run together, so once per session)."""
    chromium = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def _fast_password_hashing(settings):
    """The login form, not the hash cost, is under test; keeps the suite fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def live_url(live_server, _fast_password_hashing) -> str:
    """Root URL of the live server (transactional database access comes with it)."""
    return live_server.url.rstrip("/")


@pytest.fixture
def page(browser, live_url):
    """A fresh browser context and page per test; fails the test on uncaught JS errors."""
    context = browser.new_context(base_url=live_url, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    js_errors: list[str] = []
    bad_responses: list[str] = []
    tab.on("pageerror", lambda exc: js_errors.append(str(exc)))

    def _check_response(response):
        path = urlsplit(response.url).path
        if response.status >= 500 or (response.status >= 400 and path.startswith("/static/")):
            bad_responses.append(f"{response.status} {response.request.method} {path}")

    tab.on("response", _check_response)
    yield tab
    context.close()
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"
    assert not bad_responses, f"server errors or missing static files: {bad_responses}"


@pytest.fixture
def login(live_url):
    """`login(page, username, password="demo")` through the real login form."""

    def _login(page, username: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():  # to the home page, or back to the form on failure
            page.get_by_role("button", name="Log in").click()
        return page

    return _login


@pytest.fixture
def demo_people(live_url):
    """Demo vendors, teams, leads, associates and the five demo logins (no tickets)."""
    from teams.demo import seed_people

    return seed_people()


_A11Y_PROBLEMS_JS = """
() => {
  const problems = [];
  if (!document.documentElement.getAttribute("lang")) problems.push("<html> has no lang");
  const h1s = document.querySelectorAll("h1");
  if (h1s.length !== 1) problems.push(`expected one h1, found ${h1s.length}`);
  const fields = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea"
  );
  for (const el of fields) {
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby") || el.getAttribute("title");
    if (!named) problems.push(`field without label: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const img of document.querySelectorAll("img:not([alt])")) {
    problems.push(`image without alt: ${img.outerHTML.slice(0, 120)}`);
  }
  for (const b of document.querySelectorAll("button, a[href]")) {
    const name = (b.getAttribute("aria-label") || b.textContent || "").trim();
    if (!name && !b.querySelector("img[alt]")) problems.push(`unnamed control: ${b.outerHTML.slice(0, 120)}`);
  }
  // Text contrast (WCAG AA: 4.5, large text 3) against the composited background behind it.
  const rgba = (c) => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number).concat([1]).slice(0, 4);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3]));
  const backdrop = (el) => {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const bg = rgba(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    return layers.reverse().reduce((acc, layer) => over(layer, acc), [255, 255, 255]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width < 2 || box.height < 2 || s.clip === "rect(0px, 0px, 0px, 0px)") continue;
    const fg = rgba(s.color);
    const bg = backdrop(el);
    const [l1, l2] = [lum(over(fg, bg)), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(s.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`low contrast ${ratio.toFixed(2)}: "${el.textContent.trim().slice(0, 40)}"`);
    }
  }
  return problems;
}
"""

_FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: "nothing focused"};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== "none";
  return {ok: el.matches(":focus-visible") && (outline || shadow),
          what: `${el.tagName} outline=${s.outlineStyle} ${s.outlineWidth} shadow=${s.boxShadow}`};
}
"""


@pytest.fixture
def assert_a11y():
    """`assert_a11y(page)`: a basic accessibility smoke check of the current page."""

    def _check(page):
        problems = page.evaluate(_A11Y_PROBLEMS_JS)
        assert not problems, f"accessibility problems on {page.url}: {problems}"
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS_RING_JS)
        assert focus["ok"], f"no visible focus ring after Tab on {page.url}: {focus['what']}"

    return _check
