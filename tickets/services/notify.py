"""Notifications to staff: an in-app notice plus an email sent through the outbox."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teams.models import Role

from ..models import Notification, Ticket
from ..selectors import UNREAD_TTL, notifications_unread_counts, unread_cache_key
from .outbox import outbox_add, outbox_handler

logger = logging.getLogger(__name__)
SETTING_FAULT = "setting_invalid"
EMAIL_BATCH = 100  # notices per outbox message (one mail-server session, a bounded task)


def notifications_create(*, items: Sequence[tuple[int, int | None, str, str]], now=None) -> int:
    """Create notices (user id, ticket id, kind, text) in one INSERT and queue their emails."""
    now = now or timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(user_id=u, ticket_id=t, kind=k, text=text[:300], created_at=now)
        for u, t, k, text in items
    )
    ids = [n.pk for n in rows if n.pk]
    if not ids:  # backends without RETURNING on bulk insert: read them back
        ids = list(
            Notification.objects.filter(
                created_at=now, user_id__in=[i[0] for i in items]
            ).values_list("pk", flat=True)
        )
    for start in range(0, len(ids), EMAIL_BATCH):
        outbox_add(task="notifications.email", payload={"ids": ids[start : start + EMAIL_BATCH]})
    notifications_unread_changed(user_ids={i[0] for i in items})
    return len(items)


def notifications_unread_changed(*, user_ids) -> None:
    """Write the users' unread counts through to the cache (the nav badge reads them there):
    now, and again after commit, when what other transactions committed meanwhile counts too."""
    ids = set(user_ids)
    if not ids:
        return

    def recount() -> None:
        counts = notifications_unread_counts(user_ids=ids)
        cache.set_many({unread_cache_key(u): n for u, n in counts.items()}, UNREAD_TTL)

    recount()
    transaction.on_commit(recount)


@outbox_handler("notifications.email", queue="mail", commits_own_work=True)
def _email_notifications(payload: dict) -> None:
    """E-mail a batch of notices over one mail-server connection. Each notice is marked
    emailed in the transaction that hands it to the server, so a batch killed midway and run
    again mails only the rest; notices whose person has no address are marked at once."""
    base = settings.FRONTLINE["PUBLIC_BASE_URL"].rstrip("/")
    now = timezone.now()
    pending = Notification.objects.filter(pk__in=payload["ids"], emailed_at__isnull=True)
    pending.filter(user__email="").update(emailed_at=now)
    rows = pending.order_by("pk").values_list("pk", "ticket_id", "text", "user__email")
    with get_connection() as mail:
        for pk, ticket_id, text, address in rows:
            with transaction.atomic():
                if not Notification.objects.filter(pk=pk, emailed_at=None).update(emailed_at=now):
                    continue  # another run of this batch mailed it meanwhile
                link = f"\n\n{base}/tickets/{ticket_id}/" if ticket_id else ""
                message = EmailMessage(
                    subject=f"[Frontline] {text}"[:200], body=f"{text}{link}", to=[address]
                )
                mail.send_messages([message])


def notifications_mark_read(*, user, ids=None, now=None) -> int:
    """Mark the user's unread notices read — all of them, or those of `ids` (others' ids are
    ignored); returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=now or timezone.now())
    if marked:
        notifications_unread_changed(user_ids=[user.pk])
    return marked


def notify_assigned(*, ticket: Ticket, assignee, by) -> None:
    """Tell the new assignee (in the app and by email) — not when they took it themselves."""
    if assignee is None or (by is not None and by.pk == assignee.pk):
        return
    who = f" by {by.get_full_name() or by.username}" if by is not None else ""
    notifications_create(
        items=[
            (assignee.pk, ticket.pk, "assigned", f"Assigned to you{who}: {ticket_label(ticket)}")
        ]
    )


def ticket_label(ticket: Ticket) -> str:
    return f"{ticket.reference} {ticket.subject}"


def setting_fault_report(*, setting, problem: str) -> bool:
    """Tell the admins (in the app and by e-mail) and the log, once, that a stored setting is
    invalid and is being skipped — a value saved before validation existed. Code that reads
    settings calls this and carries on with a safe fallback instead of failing. Returns
    whether this call reported it (False: already reported). A day-long cache mark spares
    the hot paths (every SLA sync reads the calendar) the look-up in the notices."""
    text = (
        f"Setting ignored until fixed: {setting._meta.verbose_name} “{setting}” "
        f"(#{setting.pk}): {problem}"
    )[:300]
    mark = "setting-fault:" + hashlib.sha256(text.encode()).hexdigest()
    if not cache.add(mark, 1, timeout=24 * 3600):
        return False
    admins = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(agent__role=Role.ADMIN))
        .values_list("pk", flat=True)
        .distinct()
    )
    told = Notification.objects.filter(user_id__in=admins[:1], kind=SETTING_FAULT, text=text)
    if told.exists():
        return False
    logger.warning("Invalid stored setting skipped: %s", text)
    notifications_create(items=[(pk, None, SETTING_FAULT, text) for pk in admins])
    return True
