"""Policy text: Markdown (raw HTML escaped first) rendered and sanitized with nh3. Kept in
teams/ so teams never imports tickets/ (tickets/mail/sanitize.py does the same for messages)."""

import html

import markdown as md
import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "hr",
    "i", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan"}}


def render(text: str) -> str:
    """Markdown → safe HTML: no script, style, event handler or javascript: URL survives."""
    rendered = md.markdown(
        html.escape(text, quote=False), extensions=["fenced_code", "sane_lists", "tables"]
    )
    return nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
