"""Rebuild ticket metrics and daily rollups for a range of UTC days."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from metrics.services import productive_time_refresh, rollup_backfill


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute ticket metrics, daily rollups and productive time for --from..--to."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last UTC day, YYYY-MM-DD")

    def handle(self, *args, start, end, **options):
        start, end = _date(start), _date(end)
        if end < start:
            raise CommandError("--to is before --from.")
        result = rollup_backfill(start=start, end=end)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        agent_days = productive_time_refresh(days=days)
        self.stdout.write(
            f"Rebuilt {result['tickets']} tickets, {result['days']} days, {result['rows']} rows, "
            f"{agent_days} agent-days of productive time."
        )
