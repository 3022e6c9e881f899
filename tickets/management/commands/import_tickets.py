"""`python manage.py import_tickets FILE.csv --mapping MAPPING.json [--dry-run]
[--on-error skip|abort] [--create-missing] [--update]` (README "Importing another helpdesk's
export")."""

from django.core.management.base import BaseCommand, CommandError

from tickets.services.importer import MappingError, import_tickets, load_mapping, print_progress


class Command(BaseCommand):
    help = "Import tickets from another helpdesk's CSV export; all-or-nothing, --dry-run to check."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--mapping", required=True, help="JSON mapping (see tickets/import_mappings/)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing"
        )
        parser.add_argument(
            "--on-error",
            choices=["abort", "skip"],
            default="abort",
            help="abort: any invalid row imports nothing (default); skip: import the valid rows",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create the teams, categories and agents the file names that do not exist "
            "(agents without a login until invited)",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Write over tickets whose external id was imported before (default: skip them)",
        )
        parser.add_argument(
            "--max-errors", type=int, default=50, help="How many row errors to print"
        )

    def handle(self, *args, file, mapping, dry_run, on_error, max_errors, **options):
        try:
            result = import_tickets(
                file,
                load_mapping(mapping),
                dry_run=dry_run,
                on_error=on_error,
                create_missing=options["create_missing"],
                update=options["update"],
                progress=None if dry_run else lambda d, t: print_progress(d, t, self.stderr),
            )
        except (MappingError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors[:max_errors]:
            self.stderr.write(f"  {error}")
        if len(result.errors) > max_errors:
            self.stderr.write(f"  … and {len(result.errors) - max_errors} more")
        if not result.ok and on_error == "abort":
            raise CommandError(
                f"{result.invalid_rows} row(s) invalid out of {result.rows}; nothing was imported."
            )
        for kind, names in result.to_create.items():
            verb = "would create" if dry_run else "created"
            self.stdout.write(f"{verb} {len(names)} {kind}: {', '.join(names)}")
        verb = "would import" if dry_run else "imported"
        done = (
            result.rows - result.skipped - result.already_imported if dry_run else result.imported
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows read, {verb} {done} tickets "
                f"({result.updated} of them updated); "
                f"{result.already_imported} already imported (same external id), "
                f"{result.skipped} invalid row(s) skipped; "
                f"{result.clamped} with a solve time before the first reply (clamped and tagged)."
            )
        )
        if not dry_run and result.imported:
            self.stdout.write(
                "The dashboards count them after the next rollup refresh (a few minutes), "
                "or at once with `manage.py rollup_backfill --from FIRST-DAY --to TODAY`."
            )
