"""
python manage.py peer create CODE --name NAME --protocol egov|axis --base-url URL [--mode push|pull]
    [--remote-code CODE] [--system-id ID] [--system-secret-stdin] [--axis-from ORGAN_ID] [--poll-interval N]
    [--require-signature] [--signing-certificate FILE.pem] [--client-cert-sha256 HEX] [--json]
python manage.py peer rotate CODE [--system-secret-stdin] [--json]
python manage.py peer disable CODE | enable CODE [--json]
python manage.py peer list [--json]
python manage.py peer show CODE [--json]

Connections to another portal (egov) or to the national axis / an LGSP (axis), through the services of
documents/federation/peers.py (audit rows). Generated secrets are printed once, by create and rotate;
list and show never print secrets. Agency systems connected to the hub: hub_system_create / _rotate /
_revoke. docs/operations.md "Operator commands", docs/federation.md.
"""
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from egov.core.errors import ServiceError


def _row(peer) -> dict:
    return {"code": peer.code, "name": peer.name, "protocol": peer.protocol, "enabled": peer.enabled,
            "base_url": peer.base_url, "mode": peer.mode, "remote_code": peer.remote_code,
            "system_id": peer.system_id, "axis_from": peer.axis_from, "poll_interval": peer.poll_interval,
            "require_signature": peer.require_signature, "signing_certificate": bool(peer.signing_certificate),
            "client_cert_sha256": peer.client_cert_sha256,
            "secrets_set": [f for f in ("inbound_secret", "outbound_secret", "system_secret") if getattr(peer, f)]}


class Command(BaseCommand):
    help = "Create, rotate, disable, enable, list and show connections to peer portals and to the axis / LGSP."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("code")
        create.add_argument("--name", required=True)
        create.add_argument("--protocol", required=True, help="egov (another portal) or axis (the axis / an LGSP)")
        create.add_argument("--base-url", default="")
        create.add_argument("--mode", default="push", help="egov: push (we POST to it) or pull (it polls us)")
        create.add_argument("--remote-code", default="", help="egov: how the peer knows this portal")
        create.add_argument("--system-id", default="", help="axis: this portal's systemId at the hub")
        create.add_argument("--system-secret-stdin", action="store_true",
                            help="axis: read the secret the hub issued from standard input instead of generating one")
        create.add_argument("--axis-from", default="", help="axis: OrganId named in polls and directory calls")
        create.add_argument("--poll-interval", type=int, default=0, help="axis: seconds; 0 = AXIS_POLL_INTERVAL")
        create.add_argument("--require-signature", action="store_true")
        create.add_argument("--signing-certificate", default="", help="PEM file of the peer's package signing certificate")
        create.add_argument("--client-cert-sha256", default="", help="SHA-256 of the client certificate (mutual TLS)")
        create.add_argument("--json", action="store_true", dest="as_json")
        rotate = sub.add_parser("rotate")
        rotate.add_argument("code")
        rotate.add_argument("--system-secret-stdin", action="store_true")
        rotate.add_argument("--json", action="store_true", dest="as_json")
        for name in ("disable", "enable", "show"):
            p = sub.add_parser(name)
            p.add_argument("code")
            p.add_argument("--json", action="store_true", dest="as_json")
        listing = sub.add_parser("list")
        listing.add_argument("--json", action="store_true", dest="as_json")

    def _out(self, data: dict, as_json: bool):
        self.stdout.write(json.dumps(data, ensure_ascii=False) if as_json
                          else "\n".join(f"{k}: {v}" for k, v in data.items()))

    def _stdin_secret(self, opts) -> str:
        if not opts.get("system_secret_stdin"):
            return ""
        secret = (opts.get("stdin") or sys.stdin).readline().strip()
        if not secret:
            raise CommandError(_("No secret on standard input."))
        return secret

    def handle(self, *args, action, as_json=False, **opts):
        from documents.federation.models import Peer
        from documents.federation.peers import peer_create, peer_rotate, peer_set_enabled

        try:
            if action == "create":
                pem = ""
                if opts["signing_certificate"]:
                    try:
                        with open(opts["signing_certificate"], encoding="ascii") as f:
                            pem = f.read()
                    except (OSError, UnicodeDecodeError) as exc:
                        raise CommandError(_("Cannot read the signing certificate %(file)s: %(error)s")
                                           % {"file": opts["signing_certificate"], "error": exc}) from exc
                peer, issued = peer_create(
                    code=opts["code"], name=opts["name"], protocol=opts["protocol"], base_url=opts["base_url"],
                    mode=opts["mode"], remote_code=opts["remote_code"], system_id=opts["system_id"],
                    system_secret=self._stdin_secret(opts), axis_from=opts["axis_from"],
                    poll_interval=opts["poll_interval"], require_signature=opts["require_signature"],
                    signing_certificate=pem, client_cert_sha256=opts["client_cert_sha256"])
                self._out({**_row(peer), **issued, **({"note": _("The secrets are shown once: give them to the "
                                                                 "peer's operator now.")} if issued else {})},
                          as_json)
            elif action == "rotate":
                peer, issued = peer_rotate(code=opts["code"], system_secret=self._stdin_secret(opts))
                self._out({"code": peer.code, **issued,
                           "note": _("The old secrets no longer work; the new ones are shown once.")}, as_json)
            elif action in ("disable", "enable"):
                peer = peer_set_enabled(code=opts["code"], enabled=action == "enable")
                self._out({"code": peer.code, "enabled": peer.enabled}, as_json)
            elif action == "show":
                peer = Peer.objects.filter(code=opts["code"]).first()
                if peer is None:
                    raise CommandError(_("No peer %(code)s.") % {"code": opts["code"]})
                self._out({**_row(peer), "poll_last_ok_at": peer.poll_last_ok_at and peer.poll_last_ok_at.isoformat(),
                           "poll_failures": peer.poll_failures, "poll_error": peer.poll_error,
                           "created_at": peer.created_at.isoformat()}, as_json)
            else:
                rows = [_row(p) for p in Peer.objects.order_by("code")]
                self.stdout.write(json.dumps(rows, ensure_ascii=False) if as_json
                                  else "\n".join(f"{r['code']}\t{r['protocol']}\t{r['name']}\t"
                                                 f"{r['base_url'] or '-'}\t{r['system_id'] or '-'}\t"
                                                 f"{_('enabled') if r['enabled'] else _('disabled')}" for r in rows))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
