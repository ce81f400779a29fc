"""
python manage.py edxml_import FILE [--dry-run] [--json] [--peer CODE]

Imports an edXML package: a document package becomes an incoming document of each addressed
local unit; a status package updates the matching dispatch. --dry-run validates and reports
without storing anything. --json prints one object: result, code, message, kind, document_id,
from, to, business_type, status_code, attachments [{name, size, sha256}], problems
[{code, message, fatal}], warnings, signature. Exit 0 when the package is well-formed and valid
(accepted, duplicate, or valid on a dry run); 1 with the precise error otherwise.
"""
from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand, CommandError

from documents.federation.inbound import package_import
from documents.federation.models import Peer


class Command(BaseCommand):
    help = "Import (or with --dry-run, validate) an edXML package."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--peer", help="treat the package as coming from this peer (sender checks, signature pin)")

    def handle(self, *args, file, dry_run=False, json=False, peer=None, **options):
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        peer_obj = None
        if peer:
            peer_obj = Peer.objects.filter(code=peer).first()
            if peer_obj is None:
                raise CommandError(f"Unknown peer {peer!r}.")
        report = package_import(source=file, peer=peer_obj, dry_run=dry_run, size=os.path.getsize(file))
        if json:
            self.stdout.write(_json(report.as_dict()))
        else:
            self.stdout.write(f"{report.result}: [{report.code}] {report.message}")
            for p in report.problems:
                self.stdout.write(f"  {'error' if p['fatal'] else 'problem'} [{p['code']}] {p['message']}")
            for w in report.warnings:
                self.stdout.write(f"  warning: {w}")
        if not report.ok:
            if json:
                raise SystemExit(1)
            raise CommandError(f"[{report.code}] {report.message}")


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
