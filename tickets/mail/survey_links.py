"""The signed one-click CSAT links of the survey e-mail (django.core.signing tokens).

Written here, below the services, because both sides need them: the survey e-mail puts them
in, and the CSAT service (tickets.services.csat) reads them back and checks their age.
"""

from django.core import signing

SALT = "tickets.csat"


def csat_token(*, ticket_id: int, rating: int | None = None) -> str:
    """A signed link token: a one-click rating (1-5) or, with no rating, the comment page."""
    return signing.dumps({"t": ticket_id, "r": rating}, salt=SALT)
