"""
Server half of browser signing with the Ban Cơ yếu "VGCA Sign Service".

The page script gives the local service two URLs: it downloads the file from the first,
signs it with the user's USB token and POSTs the result to the second. Both URLs carry an
unguessable one-time token bound to the user who asked (the local service has no session
cookie, so the token is the credential). Every upload is re-verified before it is kept:

1. the upload starts with exactly the bytes served (an incremental update of them);
2. it adds exactly one signature, and nothing after the served revision goes beyond form
   filling (pyHanko difference analysis from the served revision);
3. the new signature is valid against the trust store, and its certificate is bound to the
   ticket's user in the certificate registry.
"""
from __future__ import annotations

import hashlib
import io
import secrets
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.core.audit import audit_record
from egov.core.db import service, service_atomic

from .. import conf
from ..choices import AuditVerb, CertificateBinding, TicketStatus, Verdict
from ..models import Certificate, SigningTicket

__all__ = ["TicketError", "ticket_issue", "ticket_download", "ticket_upload"]


class TicketError(Exception):
    """The ticket is unknown, used, expired, or the upload was refused (message for the user)."""


def _with_acroform(pdf: bytes) -> bytes:
    """
    The served file gets an empty /AcroForm if it has none (one incremental update, content
    untouched): pyHanko's difference analysis compares form state against the served
    revision and needs a form dictionary there.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise TicketError(_("The file is not a readable PDF.")) from exc
    if "/AcroForm" in writer.root:
        return pdf
    writer.root["/AcroForm"] = writer.add_object(
        # /SigFlags as a signer sets it (SignaturesExist | AppendOnly), so adding the
        # signature does not show up as a change of the form dictionary itself.
        generic.DictionaryObject(
            {generic.pdf_name("/Fields"): generic.ArrayObject(), generic.pdf_name("/SigFlags"): generic.NumberObject(3)}
        )
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@service
def ticket_issue(*, user, content: bytes, filename: str, ttl_seconds: int | None = None) -> SigningTicket:
    """Store the PDF to be signed and return a ticket (its token goes into both URLs)."""
    if b"%PDF-" not in content[:1024]:
        raise TicketError(_("Only PDF files can be signed in the browser."))
    content = _with_acroform(content)
    path = default_storage.save(f"signatures/tickets/{uuid.uuid4().hex}.pdf", ContentFile(content))
    ticket = SigningTicket.objects.create(
        token=secrets.token_urlsafe(32),
        user=user,
        filename=filename[:255],
        source_path=path,
        source_sha256=hashlib.sha256(content).hexdigest(),
        source_size=len(content),
        expires_at=timezone.now() + timezone.timedelta(seconds=ttl_seconds or conf.ticket_ttl_seconds()),
    )
    audit_record(actor=user, unit=None, verb=AuditVerb.TICKET_ISSUED, obj=ticket,
                 details={"file": ticket.filename, "sha256": ticket.source_sha256})
    return ticket


def _locked(token: str) -> SigningTicket:
    # FOR NO KEY UPDATE: tickets are updated, never deleted, while in use.
    ticket = SigningTicket.objects.select_for_update(no_key=True).filter(token=token).first()
    if ticket is None:
        raise TicketError(_("Unknown signing link."))
    if ticket.is_expired and ticket.status in (TicketStatus.ISSUED, TicketStatus.DOWNLOADED):
        ticket.status = TicketStatus.EXPIRED
        ticket.save(update_fields=["status"])
    return ticket


def ticket_download(*, token: str) -> tuple[SigningTicket, bytes]:
    """The served bytes, once. A second download (or an expired link) is refused."""
    with service_atomic():
        ticket = _locked(token)
        if ticket.status != TicketStatus.ISSUED:
            return_error = ticket.status
        else:
            return_error = None
            ticket.status = TicketStatus.DOWNLOADED
            ticket.downloaded_at = timezone.now()
            ticket.save(update_fields=["status", "downloaded_at"])
            audit_record(actor=ticket.user, unit=None, verb=AuditVerb.TICKET_DOWNLOADED, obj=ticket)
    if return_error is not None:
        raise TicketError(_("This signing link has already been used or has expired."))
    with default_storage.open(ticket.source_path, "rb") as fh:
        return ticket, fh.read()


def _check_upload(ticket: SigningTicket, served: bytes, content: bytes):
    """Return (verification, None) when acceptable, else (verification or None, reason)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification

    from .verification import verification_run

    if not content.startswith(served) or len(content) == len(served):
        return None, _("The uploaded file is not the served file with a signature added.")
    verification = verification_run(content=content, filename=ticket.filename)
    served_reader = PdfFileReader(io.BytesIO(served), strict=False)
    served_revisions = served_reader.xrefs.total_revisions
    served_signatures = len(served_reader.embedded_signatures)
    if len(verification.signatures) != served_signatures + 1:
        return verification, _("The uploaded file must add exactly one signature.")
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    from pyhanko.pdf_utils.misc import PdfError

    try:
        diff = DEFAULT_DIFF_POLICY.review_file(reader, served_revisions - 1)
    except PdfError as exc:
        diff = SuspiciousModification(str(exc))
    if isinstance(diff, SuspiciousModification) or diff.modification_level > ModificationLevel.FORM_FILLING:
        return verification, _("The file was changed beyond adding the signature.")
    new = verification.signatures[-1]
    if new["status"] != Verdict.VALID or verification.verdict != Verdict.VALID:
        return verification, verification.reason_vi
    bound = Certificate.objects.filter(
        sha256=new.get("certificate_sha256", ""), binding=CertificateBinding.PERSONAL, user=ticket.user
    ).exists()
    if not bound:
        return verification, _("The signing certificate is not registered to your account.")
    return verification, None


def ticket_upload(*, token: str, content: bytes) -> SigningTicket:
    """Accept the signed file once, after re-verifying it (see the module docstring)."""
    if len(content) > conf.max_file_bytes():
        raise TicketError(_("The file is too large."))
    with service_atomic():
        ticket = _locked(token)
        if ticket.status != TicketStatus.DOWNLOADED:
            raise TicketError(_("This signing link has already been used or has expired."))
        # Claim the ticket first: a concurrent second upload finds it used.
        ticket.uploaded_at = timezone.now()
        ticket.status = TicketStatus.REJECTED
        ticket.rejection = str(_("Verification in progress."))
        ticket.save(update_fields=["uploaded_at", "status", "rejection"])
    with default_storage.open(ticket.source_path, "rb") as fh:
        served = fh.read()
    verification, problem = _check_upload(ticket, served, content)
    with service_atomic():
        ticket = SigningTicket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        ticket.verification = verification
        if problem is None:
            ticket.signed_path = default_storage.save(f"signatures/tickets/{uuid.uuid4().hex}-signed.pdf",
                                                      ContentFile(content))
            ticket.status = TicketStatus.ACCEPTED
            ticket.rejection = ""
        else:
            ticket.status = TicketStatus.REJECTED
            ticket.rejection = str(problem)
        ticket.save(update_fields=["verification", "signed_path", "status", "rejection"])
        audit_record(actor=ticket.user, unit=None,
                     verb=AuditVerb.TICKET_ACCEPTED if problem is None else AuditVerb.TICKET_REJECTED, obj=ticket,
                     details={"reason": ticket.rejection[:500]})
    return ticket
