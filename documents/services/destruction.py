"""
Destruction of a document's content once its retention has ended (h13b). The records app decides
which documents may lose their content (no live file, hold or kept package still holds them) and
calls this service; the documents layer removes what it owns: the stored bytes of the
attachments, their extracted texts and the document's body text, and rebuilds the search entries
from the metadata alone. Number, notation, subject, dates, names, sizes and SHA-256 stay.
"""
from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from egov.core.audit import audit_record
from egov.core.db import service

from ..choices import AuditVerb
from ..models import Attachment, AttachmentText, Document
from .search import search_index_document

__all__ = ["document_content_destroy"]

log = logging.getLogger(__name__)


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except OSError:  # the row says destroyed; a leftover file is logged for the operator
            log.exception("could not delete the destroyed content %s", name)


@service
def document_content_destroy(*, document: Document, acting_user, reason: str) -> list[int]:
    """
    Remove the content of ``document`` and mark its attachments destroyed, in one transaction
    with its audit row. The stored bytes go once the transaction commits, and only where no
    attachment that is not destroyed shares them (storage is content-addressed by SHA-256).
    Returns the ids of the attachments destroyed now (none when it was already done).
    """
    doc = Document.objects.select_for_update(no_key=True).select_related("owner_unit").get(pk=document.pk)
    atts = list(Attachment.objects.select_for_update(no_key=True).filter(document=doc, destroyed_at__isnull=True)
                .order_by("pk"))
    now = timezone.now()
    ids = [a.pk for a in atts]
    names = sorted({a.file.name for a in atts if a.file.name})
    Attachment.objects.filter(pk__in=ids).update(destroyed_at=now)
    AttachmentText.objects.filter(attachment__document=doc).delete()
    shared = set(Attachment.objects.filter(file__in=names, destroyed_at__isnull=True).values_list("file", flat=True))
    to_delete = [n for n in names if n not in shared]
    had_body = bool(doc.content)
    if had_body:
        doc.content = ""
        doc.save(update_fields=["content"])
    search_index_document(document_id=doc.pk)  # the entries keep the metadata words only
    audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.CONTENT_DESTROYED, obj=doc,
                 details={"attachments": [{"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256}
                                          for a in atts],
                          "body_removed": had_body, "bytes_shared_kept": sorted(shared),
                          "reason": (reason or "")[:300]})
    if to_delete:
        transaction.on_commit(lambda: _delete_stored(to_delete))
    return ids
