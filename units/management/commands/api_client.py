"""
python manage.py api_client create UNIT_CODE --name NAME --scopes documents:read,inbox:act [--rate-limit N] [--json]
python manage.py api_client rotate CLIENT_ID [--json]
python manage.py api_client revoke CLIENT_ID
python manage.py api_client list [UNIT_CODE] [--json]

What an operator otherwise does in the admin (h17, docs/operations.md "Operator commands"),
through the same services (units/api_clients.py: audit rows, service-user roles). The token is
printed once, by create and rotate, and never stored in clear.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create, rotate, revoke and list API clients of a unit."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("unit")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="comma-separated, e.g. documents:read,inbox:act")
        create.add_argument("--rate-limit", type=int, default=0, help="requests a minute; 0 = the default")
        create.add_argument("--json", action="store_true", dest="as_json")
        for name in ("rotate", "revoke"):
            p = sub.add_parser(name)
            p.add_argument("client_id", type=int)
            p.add_argument("--json", action="store_true", dest="as_json")
        listing = sub.add_parser("list")
        listing.add_argument("unit", nargs="?")
        listing.add_argument("--json", action="store_true", dest="as_json")

    def _out(self, data: dict, as_json: bool):
        self.stdout.write(json.dumps(data, ensure_ascii=False) if as_json
                          else "\n".join(f"{k}: {v}" for k, v in data.items()))

    def handle(self, *args, action, as_json=False, **opts):
        from egov.core.api.models import ApiClient
        from units.api_clients import api_client_create, api_client_revoke, api_client_rotate
        from units.models import Unit

        try:
            if action == "create":
                unit = Unit.objects.filter(code=opts["unit"]).first()
                if unit is None:
                    raise CommandError(f"no unit with code {opts['unit']}")
                client, token = api_client_create(name=opts["name"], unit=unit,
                                                  scopes=[s.strip() for s in opts["scopes"].split(",") if s.strip()],
                                                  rate_limit_per_minute=opts["rate_limit"])
                self._out({"id": client.pk, "unit": unit.code, "name": client.name, "scopes": client.scopes,
                           "token": token, "note": "shown once: store it in the integrating system now"}, as_json)
            elif action in ("rotate", "revoke"):
                client = ApiClient.objects.filter(pk=opts["client_id"]).first()
                if client is None:
                    raise CommandError(f"no API client {opts['client_id']}")
                if action == "rotate":
                    if not client.is_active:
                        raise CommandError("a revoked client cannot be rotated")
                    client, token = api_client_rotate(client=client)
                    self._out({"id": client.pk, "token": token, "note": "the old token no longer works"}, as_json)
                else:
                    client = api_client_revoke(client=client)
                    self._out({"id": client.pk, "active": client.is_active}, as_json)
            else:
                qs = ApiClient.objects.select_related("unit").order_by("unit__code", "name")
                if opts.get("unit"):
                    qs = qs.filter(unit__code=opts["unit"])
                rows = [{"id": c.pk, "unit": c.unit.code, "name": c.name, "scopes": c.scopes, "active": c.is_active,
                         "token_prefix": c.token_prefix} for c in qs]
                self.stdout.write(json.dumps(rows, ensure_ascii=False) if as_json
                                  else "\n".join(f"{r['id']}\t{r['unit']}\t{r['name']}\t{','.join(r['scopes'])}\t"
                                                 f"{'active' if r['active'] else 'revoked'}" for r in rows))
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
