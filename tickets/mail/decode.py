"""Text out of whatever bytes the internet sends: charsets, encoded words, HTML, addresses.

- `decode_bytes(data, declared)`: the declared charset (known mislabels corrected: GB2312 is
  really GB18030, ks_c_5601-1987 is CP949, ISO-2022-JP is one of its supersets, Latin-1 is
  Windows-1252 …); when it fails, charset-normalizer's detection; then a decode that keeps
  every byte it can (UTF-8 with replacement, Windows-1252 where UTF-8 is hopeless).
- `decode_header(value, hints)`: RFC 2047 encoded words (and raw 8-bit headers, decoded
  like a body with the message's charsets as hints), unfolded.
- `html_to_plain(html)`: readable text of an HTML-only message (blocks on their own lines,
  lists as bullets, no style, script or head).
- `sender_address(value)`: the From header's addr-spec — never the display name, even when
  the display name looks like an address.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from charset_normalizer import from_bytes

from .sanitize import clean_text

# Labels mail clients write for a different (usually larger) charset than the name says.
MISLABELS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "utf-8",
    "default": "utf-8",
}
# ISO-2022-JP as sent is often one of its extensions (half-width kana, JIS X 0212, 2004).
ISO2022JP = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3")


def _codec(label: str) -> str | None:
    label = (label or "").strip().strip("\"'").lower()
    if not label:
        return None
    label = MISLABELS.get(label, label)
    if label.startswith("cp-"):
        label = "cp" + label[3:]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _candidates(declared: str | None) -> list[str]:
    codec = _codec(declared or "")
    if codec is None:
        return []
    if codec.startswith("iso2022_jp"):
        return [codec, *(c for c in ISO2022JP if c != codec)]
    return [codec]


def _single_byte(declared: str | None) -> bool:
    """True for no label or a one-byte-per-character charset (Latin, Cyrillic, Greek …)."""
    codec = _codec(declared or "")
    return codec is None or codec.startswith(("cp12", "iso8859", "koi8", "mac", "cp8", "ascii"))


def decode_bytes(data: bytes, declared: str | None = None, *, hints: tuple[str, ...] = ()) -> str:
    """Decode `data` (a part's payload or a raw header): declared charset, then each hint,
    then UTF-8, then detection, then the least lossy fallback. Never raises."""
    if not data:
        return ""
    if not data.isascii() and _single_byte(declared):
        try:  # UTF-8 labelled Latin-1 (or unlabelled): valid UTF-8 is never an accident
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    tried: list[str] = []
    for label in (declared, *hints, "utf-8"):
        for codec in _candidates(label):
            if codec in tried:
                continue
            tried.append(codec)
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    if data.isascii():
        return data.decode("ascii", "replace")
    if len(data) >= 4:  # on a few bytes detection guesses; still better than U+FFFD
        wide = ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"]
        guess = _detect(data, cp_exclusion=None if b"\x00" in data else wide)
        if guess is not None:
            return guess
    for codec in _candidates(declared):
        return data.decode(codec, "replace")
    utf8 = data.decode("utf-8", "replace")
    if utf8.count("\ufffd") * 20 < len(utf8):
        return utf8
    return data.decode("cp1252", "replace")


# Among detections that are equally plausible, the charsets mail is most often written in.
COMMON = (
    "utf_8", "cp1252", "iso8859_15", "cp1251", "koi8_r", "gb18030", "big5", "cp932", "euc_jp",
    "cp949", "cp1250", "iso8859_2", "cp1253", "iso8859_7", "cp1254", "cp1255", "cp1256",
)  # fmt: skip


def _detect(data: bytes, **kwargs) -> str | None:
    """charset-normalizer's reading; of the equally clean candidates, a common mail charset."""
    results = from_bytes(data, **kwargs)
    best = results.best()
    if best is None or not best.encoding:
        return None
    plausible = [m for m in results if m.chaos <= best.chaos + 0.01]
    for codec in COMMON:
        if any(codec in m.could_be_from_charset for m in plausible):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    return str(best)


def _raw(value: str) -> bytes:
    """A header or payload string as its original bytes (8-bit input arrives surrogate-escaped)."""
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def decode_header(value, hints: tuple[str, ...] = ()) -> str:
    """One header as clean text: RFC 2047 words decoded (each by decode_bytes, so a lying
    charset label is survived), raw 8-bit bytes decoded, folding and controls removed."""
    if value is None:
        return ""
    if not isinstance(value, str):  # email.header.Header from the compat32 parser
        value = str(value)
    raw = _raw(value)
    text = raw.decode("ascii") if raw.isascii() else decode_bytes(raw, None, hints=hints)
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    if "=?" not in text:
        return " ".join(clean_text(text).split()) if "\n" in text else clean_text(text).strip()
    pieces: list[tuple[bytes, str | None]] = []  # (bytes, charset); None: plain text
    position, last_end = 0, -1
    for word in _ENCODED_WORD.finditer(text):
        between = text[position : word.start()]
        if not (last_end == word.start() - len(between) and not between.strip()):
            pieces.append((between.encode("utf-8", "surrogateescape"), None))
        charset = word.group(1).split("*", 1)[0]
        data = _word_bytes(word.group(2), word.group(3))
        if pieces and pieces[-1][1] is not None and pieces[-1][1].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0] + data, pieces[-1][1])  # a character split across words
        else:
            pieces.append((data, charset))
        position = last_end = word.end()
    pieces.append((text[position:].encode("utf-8", "surrogateescape"), None))
    out = [
        data.decode("utf-8", "surrogateescape")
        if charset is None
        else decode_bytes(data, charset, hints=hints)
        for data, charset in pieces
    ]
    return " ".join(clean_text("".join(out)).split())


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _word_bytes(encoding: str, payload: str) -> bytes:
    """An encoded word's bytes, leniently: bad base64 padding or stray characters are
    survived (many mailers get them wrong), never an exception."""
    if encoding in "qQ":
        return quopri.decodestring(
            payload.replace("_", " ").encode("ascii", "replace"), header=True
        )
    clean = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    clean = clean[: len(clean) - 1] if len(clean) % 4 == 1 else clean
    try:
        return base64.b64decode(clean + "=" * (-len(clean) % 4))
    except binascii.Error:
        return payload.encode("ascii", "replace")


