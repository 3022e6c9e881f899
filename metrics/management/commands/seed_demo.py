"""`python manage.py seed_demo`: the demo operation. Idempotent; refuses with DEBUG off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from teams.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_people
from tickets.demo import seed_categories, seed_tickets
from tickets.services import sla_backfill


class Command(BaseCommand):
    help = "Create demo teams, people and ~20,000 tickets (only with DEBUG on; safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets", type=int, default=20_000, help="How many tickets (default 20000)"
        )
        parser.add_argument(
            "--days", type=int, default=90, help="Spread over this many days (default 90)"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, tickets, days, seed, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a known password and runs only with DEBUG=1. "
                "Refusing on a production configuration."
            )
        seed_people(seed=seed)
        seed_categories()
        created = seed_tickets(count=tickets, days=days, seed=seed)
        if created:
            clocks = sla_backfill()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {created} demo tickets; SLA clocks on {clocks} unsolved."
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing to do.")
        logins = ", ".join(username for username, *_ in DEMO_LOGINS)
        self.stdout.write(f"Demo logins: {logins} (password '{DEMO_PASSWORD}')")
