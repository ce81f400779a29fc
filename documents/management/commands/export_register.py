"""python manage.py export_register UNIT_CODE --kind outgoing|incoming|followup --year 2026 --format csv|xlsx [-o FILE]"""
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from documents.services import register_export_csv, register_export_xlsx
from units.models import Unit


class Command(BaseCommand):
    help = "Export a unit's register (sổ) of a year in the NĐ 30/2020 column layout, as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("unit_code")
        parser.add_argument("--kind", choices=["outgoing", "incoming", "followup"], default="incoming")
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", dest="fmt")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, unit_code, kind, year, fmt, output, **options):
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise CommandError(f"unknown unit code {unit_code}")
        export = register_export_xlsx if fmt == "xlsx" else register_export_csv
        data = export(unit=unit, kind=kind, year=year, as_operator=True)
        if output:
            with open(output, "wb") as fh:
                fh.write(data)
        else:
            sys.stdout.buffer.write(data)
