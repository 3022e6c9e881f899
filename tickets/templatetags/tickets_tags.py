"""Template helpers for ticket pages: message bodies with inline images, SLA clocks."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil

from ..attachments import IMAGE_TYPES
from ..models import Ticket

register = template.Library()

_IMG = re.compile(r"<img\b([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@register.simple_tag
def message_body(message, ws, revealed=()):
    """The sanitized body with cid: images pointed at their attachment and, on sensitive
    tickets, every image blurred until clicked (the click is logged)."""
    by_cid = {a.content_id: a for a in ws.attachments if a.content_id}

    def replace(match: re.Match) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        src, alt = attrs.get("src", ""), attrs.get("alt", "image")
        attachment = by_cid.get(src[4:]) if src.startswith("cid:") else None
        if attachment is None or attachment.content_type not in IMAGE_TYPES:
            return str(format_html('<span class="muted">[image: {}]</span>', alt or "external"))
        url = reverse("tickets:attachment_preview", args=[attachment.pk])  # re-encoded copy
        if ws.sensitive and attachment.pk not in revealed:
            reveal = reverse("tickets:attachment_reveal", args=[attachment.pk])
            return str(
                format_html(
                    '<img src="{}" alt="{} (sensitive, hidden)" class="sensitive-media" '
                    'data-reveal-url="{}">',
                    url,
                    alt,
                    reveal,
                )
            )
        return str(format_html('<img src="{}" alt="{}">', url, alt))

    return mark_safe(_IMG.sub(replace, message.body_html))  # noqa: S308 — input is sanitized HTML


@register.simple_tag
def sla_clock(ticket: Ticket):
    """'Due in 2 hours' / 'Overdue by 3 hours' with the exact time, or 'No SLA running'."""
    if ticket.due_at is None:
        return format_html('<span class="muted">{}</span>', "No SLA clock running")
    now = timezone.now()
    if ticket.due_at < now:
        return format_html(
            '<span class="badge badge-breached" data-due="{1}">Overdue by {0}</span> '
            '<time datetime="{1}">{2}</time>',
            timesince(ticket.due_at, now),
            ticket.due_at.isoformat(),
            timezone.localtime(ticket.due_at).strftime("%b %d %H:%M"),
        )
    return format_html(
        '<span class="badge" data-due="{1}">Due in {0}</span> <time datetime="{1}">{2}</time>',
        timeuntil(ticket.due_at, now),
        ticket.due_at.isoformat(),
        timezone.localtime(ticket.due_at).strftime("%b %d %H:%M"),
    )


@register.simple_tag
def status_label(value: str) -> str:
    labels = {"open": "Open", "pending": "Pending", "on_hold": "On hold", "solved": "Solve",
              "closed": "Close", "new": "New"}  # fmt: skip
    return labels.get(value, value)
