"""Rebuild ticket metrics and daily rollups for a range of UTC days."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from metrics.services import rollup_backfill


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute TicketMetric rows and DailyRollups for tickets created in --from..--to."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last UTC day, YYYY-MM-DD")

    def handle(self, *args, start, end, **options):
        start, end = _date(start), _date(end)
        if end < start:
            raise CommandError("--to is before --from.")
        result = rollup_backfill(start=start, end=end)
        self.stdout.write(
            f"Rebuilt {result['tickets']} tickets, {result['days']} days, {result['rows']} rows."
        )
