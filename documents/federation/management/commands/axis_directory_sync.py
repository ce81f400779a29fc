"""Sync the agency directory of an axis peer (getAgenciesList / getAgenciesListQD20) into the unit directory."""
import json

from django.core.management.base import BaseCommand, CommandError

from ...axis.client import AxisError
from ...axis.directory import axis_directory_sync
from ...models import Peer


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("peer", help="code of the axis peer")
        parser.add_argument("--qd20", action="store_true", help="use getAgenciesListQD20 (codes under QĐ 20/2020)")
        parser.add_argument("--file", help="read the answer from this JSON file instead of calling the peer")
        parser.add_argument("--partial", action="store_true", help="the list is not complete: dissolve nothing")

    def handle(self, *args, **opts):
        peer = Peer.objects.filter(code=opts["peer"], protocol="axis").first()
        if peer is None:
            raise CommandError(f"No axis peer {opts['peer']!r}.")
        try:
            if opts["file"]:
                with open(opts["file"], "rb") as f:
                    counts = axis_directory_sync(peer=peer, source=f, complete=not opts["partial"])
            else:
                counts = axis_directory_sync(peer=peer, qd20=opts["qd20"], complete=not opts["partial"])
        except AxisError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(counts))
