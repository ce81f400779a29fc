"""
Services that change trust material: anchors, the certificate registry, CRLs, OCSP
responses. Each bumps the trust-store version in the same transaction, so every process
rebuilds its cached store at its next verification (see ``truststore``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.core.audit import audit_record
from egov.core.db import service, service_atomic

from ..choices import AuditVerb, CertificateBinding, RevocationSource
from ..models import Certificate, OCSPRecord, RevocationList, TrustAnchor, TrustStoreState
from .parsing import TrustMaterialError, certificate_facts, crl_facts, load_certificates, load_crl, sha256_hex

__all__ = [
    "TrustMaterialError",
    "trust_store_bump",
    "trust_store_version",
    "anchor_preview",
    "anchor_add",
    "anchor_set_enabled",
    "certificates_import",
    "CertificateImportResult",
    "certificate_bind",
    "crl_add",
    "ocsp_add",
]


def trust_store_bump() -> int:
    """Increase the trust-store version; call inside the transaction that changed the material."""
    TrustStoreState.objects.get_or_create(pk=1)
    TrustStoreState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    return TrustStoreState.objects.values_list("version", flat=True).get(pk=1)


def trust_store_version() -> int:
    # Asked before every verification (the cache check of ``truststore.trust_material``): one
    # plain statement, without compiling a queryset each time (h17: half of its cost).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return (row[0] if row else 0) or 0


_VERSION_SQL = f"SELECT version FROM {TrustStoreState._meta.db_table} WHERE id = 1"


def anchor_preview(*, data: bytes) -> dict:
    """What the administrator must see before confirming: subject, validity, SHA-256 fingerprint."""
    certs = load_certificates(data)
    if len(certs) != 1:
        raise TrustMaterialError(_("Upload exactly one root certificate."))
    facts = certificate_facts(certs[0])
    if not facts["is_ca"]:
        raise TrustMaterialError(_("This certificate is not a CA certificate and cannot be a trust anchor."))
    if certs[0].subject != certs[0].issuer:
        raise TrustMaterialError(_("A trust anchor must be a self-signed root certificate."))
    return facts


@service
def anchor_add(*, data: bytes, confirmed_sha256: str, acting_user, name: str = "") -> TrustAnchor:
    """
    Add a root certificate as trust anchor. ``confirmed_sha256`` is the fingerprint the
    administrator read back from the CA's publication; it must match the uploaded certificate.
    """
    facts = anchor_preview(data=data)
    typed = confirmed_sha256.replace(":", "").replace(" ", "").lower()
    if typed != facts["sha256"]:
        raise TrustMaterialError(_("The confirmed fingerprint does not match the certificate."))
    anchor, _created = TrustAnchor.objects.update_or_create(
        sha256=facts["sha256"],
        defaults={
            "name": name or facts["common_name"] or facts["subject"][:255],
            "der": facts["der"],
            "subject": facts["subject"],
            "not_before": facts["not_before"],
            "not_after": facts["not_after"],
            "enabled": True,
            "confirmed_by": acting_user,
            "confirmed_at": timezone.now(),
        },
    )
    trust_store_bump()
    audit_record(actor=acting_user, unit=None, verb=AuditVerb.ANCHOR_ADDED, obj=anchor,
                 details={"sha256": anchor.sha256, "subject": anchor.subject[:200]})
    return anchor


@service
def anchor_set_enabled(*, anchor: TrustAnchor, enabled: bool, acting_user=None) -> TrustAnchor:
    anchor = TrustAnchor.objects.select_for_update(no_key=True).get(pk=anchor.pk)
    if enabled and anchor.confirmed_at is None:
        raise TrustMaterialError(_("Confirm the fingerprint before enabling this anchor."))
    anchor.enabled = enabled
    anchor.save(update_fields=["enabled"])
    trust_store_bump()
    audit_record(actor=acting_user, unit=None, verb=AuditVerb.ANCHOR_ENABLED if enabled else AuditVerb.ANCHOR_DISABLED,
                 obj=anchor, details={"sha256": anchor.sha256})
    return anchor


@dataclass
class CertificateImportResult:
    created: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def _certificate_row(cert: x509.Certificate) -> Certificate:
    from egov.core.text import search_key

    row = Certificate(**certificate_facts(cert))
    row.search_text = search_key(row.subject, row.issuer, " ".join(row.uids), row.serial_hex)[:1000]
    return row


def certificates_import(*, blobs: list[tuple[str, bytes]], batch_size: int = 500,
                        acting_user=None) -> CertificateImportResult:
    """
    Add certificates from files (PEM, DER, PKCS#7 bundles) to the registry. Known certificates
    (same SHA-256) are left as they are; unreadable files are reported, not fatal. One
    transaction per batch so a 4,000-certificate import does not hold one long lock.
    """
    result = CertificateImportResult()
    rows: dict[str, Certificate] = {}
    for name, data in blobs:
        try:
            for cert in load_certificates(data):
                row = _certificate_row(cert)
                rows.setdefault(row.sha256, row)
        except TrustMaterialError as exc:
            result.errors.append(f"{name}: {exc}")
    pending = list(rows.values())
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        with service_atomic():
            known = set(Certificate.objects.filter(sha256__in=[r.sha256 for r in batch]).values_list("sha256", flat=True))
            new = [r for r in batch if r.sha256 not in known]
            Certificate.objects.bulk_create(new, ignore_conflicts=True)
            result.created += len(new)
            result.existing += len(known)
            if any(r.is_ca for r in new):
                trust_store_bump()  # new intermediates change chain building
            if new:
                audit_record(actor=acting_user, unit=None, verb=AuditVerb.CERTIFICATES_IMPORTED, obj=new[0],
                             details={"count": len(new), "sha256": [r.sha256 for r in new][:100]})
    return result


@service
def certificate_bind(*, certificate: Certificate, binding: str, user=None, unit=None, acting_user=None) -> Certificate:
    """Bind an end-entity certificate to a user (personal) or a unit (organisation), or unbind it."""
    cert = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
    if cert.is_ca and binding:
        raise TrustMaterialError(_("A CA certificate cannot be bound to a user or unit."))
    cert.binding = binding
    cert.user = user if binding == CertificateBinding.PERSONAL else None
    cert.unit = unit if binding == CertificateBinding.ORGANISATION else None
    cert.full_clean()
    cert.save(update_fields=["binding", "user", "unit"])
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.CERTIFICATE_BOUND, obj=cert,
                 details={"binding": binding, "user": getattr(user, "pk", None), "unit": getattr(unit, "pk", None)})
    return cert


@service
def crl_add(*, data: bytes, source: str = RevocationSource.UPLOAD, source_url: str = "",
            acting_user=None) -> RevocationList:
    """
    Store a CRL. It becomes the current CRL of its issuer if it is newer than the current one.
    The CRL's own signature is checked at use by pyhanko-certvalidator against the chain.
    """
    crl = load_crl(data)
    der = crl.public_bytes(_der())
    facts = crl_facts(crl, der)
    existing = RevocationList.objects.filter(sha256=facts["sha256"]).first()
    if existing:
        return existing
    same_issuer = RevocationList.objects.select_for_update(no_key=True).filter(
        issuer=facts["issuer"], issuer_key_id=facts["issuer_key_id"], is_current=True
    )
    newest = max((r.this_update for r in same_issuer), default=None)
    is_current = newest is None or facts["this_update"] >= newest
    if is_current:
        same_issuer.update(is_current=False)
    row = RevocationList.objects.create(**facts, source=source, source_url=source_url, is_current=is_current)
    trust_store_bump()
    audit_record(actor=acting_user, unit=None, verb=AuditVerb.CRL_ADDED, obj=row,
                 details={"issuer": row.issuer[:200], "source": source, "url": source_url[:300],
                          "current": is_current})
    return row


@service
def ocsp_add(*, data: bytes, acting_user=None) -> OCSPRecord:
    """Store a DER OCSP response as revocation evidence usable by verifications."""
    from asn1crypto import ocsp

    try:
        resp = ocsp.OCSPResponse.load(data)
        basic = resp.basic_ocsp_response
        tbs = basic["tbs_response_data"]
        serial = format(tbs["responses"][0]["cert_id"]["serial_number"].native, "x")
        produced = tbs["produced_at"].native
    except Exception as exc:  # asn1crypto raises many types on garbage
        raise TrustMaterialError(_("Not a successful DER OCSP response.")) from exc
    row, created = OCSPRecord.objects.get_or_create(
        sha256=sha256_hex(data), defaults={"der": data, "serial_hex": serial, "produced_at": produced}
    )
    trust_store_bump()
    if created:
        audit_record(actor=acting_user, unit=None, verb=AuditVerb.OCSP_ADDED, obj=row, details={"serial": serial})
    return row


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER
