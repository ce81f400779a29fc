"""
python manage.py edxml_export DOCUMENT_ID [--status EVENT_ID] [--unsigned] > file.edxml

Writes the edXML package of a sent document (DOCUMENT_ID: its primary key or its edXML
DocumentId), or with --status the status package of one of its business status events, to
standard output. Signed with the portal key when FEDERATION_SIGNING_PKCS12 is set.
"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from documents.federation.mapping import MappingError
from documents.federation.export import document_export, status_export
from documents.models import DispatchEvent, Document


class Command(BaseCommand):
    help = "Export a sent document (or one of its status events) as an edXML package on stdout."

    def add_arguments(self, parser):
        parser.add_argument("document", help="primary key or DocumentId")
        parser.add_argument("--status", type=int, help="id of a business status event of the document")
        parser.add_argument("--unsigned", action="store_true", help="do not sign even if a portal key is set")

    def handle(self, *args, document, status=None, unsigned=False, **options):
        query = Document.objects.select_related("owner_unit")
        doc = (query.filter(pk=int(document)).first() if document.isdigit() else None) or query.filter(
            document_id=document).first()
        if doc is None:
            raise CommandError(f"No document {document!r} (primary key or DocumentId).")
        out = sys.stdout.buffer
        try:
            if status is not None:
                event = DispatchEvent.objects.filter(pk=status, dispatch__document=doc).first()
                if event is None:
                    raise CommandError(f"Event {status} is not an event of document {doc.pk}.")
                out.write(status_export(event=event, sign=not unsigned))
            else:
                document_export(document=doc, out=out, sign=not unsigned)
        except MappingError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        out.flush()
