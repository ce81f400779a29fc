"""python manage.py import_certificates PATH... — bulk import of PEM/DER/PKCS#7 files or folders."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

SUFFIXES = {".pem", ".crt", ".cer", ".der", ".p7b", ".p7c"}


class Command(BaseCommand):
    help = "Import certificates (PEM, DER, PKCS#7 bundles; files or folders) into the registry."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, **opts):
        from signatures.services.trust import certificates_import

        files = []
        for raw in opts["paths"]:
            p = Path(raw)
            if p.is_dir():
                files += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES)
            elif p.exists():
                files.append(p)
            else:
                raise CommandError(f"{p} does not exist")
        result = certificates_import(blobs=[(str(f), f.read_bytes()) for f in files])
        for error in result.errors:
            self.stderr.write(error)
        self.stdout.write(f"created={result.created} existing={result.existing} errors={len(result.errors)}")
