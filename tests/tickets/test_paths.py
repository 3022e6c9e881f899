"""The workspace builds its links without reverse() each: they must be what reverse() says."""

from django.urls import reverse, set_script_prefix

from core.urls import path_for
from tickets.paths import TICKET_ACTIONS, ticket_paths


def test_ticket_paths_are_what_reverse_answers_when_mounted_under_a_prefix():
    for prefix in ("/", "/desk/"):
        set_script_prefix(prefix)
        try:
            paths = ticket_paths(42)
            assert paths == {n: reverse(f"tickets:{n}", args=[42]) for n in TICKET_ACTIONS}
            assert paths["reply"].startswith(prefix)
            for name in ("tickets:attachment", "tickets:attachment_preview"):
                assert path_for(name, 7) == reverse(name, args=[7])
            assert path_for("tickets:queue") == reverse("tickets:queue")
        finally:
            set_script_prefix("/")
