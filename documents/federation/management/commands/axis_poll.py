"""Poll an axis peer once now (what the beat does every AXIS_POLL_INTERVAL); prints the counts."""
import json

from django.core.management.base import BaseCommand, CommandError

from ...axis.poller import axis_poll
from ...models import Peer


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("peer", help="code of the axis peer")

    def handle(self, *args, **opts):
        peer = Peer.objects.filter(code=opts["peer"], protocol="axis").first()
        if peer is None:
            raise CommandError(f"No axis peer {opts['peer']!r}.")
        self.stdout.write(json.dumps(axis_poll(peer_id=peer.pk)))
