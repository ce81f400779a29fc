"""
An offline test PKI built with ``cryptography``: root → intermediate → leaves, CRLs, a TSA,
and an unrelated root. Used by the test suite and by ``bench_signatures``; never by the
running portal. Nothing here touches the network: the CRL distribution point URLs are
placeholders under ``http://pki.invalid/``.

Also holds ``make_pdf`` and ``sign_pdf`` helpers so tests and the benchmark produce their
signed files the same way (with pyHanko, like a real token would).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_BASE = "http://pki.invalid/"
UTC = dt.timezone.utc

__all__ = ["Identity", "TestPKI", "make_pdf", "sign_pdf", "make_big_crl"]


@dataclass
class Identity:
    """A certificate with its private key (cryptography objects) and handy encodings."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)  # issuers, leaf's issuer first

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def pkcs12(self, password: bytes) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"egov-test",
            self.key,
            self.cert,
            self.chain or None,
            serialization.BestAvailableEncryption(password),
        )

    def simple_signer(self):
        """A pyHanko SimpleSigner holding this identity's key and chain."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(self.der),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                self.key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.chain]
            ),
        )


def _name(cn: str, *, org: str = "", uids: tuple[str, ...] = (), locality: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if locality:
        attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    rdns = [x509.RelativeDistinguishedName([a]) for a in attrs]
    for uid in uids:
        rdns.append(x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.USER_ID, uid)]))
    return x509.Name(rdns)


class TestPKI:
    """
    Build once per test session (key generation is the slow part). ``now`` is fixed at build
    time; validity periods are relative to it.

    Leaves: ``person`` (CCCD UID), ``organisation`` (MST UID), ``revoked`` (on the
    intermediate's CRL), ``expired``, ``not_yet_valid``, ``wrong_ku`` (no nonRepudiation,
    no digitalSignature), ``weak`` (RSA-1024), ``stranger`` (under an untrusted root), ``tsa``.
    """

    __test__ = False  # not a pytest class

    def __init__(self, *, now: dt.datetime | None = None, key_size: int = 2048):
        self.now = (now or dt.datetime.now(UTC)).replace(microsecond=0)
        self.key_size = key_size
        self.root = self._ca("Test Root CA G2", None, days=3650)
        self.intermediate = self._ca("Test Sub CA Nghe An", self.root, days=1825, crl="root.crl")
        self.person = self.leaf("Nguyễn Văn An", org="Sở Nội vụ tỉnh Nghệ An", uids=("CCCD:040123456789",))
        self.organisation = self.leaf(
            "Ủy ban nhân dân xã Thử", org="UBND tỉnh Nghệ An", uids=("MST:2900123456", "MNS:1234567")
        )
        self.revoked = self.leaf("Revoked Signer", uids=("CCCD:040000000001",))
        self.expired = self.leaf(
            "Expired Signer", not_before=self.now - dt.timedelta(days=400), not_after=self.now - dt.timedelta(days=2)
        )
        self.not_yet_valid = self.leaf(
            "Future Signer", not_before=self.now + dt.timedelta(days=5), not_after=self.now + dt.timedelta(days=400)
        )
        self.wrong_ku = self.leaf("Encryption Only", key_usage="encipherment")
        self.weak = self.leaf("Weak Key Signer", key_size=1024)
        self.stranger_root = self._ca("Unknown Root CA", None, days=3650)
        self.stranger = self.leaf("Stranger", issuer=self.stranger_root)
        self.tsa = self.leaf("Test TSA", key_usage="tsa")
        self.revoked_at = self.now - dt.timedelta(days=1)
        self.root_crl = self.crl(self.root, [])
        self.intermediate_crl = self.crl(self.intermediate, [(self.revoked.cert.serial_number, self.revoked_at)])

    # --- builders -------------------------------------------------------------------------
    def _key(self, size: int | None = None):
        return rsa.generate_private_key(public_exponent=65537, key_size=size or self.key_size)

    def _ca(self, cn: str, issuer: Identity | None, *, days: int, crl: str | None = None) -> Identity:
        key = self._key()
        name = _name(cn, org="Egov Test PKI")
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer.cert.subject if issuer else name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=30))
            .not_valid_after(self.now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if issuer:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
            )
        if crl:
            builder = builder.add_extension(_crl_dp(crl), critical=False)
        cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
        chain = ([issuer.cert] + issuer.chain) if issuer else []
        return Identity(cert=cert, key=key, chain=chain)

    def leaf(
        self,
        cn: str,
        *,
        org: str = "",
        uids: tuple[str, ...] = (),
        issuer: Identity | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_usage: str = "signing",
        key_size: int | None = None,
        ocsp_only: bool = False,
    ) -> Identity:
        """A leaf certificate; ``ocsp_only`` declares an OCSP responder instead of a CRL."""
        issuer = issuer or self.intermediate
        key = self._key(key_size)
        if key_usage == "signing":
            ku = dict(digital_signature=True, content_commitment=True, key_encipherment=False)
        elif key_usage == "tsa":
            ku = dict(digital_signature=True, content_commitment=False, key_encipherment=False)
        else:
            ku = dict(digital_signature=False, content_commitment=False, key_encipherment=True)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn, org=org, uids=uids, locality="Nghệ An"))
            .issuer_name(issuer.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - dt.timedelta(days=10))
            .not_valid_after(not_after or self.now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    **ku, data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        )
        if ocsp_only:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                            x509.UniformResourceIdentifier(CRL_BASE + "ocsp"))]
                ),
                critical=False,
            )
        elif issuer is self.intermediate:
            builder = builder.add_extension(_crl_dp("intermediate.crl"), critical=False)
        if key_usage == "tsa":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        cert = builder.sign(issuer.key, hashes.SHA256())
        return Identity(cert=cert, key=key, chain=[issuer.cert] + issuer.chain)

    def crl(
        self,
        issuer: Identity,
        revoked: list[tuple[int, dt.datetime]],
        *,
        this_update: dt.datetime | None = None,
        next_update: dt.datetime | None = None,
    ) -> bytes:
        """A DER CRL signed by ``issuer`` listing ``(serial, revocation_date)`` pairs."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(this_update or self.now - dt.timedelta(hours=1))
            .next_update(next_update or self.now + dt.timedelta(days=7))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        for serial, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def timestamper(self):
        """pyHanko's offline DummyTimeStamper backed by this PKI's TSA certificate."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.tsa.der),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                self.tsa.key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            certs_to_embed=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.tsa.chain]
            ),
        )


def _crl_dp(name: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(CRL_BASE + name)],
                relative_name=None, reasons=None, crl_issuer=None,
            )
        ]
    )


def make_big_crl(pki: TestPKI, *, entries: int, include: list[int] = ()) -> bytes:
    """
    A CRL of the intermediate CA with ``entries`` revoked serials (random) plus ``include``
    (placed last, the worst case for a linear scan).
    """
    import os

    issuer = pki.intermediate
    when = pki.now - dt.timedelta(days=3)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(pki.now - dt.timedelta(hours=1))
        .next_update(pki.now + dt.timedelta(days=7))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(2), critical=False)
    )
    revoked = [
        x509.RevokedCertificateBuilder().serial_number(int.from_bytes(os.urandom(16), "big") >> 1).revocation_date(when)
        for _ in range(entries)
    ]
    revoked += [x509.RevokedCertificateBuilder().serial_number(s).revocation_date(when) for s in include]
    for r in revoked:
        builder = builder.add_revoked_certificate(r.build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def make_pdf(*, pages: int = 1, text: str = "Test document") -> bytes:
    """A small valid PDF with ``pages`` pages of Helvetica text (ASCII only)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    w = PdfFileWriter(stream_xrefs=False)
    font = w.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
            }
        )
    )
    safe = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    for i in range(pages):
        stream = generic.StreamObject(
            stream_data=f"BT /F1 14 Tf 72 760 Td ({safe} - page {i + 1}) Tj ET".encode()
        )
        page = PageObject(
            contents=w.add_object(stream),
            media_box=(0, 0, 595, 842),
            resources=generic.DictionaryObject(
                {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): font})}
            ),
        )
        w.insert_page(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def sign_pdf(
    pdf: bytes,
    identity: Identity,
    *,
    field_name: str = "Signature1",
    box: tuple[int, int, int, int] | None = (330, 120, 530, 200),
    page: int = -1,
    timestamper=None,
) -> bytes:
    """Sign ``pdf`` with pyHanko as a person's token would (incremental update, PAdES B-B)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(field_name, box=box, on_page=page) if box else None
    out = signers.PdfSigner(meta, signer=identity.simple_signer(), timestamper=timestamper, new_field_spec=spec)
    return out.sign_pdf(w).getvalue()
