"""`python manage.py import_zendesk DIR [--batch N]` (README "Migrating from Zendesk")."""

from django.core.management.base import BaseCommand, CommandError

from tickets.services.importer import print_progress
from tickets.services.zendesk import BATCH, ZendeskError, zendesk_import


class Command(BaseCommand):
    help = "Import a Zendesk account's export (JSON / NDJSON files in DIR); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--batch", type=int, default=BATCH, help="Tickets per transaction (default 200)"
        )

    def handle(self, *args, directory, batch, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        try:
            result = zendesk_import(
                directory, batch=batch, progress=lambda d, t: print_progress(d, t, self.stderr)
            )
        except (ZendeskError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        made = ", ".join(f"{n} {kind}" for kind, n in result.people.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.tickets} Zendesk tickets: {result.created} created, "
                f"{result.updated} updated (imported before); created {made}."
            )
        )
        self.stdout.write(
            "The dashboards count them after the next rollup refresh (a few minutes), "
            "or at once with `manage.py rollup_backfill --from FIRST-DAY --to TODAY`."
        )
