"""Every message body becomes safe HTML here, whatever the channel (nh3 / Ammonia)."""

import html
import re

import markdown as md
import nh3
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html_join
from markdown.extensions import Extension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2",
    "h3", "h4", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid"}


# C0 controls other than tab, newline and carriage return, and DEL. NUL cannot be stored in a
# PostgreSQL text column at all; the others only garble pages and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Text from outside that nobody can be asked to fix (email): undecodable bytes (lone
    surrogates from a lying charset) become U+FFFD, control characters are dropped."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that were not escaped bytes
        raw = value.encode("utf-8", "surrogatepass")
    return _CONTROL.sub("", raw.decode("utf-8", "replace"))


def has_nul(value) -> bool:
    """True when a NUL character hides anywhere in a JSON-like value (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def clean_html(raw: str) -> str:
    """Strip anything active: no script, style, event handler or javascript: URL survives."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _NoRawHtml(Extension):
    """Markdown without its raw-HTML passthrough: typed tags are shown as text, not run."""

    def extendMarkdown(self, md_instance):  # noqa: N802 (Markdown's API name)
        md_instance.preprocessors.deregister("html_block")
        md_instance.inlinePatterns.deregister("html")


def markdown_to_html(text: str) -> str:
    """Render Markdown (raw HTML in it is shown as text, not passed through), then sanitize."""
    rendered = md.markdown(text, extensions=["fenced_code", "sane_lists", "nl2br", _NoRawHtml()])
    return clean_html(rendered)


def text_to_html(text: str) -> str:
    """Plain text (e.g. an email's text/plain part) as paragraphs."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return clean_html(format_html_join("", "<p>{}</p>", ((linebreaksbr(p),) for p in paragraphs)))


_BREAKS = re.compile(r"(<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre|table|summary)>)", re.I)


def html_to_text(raw: str) -> str:
    """A plain-text rendering for search and for the text part of emails (blocks and line
    breaks become newlines, so paragraphs do not run together)."""
    return html.unescape(nh3.clean(_BREAKS.sub(r"\1\n", raw), tags=set())).strip()
