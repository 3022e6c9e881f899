import pytest

from tickets.mail.sanitize import clean_html, html_to_text, markdown_to_html

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<svg onload=alert(1)><circle r=5></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example/"></iframe>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=a></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '<img src="x" ONERROR="alert(1)">',
]
DANGEROUS = ["<script", "onerror", "onload", "onmouseover", "javascript:", "vbscript:", "<style",
             "style=", "<iframe", "<svg", "data:", "<object", "<embed", "<form", "<meta", "<base"]  # fmt: skip


@pytest.mark.parametrize("payload", XSS)
def test_no_active_content_survives_html_cleaning(payload):
    out = clean_html(payload).lower()
    for needle in DANGEROUS:
        assert needle not in out, (needle, out)


@pytest.mark.parametrize("payload", XSS)
def test_markdown_from_agents_escapes_raw_html(payload):
    out = markdown_to_html(payload).lower()
    for needle in ("<script", "<img", "<svg", "<iframe", "<a ", "<style"):
        assert needle not in out


def test_markdown_link_with_javascript_url_loses_its_href():
    out = markdown_to_html("[click](javascript:alert(1))")
    assert "javascript:" not in out.lower()


def test_links_get_noopener_and_keep_http_urls():
    out = clean_html('<a href="https://example.com/help">help</a>')
    assert 'href="https://example.com/help"' in out
    assert "noopener" in out


def test_markdown_renders_emphasis_lists_and_code():
    out = markdown_to_html("**bold**\n\n- one\n- two\n\n`x<y`")
    assert "<strong>bold</strong>" in out
    assert "<li>one</li>" in out
    assert "<code>x&lt;y</code>" in out


def test_plain_text_rendering_drops_tags_and_unescapes():
    assert html_to_text("<p>Tom &amp; Jerry</p><script>x</script>") == "Tom & Jerry"
