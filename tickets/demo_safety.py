"""Demo safety data: a sensitive ticket's screenshot (shown blurred until revealed) and the
exposure log of the last four weeks' sensitive tickets, for the exposure pages."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw

from teams.models import ExposureEntry, Sensitivity

from .models import Attachment, Ticket
from .services import attachment_add


def _demo_screenshot() -> bytes:
    """A small made-up "screenshot" (a chat with a red warning), drawn by Pillow."""
    image = Image.new("RGB", (320, 200), (245, 246, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 28), fill=(40, 60, 140))
    draw.text((10, 8), "Messages", fill=(255, 255, 255))
    for i, (x, colour) in enumerate(((12, (220, 225, 235)), (120, (200, 230, 200)))):
        draw.rounded_rectangle((x, 40 + i * 50, x + 188, 80 + i * 50), 8, fill=colour)
    draw.rounded_rectangle((12, 145, 308, 190), 8, fill=(200, 40, 40))
    draw.text((22, 160), "I know where you live.", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_sensitive_media(tickets: list[Ticket]) -> Attachment | None:
    """The demo's sensitive image: a screenshot on the newest sensitive ticket (an unsolved
    one if any), stored through attachment_add, so the workspace shows its blurred
    derivative until an agent reveals it. None without a sensitive ticket."""
    candidates = [t for t in tickets if t.category.sensitivity == Sensitivity.SENSITIVE]
    if not candidates:
        return None
    ticket = min(candidates, key=lambda t: (t.status in Ticket.DONE, -t.created_at.timestamp()))
    message = ticket.messages.order_by("created_at", "pk").first()
    return attachment_add(
        ticket=ticket, message=message, name="threat-screenshot.png", data=_demo_screenshot()
    )


def seed_exposure(tickets: list[Ticket], *, now, seed: int = 7) -> int:
    """The exposure log of the last four weeks' sensitive tickets: their assignee handled each
    from its first reply, for 4-30 minutes of work (the figures on the exposure pages)."""
    rng = random.Random(seed + 17)  # its own stream: the tickets' stay as they were
    since = now - timedelta(days=28)
    entries = []
    for t in tickets:
        sensitivity = t.category.sensitivity
        if sensitivity == Sensitivity.NONE or t.assignee_id is None:
            continue
        if t.first_reply_at is None or t.first_reply_at < since:
            continue
        seconds = rng.randint(4, 30) * 60
        entries.append(
            ExposureEntry(
                user_id=t.assignee_id,
                ticket_id=t.pk,
                sensitivity=sensitivity,
                at=t.first_reply_at,
                seconds=seconds,
                last_seen_at=min(now, t.first_reply_at + timedelta(seconds=seconds)),
            )
        )
    ExposureEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
