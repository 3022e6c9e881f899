"""`python manage.py ingest_email FILE` (or `-` for stdin): file one raw email, e.g. from a
mail server's pipe delivery. Exit status 0 when filed or deliberately skipped."""

import sys

from django.core.management.base import BaseCommand, CommandError

from tickets.mail.inbound import UnreadableEmail
from tickets.services import email_ingest


class Command(BaseCommand):
    help = "File one RFC 822 message (a path, or - for stdin) as a ticket or a reply."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the message, or - to read stdin")

    def handle(self, *args, file, **options):
        try:
            raw = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = email_ingest(raw=raw)
        except UnreadableEmail as exc:
            raise CommandError(str(exc)) from exc
        ref = f" {result.ticket.reference}" if result.ticket else ""
        reason = f" ({result.reason})" if result.reason else ""
        self.stdout.write(f"{result.outcome}{ref}{reason}")