# --- addresses -------------------------------------------------------------------------
_ANGLE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def sender_address(value: str) -> tuple[str, str]:
    """(display name, addr-spec) of a From header already decoded. The address inside angle
    brackets wins over anything in the display name; a display name that is itself an
    address (a classic spoof) is dropped. EAI (UTF-8) local parts and domains are kept."""
    value = " ".join((value or "").split())
    angles = _ANGLE.findall(value) or re.findall(r"<\s*([^<>\s@]+)\s*>$", value)
    if angles:
        addr = angles[-1]
        name = value[: value.rfind("<")].strip().strip('"').strip()
    else:
        name, addr = parseaddr(value)
        if "@" not in addr:
            found = re.search(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", value)
            # No address at all ("MAILER-DAEMON"): the bare name, for the classifier.
            name, addr = ("", found.group(0)) if found else (name, addr)
    addr = addr.strip().strip(".'\"").lower()
    if "@" in name:
        name = ""
    return name[:200], addr


def addresses(value: str) -> list[str]:
    """Every addr-spec in an address-list header (To, Cc, Delivered-To …), lower-cased."""
    return [a.strip().lower() for _, a in getaddresses([value or ""]) if "@" in a]


# --- HTML → text -------------------------------------------------------------------------
_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "dt", "dd", "address",
}  # fmt: skip
_SKIP = {"style", "script", "head", "title", "noscript", "template", "xml"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag == "pre":
            self.pre += 1
        if tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCK:
            self.out.append("\n\n" if tag in ("p", "h1", "h2", "h3", "table") else "\n")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK and tag != "li":
            self.out.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_plain(html: str) -> str:
    """Readable text of an HTML body: paragraphs separated by a blank line, lines trimmed."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # very broken markup: strip tags the blunt way
        return unescape(re.sub(r"<[^>]*>", " ", html)).strip()
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag, if any."""
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None
