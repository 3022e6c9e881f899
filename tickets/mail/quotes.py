"""Only the new words: quoted history and signatures folded away (never deleted).

`split_text(text)` separates a plain-text body into what the sender wrote now and what they
quoted or signed — mail-parser-reply (reply headers and signatures of Outlook, Gmail, Apple
Mail, Thunderbird and phones in a dozen languages) first, then our own patterns for what it
misses (Portuguese, Russian, Outlook's separator line, trailing "> " blocks).
`collapse_text` / `collapse_html` render the body with the rest inside a closed
<details> "Show quoted text", so the thread stays short and nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from mailparser_reply import EmailReplyParser

from .sanitize import clean_html, text_to_html

_PARSER = EmailReplyParser(
    languages=["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh"]
)
# Reply headers mail-parser-reply does not know (or that a client wrote on one line).
_QUOTE_HEADERS = [
    re.compile(r"^\s*On .{1,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{1,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{1,200}schrieb .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*El .{1,200}escribió:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Em .{1,200}escreveu:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Il .{1,200}ha scritto:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Op .{1,200}schreef .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^.{0,200}(?:пишет|написал\(а\)|написала?):\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
        r"|Mensaje original|Messaggio originale|Исходное сообщение)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),  # fmt: skip
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(?:From|Von|De|Da|Van|Od|Från|Fra|От): .+$"),
]
_SIGNATURE = re.compile(r"^-- ?$")
# Where the quoted part of an HTML body starts, in the clients that mark it.
_HTML_QUOTE_START = re.compile(
    r"<div[^>]*class=\"?[^\">]*gmail_quote|<blockquote[^>]*type=\"?cite|<div[^>]*id=\"?appendonsend"
    r"|<hr[^>]*id=\"?stopSpelling|<div[^>]*id=\"?divRplyFwdMsg|<div[^>]*class=\"?[^\">]*yahoo_quoted"
    r"|<div[^>]*class=\"?[^\">]*moz-cite-prefix|<div[^>]*class=\"?[^\">]*OutlookMessageHeader",
    re.IGNORECASE,
)
_SHOW = "Show quoted text"


@dataclass(frozen=True)
class Split:
    new: str
    quoted: str


def _own_cut(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if i and (_SIGNATURE.match(line) or any(p.match(line) for p in _QUOTE_HEADERS)):
            return i
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    return end


def split_text(text: str) -> Split:
    """(new words, quoted history and signature) of a plain-text body. When everything
    looks quoted, everything counts as new (a forward with no comment still says something)."""
    text = text.replace("\r\n", "\n").strip()
    lines = text.split("\n")
    new = "\n".join(lines[: _own_cut(lines)]).strip()
    try:
        replies = _PARSER.read(text).replies
    except (re.error, IndexError, ValueError):
        replies = []
    if replies and replies[0].body.strip():
        theirs = replies[0].body.strip()
        # The library normalises whitespace; keep whichever cut comes first in our text.
        if len(theirs) < len(new) and new.replace(" ", "").startswith(theirs.replace(" ", "")):
            new = _prefix_matching(text, theirs)
    if not new:
        return Split(text, "")
    new = "\n".join(line for line in new.split("\n") if not line.startswith(">")).strip() or new
    quoted = text[len(new) :].strip() if text.startswith(new) else _rest(text, new)
    return Split(new, quoted)


def _prefix_matching(text: str, stripped: str) -> str:
    """The shortest prefix of `text` that holds `stripped`'s characters (the library strips
    each line, so its output is not a plain prefix)."""
    want = "".join(stripped.split())
    seen = 0
    for i, char in enumerate(text):
        if not char.isspace():
            if seen < len(want) and char == want[seen]:
                seen += 1
            if seen == len(want):
                return text[: i + 1]
    return text


def _rest(text: str, new: str) -> str:
    lines, kept = text.split("\n"), set(new.split("\n"))
    return "\n".join(line for line in lines if line not in kept).strip()


def folded(summary: str, inner_html: str) -> str:
    """`inner_html` (already sanitised) inside a closed <details> under `summary`."""
    safe = mark_safe(inner_html)  # noqa: S308 — sanitised by clean_html before it gets here
    return format_html("<details><summary>{}</summary>{}</details>", summary, safe)


def collapse_text(text: str) -> str:
    """Sanitised HTML of a plain-text body: the new words, then the rest folded."""
    split = split_text(text)
    html = text_to_html(split.new)
    return html + folded(_SHOW, text_to_html(split.quoted)) if split.quoted else html


def collapse_html(html: str) -> str:
    """Sanitised HTML of an HTML body with the quoted history (as marked by Gmail, Outlook,
    Apple Mail, Thunderbird, Yahoo) folded; unmarked HTML is kept whole."""
    found = _HTML_QUOTE_START.search(html)
    if found is None or not clean_html(html[: found.start()]).strip():
        return clean_html(html)
    head, tail = clean_html(html[: found.start()]), clean_html(html[found.start() :])
    return head + folded(_SHOW, tail) if tail.strip() else head
