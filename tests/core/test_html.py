"""core/html.py: every value escaped as format_html escapes it, markup kept, options chosen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from core import html

HOSTILE = [
    '<script>alert("x")</script>',
    "O'Brien & <b>Co</b>",
    '" onmouseover="steal()',
    "&amp; already escaped",
    "ünïcødé “quotes”",
    "",
    0,
    42,
    None,
    3.5,
    gettext_lazy("Internal note"),
    mark_safe("<em>trusted</em>"),
    format_html("<i>{}</i>", "<made & safe>"),
]


@pytest.mark.parametrize("value", HOSTILE)
def test_fragment_writes_what_format_html_writes_when_values_are_hostile(value):
    shape = '<a href="/x?{}" title="{}">{}</a>'
    out = html.fragment(shape, value, value, value)
    assert out == format_html(shape, value, value, value)
    assert isinstance(out, SafeString)
    named = html.fragment("<p class={cls}>{text}</p>", cls=value, text=value)
    assert named == format_html("<p class={cls}>{text}</p>", cls=value, text=value)


def test_fragment_leaves_no_tag_or_attribute_break_out_when_values_are_hostile():
    out = html.fragment('<td title="{}">{}</td>', '"><script>x()</script>', "<img src=x>")
    assert "<script>" not in out
    assert "<img" not in out
    assert out.count('"') == 2  # only the attribute's own quotes


def test_fragments_write_what_format_html_join_writes_for_tuples_and_mappings():
    rows = [(v, v) for v in HOSTILE]
    shape = "<li data-x={}>{}</li>"
    assert html.fragments("<br>", shape, rows) == format_html_join("<br>", shape, rows)
    named = [{"a": v} for v in HOSTILE]
    assert html.fragments("\n", "<b>{a}</b>", named) == format_html_join("\n", "<b>{a}</b>", named)


def test_joined_keeps_fragments_and_escapes_text():
    out = html.joined(", ", [html.fragment("<b>{}</b>", "x"), "<i>", 3])
    assert out == "<b>x</b>, &lt;i&gt;, 3"
    assert isinstance(out, SafeString)


def test_options_mark_the_selected_value_compared_as_text():
    out = html.options([(1, "Low"), (2, "Normal"), (3, "High")], "2")
    assert out == (
        '<option value="1">Low</option><option value="2" selected>Normal</option>'
        '<option value="3">High</option>'
    )
    assert html.options([(1, "Low"), (2, "Normal")], 2) == html.options(
        [(1, "Low"), (2, "Normal")], "2"
    )


def test_options_mark_each_value_of_a_list_and_none_when_nothing_is_selected():
    choices = [("a", "A"), ("b", "B"), ("c", "C")]
    assert html.options(choices, ["a", "c"]).count(" selected") == 2
    assert " selected" not in html.options(choices)
    assert " selected" not in html.options(choices, "zzz")


def test_options_never_select_the_empty_value():
    out = html.options([("", "Keep status"), ("open", "Open")], "")
    assert " selected" not in out


def test_options_escape_hostile_values_and_labels():
    out = html.options([('"><script>', "<b>bold</b> & co")], '"><script>')
    assert out == (
        '<option value="&quot;&gt;&lt;script&gt;" selected>&lt;b&gt;bold&lt;/b&gt; &amp; co'
        "</option>"
    )


def test_select_writes_django_select_markup_with_an_any_option():
    out = html.select("team", [("1", "Blue"), ("2", "Red")], None, empty="Any team")
    assert out == (
        '<select name="team" id="id_team">\n'
        '  <option value="" selected>Any team</option>\n'
        '  <option value="1">Blue</option>\n'
        '  <option value="2">Red</option>\n'
        "  </select>"
    )
    chosen = html.select("team", [("1", "Blue"), ("2", "Red")], "2", empty="Any team")
    assert '<option value="" selected>' not in chosen
    assert '<option value="2" selected>Red</option>' in chosen


def test_select_multiple_has_no_any_option_and_marks_every_chosen_value():
    out = html.select("status", [("new", "New"), ("open", "Open")], ["new", "open"],
                      multiple=True, empty="Any")  # fmt: skip
    assert out.startswith('<select name="status" id="id_status" multiple>')
    assert 'value=""' not in out
    assert out.count(" selected") == 2


def test_select_escapes_a_hostile_name():
    out = html.select('x" onclick="y', [], None)
    assert out.startswith('<select name="x&quot; onclick=&quot;y" id="id_x&quot; onclick=&quot;y">')


@pytest.mark.parametrize("token", [None, "", "NOTPROVIDED"])
def test_csrf_input_is_empty_when_the_request_has_no_token(token):
    assert html.csrf_input(token) == ""


def test_csrf_input_writes_what_the_csrf_token_tag_writes():
    token = 'abc"<def>'
    expected = Template("{% csrf_token %}").render(Context({"csrf_token": token}))
    assert html.csrf_input(token) == expected
    assert "<def>" not in html.csrf_input(token)


def test_hidden_input_escapes_its_value():
    out = html.hidden_input("next", '/x?a=1&b="2"')
    assert out == '<input type="hidden" name="next" value="/x?a=1&amp;b=&quot;2&quot;">'


def test_time_element_shows_the_moment_in_the_viewers_time_zone():
    moment = datetime(2026, 3, 29, 0, 30, 15, tzinfo=UTC)
    with timezone.override("Europe/Berlin"), translation.override("en"):
        out = html.time_element(moment)
        assert out == '<time datetime="2026-03-29T01:30:15+01:00">Mar 29, 2026 01:30</time>'
        assert html.time_element(moment, html.DAY_TIME) == (
            '<time datetime="2026-03-29T01:30:15+01:00">Mar 29 01:30</time>'
        )
    with timezone.override("Asia/Kolkata"), translation.override("en"):
        assert html.time_element(moment, html.DAY_COMMA_TIME) == (
            '<time datetime="2026-03-29T06:00:15+05:30">Mar 29, 06:00</time>'
        )


def test_time_element_writes_what_the_date_filter_writes():
    moment = datetime(2026, 12, 2, 23, 5, tzinfo=UTC)
    template = Template('<time datetime="{{ m|date:"c" }}">{{ m|date:"M j, Y H:i" }}</time>')
    for zone in ("UTC", "America/Los_Angeles", "Asia/Tokyo"):
        for language in ("en", "de"):
            with timezone.override(zone), translation.override(language):
                expected = template.render(Context({"m": moment}))
                assert html.time_element(moment, zone=html.viewer_zone()) == expected


def test_badge_escapes_its_label_and_kind():
    assert html.badge("Open", "open") == '<span class="badge badge-open">Open</span>'
    assert html.badge("<x>") == '<span class="badge">&lt;x&gt;</span>'
    assert html.badge("a", '"x') == '<span class="badge badge-&quot;x">a</span>'


@pytest.mark.parametrize(
    "shape",
    ["{0}<b>{1}</b>{0}", "{:>8}|{}", "{0!r}<i>{1!s}</i>", "<p>{a[0]}</p>{b}", "{{literal}} {}{}"],
)
def test_fragment_writes_what_format_html_writes_for_every_field_syntax(shape):
    args, kwargs = ("<x>", "a&b"), {"a": "<z>", "b": "<y>"}
    assert html.fragment(shape, *args, **kwargs) == format_html(shape, *args, **kwargs)
