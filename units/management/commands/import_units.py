"""python manage.py import_units FILE.csv [--dry-run]"""
from django.core.management.base import BaseCommand, CommandError

from units.importers import UNIT_COLUMNS, ImportFailed, units_import_csv


class Command(BaseCommand):
    help = (
        "Load or update the unit directory from a CSV file with the columns "
        + ", ".join(UNIT_COLUMNS)
        + " (optional: is_local, peer_ref, is_demo_code). All rows are checked first; nothing is written "
        "unless every row is valid. Re-running the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument("--dry-run", action="store_true", help="Check and report without saving.")

    def handle(self, *args, csv_file, dry_run, **options):
        try:
            report = units_import_csv(csv_file, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        except ImportFailed as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} error(s); nothing was imported.") from exc
        prefix = "[dry run] " if dry_run else ""
        self.stdout.write(
            f"{prefix}created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
        )
