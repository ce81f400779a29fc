"""
python manage.py verify_signature FILE [--detached SIG.p7s] [--anchor CERT]... [--crl CRL]... [--json]

Verifies the signatures of FILE (PDF, XML, or any file with --detached) against the
configured trust store plus the --anchor/--crl material given for this run (PEM or DER).
Exit status: 0 valid, 1 invalid, 2 indeterminate, 3 unsigned, 4 unreadable arguments.
The --json output is documented in docs/signatures.md.
"""
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signatures.choices import Verdict

EXIT_CODES = {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.INDETERMINATE: 2, Verdict.UNSIGNED: 3}


class Command(BaseCommand):
    help = "Verify the digital signatures of a PDF, XML or detached-CMS signed file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="PDF or XML file, or the signed content of a detached signature")
        parser.add_argument("--detached", metavar="P7S", help="detached CMS signature (.p7s) over FILE")
        parser.add_argument("--anchor", action="append", default=[], metavar="CERT",
                            help="extra trusted certificate for this run (PEM or DER); repeatable")
        parser.add_argument("--crl", action="append", default=[], metavar="CRL",
                            help="extra CRL for this run (PEM or DER); repeatable")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--store", action="store_true", help="also store the result as a Verification")

    def handle(self, *args, **options):
        from signatures.services import verification_run
        from signatures.services.parsing import TrustMaterialError

        try:
            content = Path(options["file"]).read_bytes()
            detached = Path(options["detached"]).read_bytes() if options["detached"] else None
            anchors = [Path(p).read_bytes() for p in options["anchor"]]
            crls = [Path(p).read_bytes() for p in options["crl"]]
        except OSError as exc:
            raise CommandError(str(exc), returncode=4) from exc
        try:
            verification = verification_run(
                content=content,
                filename=Path(options["file"]).name,
                detached_signature=detached,
                extra_anchors=anchors,
                extra_crls=crls,
                store=options["store"],
                etsi_report=False,
            )
        except TrustMaterialError as exc:
            raise CommandError(f"--anchor/--crl: {exc}", returncode=4) from exc
        summary = verification.summary()
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{summary['verdict'].upper()}: {summary['reason_en']}")
            self.stdout.write(f"  ({summary['reason_vi']})")
            for sig in summary["signatures"]:
                self.stdout.write(
                    f"  #{sig['index']} {sig.get('type', 'signature')} {sig.get('signer') or '?'}"
                    f" time={sig.get('signing_time')} status={sig['status']} intact={sig.get('intact')}"
                    f" trusted={sig.get('trusted')} revoked={sig.get('revoked')} expired={sig.get('expired')}"
                    f" coverage={sig.get('coverage')} modified_after_signing={sig.get('modified_after_signing')}"
                )
        self.stdout.flush()
        code = EXIT_CODES.get(verification.verdict, 1)
        if code:
            sys.exit(code)
