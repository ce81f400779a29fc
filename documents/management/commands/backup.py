"""
python manage.py backup OUT_DIR [--no-files] [--json]

Database dump (pg_dump from an exported snapshot) + row counts and audit digest of that snapshot
+ a copy of the attachment storage with its SHA-256 inventory (documents/backups.py). Prove it
restores with ``manage.py restore_check OUT_DIR``. Schedule, retention and off-site copies:
docs/operations.md.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Back up the database and the attachment storage into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--no-files", action="store_true",
                            help="database only (the storage is versioned/replicated on its own, e.g. S3)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, out, no_files, as_json, **options):
        from documents.backups import backup_create

        try:
            manifest = backup_create(Path(out), with_files=not no_files)
        except (RuntimeError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        summary = {"out": out, "tables": len(manifest["tables"]), "rows": sum(manifest["tables"].values()),
                   "audit_rows": manifest["audit"]["rows"], "files": manifest["files"]}
        self.stdout.write(json.dumps(summary) if as_json else " ".join(f"{k}={v}" for k, v in summary.items()))
