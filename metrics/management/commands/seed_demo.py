"""`python manage.py seed_demo`: the demo operation. Idempotent; refuses with DEBUG off.

It lives in metrics, the top app, because it builds every layer: people (teams), service levels
and tickets with their SLA targets (tickets), then the rollups, so the dashboards show real
figures on the first page view instead of after the first refresh task."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from metrics.services import rollups_build_all
from teams.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_people
from tickets.demo import seed_categories, seed_tickets
from tickets.demo_sla import seed_service_levels
from tickets.models import TicketSLA
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
        started = time.monotonic()
        seed_people(seed=seed)
        seed_categories()
        seed_service_levels()
        created = seed_tickets(count=tickets, days=days, seed=seed)
        if created:
            sla_backfill()  # any unsolved ticket the seeded history left without targets
            rollups = rollups_build_all(now=timezone.now())
            targets = TicketSLA.objects.count()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {created} demo tickets with {targets} SLA targets and "
                    f"{rollups['rows']} rollup rows in {time.monotonic() - started:.1f} s."
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing to do.")
        logins = ", ".join(username for username, *_ in DEMO_LOGINS)
        self.stdout.write(f"Demo logins: {logins} (password '{DEMO_PASSWORD}')")
