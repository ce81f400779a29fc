"""
python manage.py restore_check BACKUP_DIR [--keep] [--json]

Restores a ``backup`` into a scratch database (<db>_restore_check, dropped afterwards unless
--keep) and a scratch directory, then compares row counts, the audit digest and every file's
SHA-256 (documents/backups.py). Exit status 1 on any difference: run it after every backup.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Restore a backup into a scratch database and storage and prove it is complete."

    def add_arguments(self, parser):
        parser.add_argument("backup")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database and files")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, backup, keep, as_json, **options):
        from documents.backups import restore_check

        report = restore_check(Path(backup), keep=keep)
        self.stdout.write(json.dumps(report, ensure_ascii=False) if as_json
                          else "\n".join(f"{k}: {v}" for k, v in report.items()))
        if not report["ok"]:
            raise CommandError("the backup does not restore to the same portal: " + "; ".join(report["problems"])[:4000])
