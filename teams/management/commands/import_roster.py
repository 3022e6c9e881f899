"""python manage.py import_roster FILE [--dry-run]: all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from teams.services import RosterInvalid, roster_import


class Command(BaseCommand):
    help = "Import people and their weekly shifts from a roster CSV (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; change nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = roster_import(by=None, text=text, dry_run=dry_run)
        except RosterInvalid as exc:
            self._report(exc.result)
            raise CommandError(str(exc)) from exc
        self._report(result)
        if dry_run and not result.ok:
            raise CommandError(f"{len(result.errors)} row(s) have errors.")
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(f"{verb} {result.created}, updated {result.updated} people.")

    def _report(self, result):
        for row in result.errors:
            self.stderr.write(f"line {row.line}: " + "; ".join(row.errors))
