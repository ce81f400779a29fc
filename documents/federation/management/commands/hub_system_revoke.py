"""Disconnect an agency system from the hub (its secret is erased)."""
import json

from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import ServiceError

from ...hub.services import hub_system_revoke


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--system-id", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        try:
            result = hub_system_revoke(system_id=opts["system_id"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        system, secret = result if isinstance(result, tuple) else (result, None)
        out = {"system_id": system.system_id, "enabled": system.enabled}
        if secret:
            out["secret"] = secret
        self.stdout.write(json.dumps(out) if opts["json"] else "\n".join(f"{k}: {v}" for k, v in out.items()))
