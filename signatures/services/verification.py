"""
The verification service other apps call: detect the format, verify with the cached trust
store, store the result with its evidence. See docs/signatures.md ("Calling the service").
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from egov.core.audit import audit_record
from egov.core.db import service, service_atomic

from .. import conf
from ..choices import AuditVerb, SignedFileKind, VerificationStatus
from ..models import Verification
from .reasons import Reason
from .results import FileResult, overall
from .truststore import TrustMaterial, trust_material

logger = logging.getLogger(__name__)

__all__ = [
    "detect_kind",
    "verify_bytes",
    "verification_run",
    "verification_create_pending",
    "verification_execute",
    "verification_etsi_report",
    "verification_etsi_reports_due",
    "library_versions",
]

_LIBRARIES = ("pyHanko", "pyhanko-certvalidator", "signxml", "cryptography", "asn1crypto", "lxml")


def library_versions() -> dict[str, str]:
    return dict(_library_versions())


@functools.lru_cache(maxsize=1)
def _library_versions() -> tuple:
    # Read once per process (h17: importlib.metadata costs ~15 ms a call; the versions cannot
    # change under a running process).
    return tuple(_read_library_versions().items())


def _read_library_versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = ""
    return out


def detect_kind(content: bytes, detached_signature: bytes | None = None) -> str:
    """PDF by its header, XML by its first non-blank character; a detached .p7s means CMS."""
    if detached_signature is not None:
        return SignedFileKind.CMS
    head = content[:1024]
    if b"%PDF-" in head:
        return SignedFileKind.PDF
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return SignedFileKind.XML
    return SignedFileKind.UNKNOWN


def verify_bytes(
    *,
    content: bytes,
    detached_signature: bytes | None = None,
    material: TrustMaterial,
    etsi_report: bool = False,
) -> FileResult:
    """Verify without touching the database (used by the service, the command and the benchmark)."""
    kind = detect_kind(content, detached_signature)
    if kind == SignedFileKind.PDF:
        from .pdf import verify_pdf

        return verify_pdf(content, material, etsi_report=etsi_report)
    if kind == SignedFileKind.CMS:
        from .cms import verify_detached_cms

        return verify_detached_cms(content, detached_signature, material)
    if kind == SignedFileKind.XML:
        from .xml import verify_xml

        return verify_xml(content, material)
    return FileResult(kind=SignedFileKind.UNKNOWN, file_code=Reason.UNKNOWN_FORMAT)


def _fill(verification: Verification, *, content: bytes, result: FileResult, material: TrustMaterial,
          etsi_deferred: bool = False) -> Verification:
    verdict, code, reason_vi, reason_en = overall(result)
    verification.kind = result.kind
    verification.verdict = verdict
    verification.reason_code = code
    verification.reason_vi = reason_vi
    verification.reason_en = reason_en
    verification.file_sha256 = hashlib.sha256(content).hexdigest()
    verification.file_size = len(content)
    verification.signatures = result.signatures
    verification.trust_store_version = material.version
    verification.etsi_report = result.etsi_report
    verification.verified_at = timezone.now()
    verification.status = VerificationStatus.DONE
    # XML: the signed document exactly as signxml returned it. Not stored; callers that go on
    # to read the XML must use these bytes, never the input (signature wrapping).
    verification.signed_content = result.signed_content
    verification.evidence = {
        **result.evidence,
        "file_sha256": verification.file_sha256,
        "validation_time": verification.verified_at.isoformat(),
        "trust_store_version": material.version,
        # A copy: the material (and its extras) is cached and shared by later runs.
        "extra_trust_material": {k: list(v) for k, v in material.extras.items()} or None,
        "policy": {
            "revocation_mode": conf.revocation_mode(),
            "min_rsa_bits": conf.min_rsa_bits(),
            "min_ec_bits": conf.min_ec_bits(),
            "digests": sorted(conf.accepted_digests()),
            "required_key_usage": sorted(conf.required_key_usage()),
        },
        "libraries": library_versions(),
        # True: stored with the result; "deferred": built after it, as of validation_time, by a
        # low-priority task (h17: it costs as much as the verification itself); False: none.
        "etsi_report": "deferred" if etsi_deferred else bool(result.etsi_report),
    }
    return verification


def _defer_etsi(kind: str, explicit) -> bool:
    """The ETSI report of a stored PDF verification is built later unless the caller asked for it inline."""
    return explicit is None and kind == SignedFileKind.PDF and conf.etsi_report_enabled()


def _has_signature(result: FileResult) -> bool:
    return any(s.get("type") == "signature" for s in result.signatures)


def verification_run(
    *,
    content: bytes,
    filename: str = "",
    detached_signature: bytes | None = None,
    extra_anchors=(),
    extra_crls=(),
    store: bool = True,
    etsi_report: bool | None = None,
) -> Verification:
    """
    Verify ``content`` (PDF, XML, or any file with ``detached_signature``) against the trust
    store, plus ``extra_anchors``/``extra_crls`` (PEM or DER bytes) for this run only.
    Returns a saved ``Verification`` (``store=True``) or an unsaved one. Never raises for bad
    input: a damaged file gets the verdict "invalid" with its reason.
    """
    material = trust_material().with_extra(anchors=tuple(extra_anchors), crls=tuple(extra_crls))
    defer = store and _defer_etsi(detect_kind(content, detached_signature), etsi_report)
    result = verify_bytes(content=content, detached_signature=detached_signature, material=material,
                          etsi_report=bool(etsi_report))
    defer = defer and _has_signature(result)
    verification = _fill(Verification(filename=filename[:255]), content=content, result=result, material=material,
                         etsi_deferred=defer)
    if store:
        if defer:
            # The report is built from the same bytes and trust material later: keep them.
            verification.file_path = _keep_blob(content)
            if extra_anchors or extra_crls:
                import base64
                import json

                extras = {"anchors": [base64.b64encode(a).decode() for a in extra_anchors],
                          "crls": [base64.b64encode(c).decode() for c in extra_crls]}
                verification.evidence["extra_trust_material_path"] = _keep_blob(json.dumps(extras).encode())
        # A deferred report is left to the sweep (``verification_etsi_reports_due``): nothing is
        # published per verification, and a report whose build was lost is taken again.
        verification.etsi_report_due = defer
        with service_atomic():
            verification.save()
            _audit(verification)
    return verification


def _audit(verification: Verification) -> None:
    audit_record(actor=None, unit=None, verb=AuditVerb.VERIFIED, obj=verification,
                 details={"verdict": verification.verdict, "file": verification.filename,
                          "sha256": verification.file_sha256, "signatures": len(verification.signatures or [])})


def _store_blob(content: bytes, name: str) -> str:
    stamp = timezone.now()
    path = f"signatures/verifications/{stamp:%Y/%m}/{uuid.uuid4().hex}-{name[-80:] or 'file'}"
    return default_storage.save(path, ContentFile(content))


def _keep_blob(content: bytes) -> str:
    """Keep bytes under their SHA-256 (the same file verified twice is stored once); returns the path."""
    digest = hashlib.sha256(content).hexdigest()
    path = f"signatures/verifications/sha256/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(content))
    return path


@service
def verification_create_pending(
    *, content: bytes, filename: str = "", detached_signature: bytes | None = None, enqueue: bool = True
) -> Verification:
    """
    Store the bytes in the default storage, create a ``pending`` Verification and queue
    ``verify_blob_task`` after commit. Apps that already store the file can instead create
    the row themselves with ``file_path`` and call ``verify_blob_task.delay_on_commit(pk)``.
    """
    verification = Verification.objects.create(
        status=VerificationStatus.PENDING,
        filename=filename[:255],
        file_path=_store_blob(content, filename),
        detached_path=_store_blob(detached_signature, filename + ".p7s") if detached_signature is not None else "",
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_size=len(content),
    )
    if enqueue:
        from ..tasks import verify_blob_task

        verify_blob_task.delay_on_commit(verification.pk)
    return verification


def verification_execute(*, verification: Verification) -> Verification:
    """
    Run a pending verification from its stored bytes. Idempotent: a row that is no longer
    pending is returned unchanged (redelivered task). The slow part runs outside any
    transaction; the row is locked only to write the result.
    """
    if verification.status != VerificationStatus.PENDING:
        return verification
    try:
        with default_storage.open(verification.file_path, "rb") as fh:
            content = fh.read()
        detached = None
        if verification.detached_path:
            with default_storage.open(verification.detached_path, "rb") as fh:
                detached = fh.read()
    except (OSError, ValueError) as exc:
        with service_atomic():
            row = Verification.objects.select_for_update(no_key=True).get(pk=verification.pk)
            if row.status == VerificationStatus.PENDING:
                row.status = VerificationStatus.FAILED
                row.error = f"stored file unreadable: {exc}"[:2000]
                row.save(update_fields=["status", "error"])
            return row
    material = trust_material()
    result = verify_bytes(content=content, detached_signature=detached, material=material)
    defer = _defer_etsi(result.kind, None) and _has_signature(result)
    with service_atomic():
        row = Verification.objects.select_for_update(no_key=True).get(pk=verification.pk)
        if row.status != VerificationStatus.PENDING:
            return row
        _fill(row, content=content, result=result, material=material, etsi_deferred=defer)
        row.etsi_report_due = defer
        row.save()
        _audit(row)
    return row


def verification_etsi_report(*, verification_id: int) -> str:
    """
    Build the deferred ETSI TS 119 102-2 report of a verification (the task ``signatures.etsi_report``
    calls it; anything that needs the report at once may call it too). The report is computed
    as of the verification's ``verified_at``, from the stored file and the trust material of
    the run; it is written once, into the empty ``etsi_report`` (nothing else of the row
    changes), with its audit row. Idempotent: returns the report already there.
    """
    import base64
    import json

    from .pdf import etsi_report_available, etsi_report_build

    row = Verification.objects.filter(pk=verification_id).first()
    if row is None or row.etsi_report or (row.evidence or {}).get("etsi_report") != "deferred":
        if row is not None and row.etsi_report_due:
            Verification.objects.filter(pk=row.pk).update(etsi_report_due=False)
        return row.etsi_report if row is not None else ""
    if not etsi_report_available():
        # This installation cannot build one (pyHanko without the report module): not due any more.
        Verification.objects.filter(pk=row.pk).update(etsi_report_due=False)
        return ""
    with default_storage.open(row.file_path, "rb") as fh:
        content = fh.read()
    material = trust_material()
    extras_path = row.evidence.get("extra_trust_material_path")
    if extras_path:
        with default_storage.open(extras_path, "rb") as fh:
            extras = json.loads(fh.read())
        material = material.with_extra(anchors=tuple(base64.b64decode(a) for a in extras["anchors"]),
                                       crls=tuple(base64.b64decode(c) for c in extras["crls"]))
    report = etsi_report_build(content, material, at=row.verified_at)
    if not report:
        # The same bytes and material give the same outcome: not taken again by the sweep.
        logger.warning("ETSI report of verification %s not produced", row.pk)
        Verification.objects.filter(pk=row.pk).update(etsi_report_due=False)
        return ""
    with service_atomic():
        if Verification.objects.filter(pk=row.pk, etsi_report="").update(etsi_report=report, etsi_report_due=False):
            audit_record(actor=None, unit=None, verb=AuditVerb.ETSI_REPORT_ADDED, obj=row,
                         details={"sha256": row.file_sha256, "as_of": row.verified_at.isoformat(),
                                  "report_sha256": hashlib.sha256(report.encode()).hexdigest()})
    return report


def verification_etsi_reports_due(*, limit: int = 50) -> int:
    """
    Build the deferred ETSI reports still due, oldest first, at most ``limit`` (the beat job
    ``signatures-etsi-reports`` every ETSI_REPORT_SWEEP_EVERY seconds, queue "reports"). A
    report whose stored file cannot be read now stays due for the next run. Returns how many
    reports were built.
    """
    built = 0
    ids = list(Verification.objects.filter(etsi_report_due=True).order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in ids:
        try:
            built += bool(verification_etsi_report(verification_id=pk))
        except OSError:  # storage unavailable: left due, taken again by the next run
            logger.warning("ETSI report of verification %s not built now", pk, exc_info=True)
    return built
