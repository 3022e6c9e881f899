"""Celery entry points for tickets: take ids, reload, call a service; safe to run twice."""

from celery import shared_task

from .emails import send_public_reply
from .models import Message


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def message_send_email(self, message_id: int) -> str | None:
    """Send an agent's public reply to the requester once (skips if already sent)."""
    message = Message.objects.select_related("ticket__requester").filter(pk=message_id).first()
    if message is None or message.email_message_id or not message.is_public:
        return None
    try:
        return send_public_reply(message)
    except OSError as exc:  # SMTP down: try again later, the message is kept
        raise self.retry(exc=exc) from exc
