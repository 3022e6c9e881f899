"""`python manage.py sla_backfill`: start SLA clocks on unsolved tickets that have none."""

from django.core.management.base import BaseCommand

from tickets.services import sla_backfill


class Command(BaseCommand):
    help = "Create SLA records for unsolved tickets without any (after seeding or importing)."

    def handle(self, *args, **options):
        synced = sla_backfill()
        self.stdout.write(self.style.SUCCESS(f"SLA clocks started on {synced} unsolved tickets."))
