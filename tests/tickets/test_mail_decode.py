"""Decoding what the internet sends: charsets (declared, mislabelled, missing), encoded
words (even broken ones), addresses, HTML-only bodies — and parsing never crashes."""

import base64
import random
from pathlib import Path

import pytest

from tickets.mail.classify import classify
from tickets.mail.decode import decode_bytes, decode_header, html_to_plain, sender_address
from tickets.mail.inbound import UnreadableEmail, parse

CORPUS = Path(__file__).parent / "mail_corpus"


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("我是王喆，订单没有到达", "gb18030", "gb2312"),
        ("똠양꿍 주문 결제", "cp949", "ks_c_5601-1987"),
        ("ｱﾌﾟﾘが起動しません", "iso2022_jp_ext", "iso-2022-jp"),
        ("注文番号①の件", "cp932", "shift_jis"),
        ("I was charged €49 – “twice”", "cp1252", "iso-8859-1"),
        ("Привет мир, как дела?", "cp1251", "utf-8"),  # the label lies: detection
        ("Café crème", "utf-8", "iso-8859-1"),  # UTF-8 labelled Latin-1
        ("Grüße aus Köln", "latin-1", "klingon"),  # unknown label
    ],
)
def test_declared_charsets_mislabels_and_lies_decode(text, codec, label):
    assert decode_bytes(text.encode(codec), label) == text


def test_encoded_words_split_mid_character_and_broken_ones():
    data = "Überweisung für März".encode()
    first, second = base64.b64encode(data[:2]).decode(), base64.b64encode(data[2:]).decode()
    assert decode_header(f"=?utf-8?B?{first}?=\r\n =?utf-8?B?{second}?=") == "Überweisung für März"
    assert decode_header("=?utf-8?B?w7xiZXI?= ok") == "über ok"  # padding missing
    assert decode_header("=?bogus?Q?caf=E9?=") == "café"
    raw8 = "Ошибка оплаты".encode("koi8-r").decode("ascii", "surrogateescape")
    assert decode_header(raw8, hints=("koi8-r",)) == "Ошибка оплаты"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("billing@bank.example <thief@evil.example>", ("", "thief@evil.example")),
        ('"ceo@corp.example" <intern@mail.example>', ("", "intern@mail.example")),
        ("Maya Chen <Maya@Users.Example.org>", ("Maya Chen", "maya@users.example.org")),
        ("李雷 <李雷@例子.中国>", ("李雷", "李雷@例子.中国")),
        ("plain@example.org", ("", "plain@example.org")),
    ],
)
def test_the_requester_is_the_addr_spec_never_the_display_name(header, expected):
    assert sender_address(header) == expected


def test_html_only_becomes_readable_text():
    html = (
        "<html><head><title>x</title><style>p{}</style></head><body><p>Hello <b>there</b></p>"
        "<ul><li>one</li><li>two</li></ul><div>bye</div></body></html>"
    )
    assert html_to_plain(html) == "Hello there\n\n- one\n- two\n\nbye"


def test_damaged_messages_never_crash_the_parser():
    """Every corpus message cut short and with bytes flipped: parsed and classified, or
    refused as unreadable — never another exception."""
    rng = random.Random(20)
    for path in sorted(CORPUS.glob("*.eml")):
        raw = path.read_bytes()
        for _ in range(3):
            damaged = bytearray(raw[: rng.randrange(1, len(raw) + 1)])
            for _ in range(8):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                parsed = parse(bytes(damaged))
            except UnreadableEmail:
                continue
            classify(parsed)
            parsed.body_html(strip_quoted=True)
            parsed.original_html()
