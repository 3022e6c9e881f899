"""The signed Reply-To address of our e-mails: support+fl-123-<signature>@desk.example.

A reply that lost its threading headers and its [FL-123] subject (some webmail and mobile
clients drop both) still names its ticket by the address it was sent to; the signature
(an HMAC of the ticket number with the site's secret) means nobody can make up an address
for someone else's ticket. Needs a mailbox that delivers plus-addresses to the desk
(FRONTLINE["REPLY_TO_SIGNED"], off by default).
"""

from __future__ import annotations

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "tickets.reply-to"
_TAGGED = re.compile(r"^[^@+]+\+fl-(\d{1,12})-([0-9a-f]{12})@", re.IGNORECASE)


def _signature(ticket_id: int) -> str:
    return salted_hmac(SALT, str(ticket_id)).hexdigest()[:12]


def reply_address(ticket_id: int) -> str:
    """The From header's address with the ticket's signed tag (display name kept); "" when
    signed reply addresses are off."""
    if not settings.FRONTLINE.get("REPLY_TO_SIGNED"):
        return ""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    local, _, domain = address.partition("@")
    return formataddr((name, f"{local}+fl-{ticket_id}-{_signature(ticket_id)}@{domain}"))


def ticket_id_from(addresses: list[str]) -> int | None:
    """The ticket number of the first correctly signed reply address among `addresses`."""
    for address in addresses:
        found = _TAGGED.match(address)
        if found and constant_time_compare(found.group(2).lower(), _signature(int(found.group(1)))):
            return int(found.group(1))
    return None
