"""
python manage.py partitions_ensure [--months-ahead 12] [--list]

Create the coming monthly partitions of the partitioned append-only tables (the access log,
egov/core/partitions.py) ahead of time; run it at every deploy after ``migrate`` (the beat job
``partitions-ensure`` does it daily when the workers' role may create tables). ``--list`` prints
the partitions. Does nothing on SQLite.
"""
from django.conf import settings
from django.core.management.base import BaseCommand

from egov.core.partitions import PARTITIONED, partitions_ensure, partitions_list


class Command(BaseCommand):
    help = "Create the coming monthly partitions of the partitioned append-only tables."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=settings.PARTITIONS_MONTHS_AHEAD)
        parser.add_argument("--list", action="store_true", dest="list_only")

    def handle(self, *args, months_ahead: int, list_only: bool, **options):
        if not list_only:
            for name in partitions_ensure(months_ahead=months_ahead):
                self.stdout.write(f"created {name}")
        for table in PARTITIONED:
            for name, bound in partitions_list(table):
                self.stdout.write(f"{table}: {name} {bound}")
