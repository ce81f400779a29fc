"""Connect an agency system to the hub (/vxp/): prints its systemId and secret (shown once)."""
import json

from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import ServiceError

from ...hub.services import hub_system_create


class Command(BaseCommand):
    help = "Connect an agency system to this portal's hub; prints system_id and secret (the secret is shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--agency", action="append", required=True, help="OrganId of an agency it hosts")
        parser.add_argument("--system-id", default="")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        try:
            system, secret = hub_system_create(name=opts["name"], agencies=opts["agency"], system_id=opts["system_id"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        out = {"system_id": system.system_id, "secret": secret, "peer": system.code, "agencies": opts["agency"]}
        if opts["json"]:
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(f"system_id: {out['system_id']}\nsecret: {secret}\n(the secret is not shown again)")
