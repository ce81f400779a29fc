"""python manage.py apply_reorganisation FILE.csv [--dry-run]"""
from django.core.management.base import BaseCommand, CommandError

from units.importers import REORG_COLUMNS, ImportFailed, reorganisation_apply_csv


class Command(BaseCommand):
    help = (
        "Apply reorganisation operations (merge, rename, move, dissolve, create) from a CSV file with the "
        "columns " + ", ".join(REORG_COLUMNS) + ", in file order. All or nothing; re-runs change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, csv_file, dry_run, **options):
        try:
            report = reorganisation_apply_csv(csv_file, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        except ImportFailed as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} error(s); nothing was applied.") from exc
        prefix = "[dry run] " if dry_run else ""
        self.stdout.write(f"{prefix}applied {report.applied}, already in place {report.skipped}")
