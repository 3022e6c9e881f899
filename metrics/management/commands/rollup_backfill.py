"""Rebuild ticket metrics and daily rollups for a range of UTC days, or the pending backfill."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from metrics.services import productive_time_refresh, rollup_backfill, rollup_backfill_step


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Recompute ticket metrics, daily rollups and productive time for --from..--to, or "
        "(--pending) the whole backfill an upgrade scheduled, now instead of a week per "
        "5-minute refresh."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last UTC day, YYYY-MM-DD")
        parser.add_argument(
            "--pending", action="store_true", help="finish the pending backfill, if any"
        )

    def handle(self, *args, start, end, pending, **options):
        if pending:
            self._pending()
            return
        if not (start and end):
            raise CommandError("Give --from and --to, or --pending.")
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

    def _pending(self):
        tickets = days = 0
        first = None
        while True:
            step = rollup_backfill_step(now=timezone.now(), days=31)
            if "start" in step:
                first = first or step["start"]
                tickets, days = tickets + step["tickets"], days + step["days"]
                self.stdout.write(f"  {step['start']} – {step['end']}: {step['tickets']} tickets")
            if not step["pending"]:
                break
        if first is None:
            self.stdout.write("No backfill pending.")
        else:
            self.stdout.write(f"Backfilled {tickets} tickets over {days} days from {first}.")
