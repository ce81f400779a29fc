"""
The parsed trust store, cached per process.

Trust material (enabled anchors, intermediate CA certificates, the current CRL of each
issuer, stored OCSP responses) is parsed once per trust-store version and kept in memory;
each verification costs one query (the version) while nothing changes. CRLs are cached by
SHA-256 across versions, so adding an anchor does not re-parse a 100,000-entry CRL. Each
document gets a fresh ``ValidationContext`` (contexts are stateful) built from the cached,
already parsed objects.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from dataclasses import dataclass, field, replace

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator.policy_decl import AlgorithmUsageConstraint, AlgorithmUsagePolicy

from .. import conf
from . import crl_index
from .parsing import TrustMaterialError, load_certificates, load_crl

__all__ = ["ParsedCRL", "TrustMaterial", "trust_material", "parse_crl", "reset_cache", "PortalAlgorithmPolicy"]


@dataclass(frozen=True)
class ParsedCRL:
    sha256: str
    issuer: str
    this_update: dt.datetime
    next_update: dt.datetime | None
    entries: int
    crl: asn1_crl.CertificateList
    indexed: bool
    pk: int | None = None

    def evidence(self) -> dict:
        return {
            "id": self.pk,
            "sha256": self.sha256,
            "issuer": self.issuer,
            "this_update": self.this_update.isoformat(),
            "next_update": self.next_update.isoformat() if self.next_update else None,
            "entries": self.entries,
        }


def parse_crl(der: bytes, *, pk: int | None = None, sha256: str | None = None) -> ParsedCRL:
    """Parse a CRL (PEM or DER) once: asn1crypto object for the validator, plus a serial index."""
    parsed = load_crl(der)
    if der.lstrip().startswith(b"-----"):
        from cryptography.hazmat.primitives.serialization import Encoding

        der = parsed.public_bytes(Encoding.DER)
    cl = asn1_crl.CertificateList.load(der)
    serials = frozenset(r.serial_number for r in parsed)
    indexed = crl_index.attach_index(cl, serials, der)
    from .parsing import name_to_text

    return ParsedCRL(
        sha256=sha256 or hashlib.sha256(der).hexdigest(),
        issuer=name_to_text(parsed.issuer),
        this_update=parsed.last_update_utc,
        next_update=parsed.next_update_utc,
        entries=len(serials),
        crl=cl,
        indexed=indexed,
        pk=pk,
    )


class PortalAlgorithmPolicy(AlgorithmUsagePolicy):
    """
    The accepted algorithms (settings): SHA-2/SHA-3 digests, RSA >= SIGNATURES_MIN_RSA_BITS,
    ECDSA >= SIGNATURES_MIN_EC_BITS, EdDSA; DSA and everything else refused. Used for the
    certificate chain (certvalidator) and, lifted, for the CMS signature itself (pyHanko).
    """

    SIGNATURE_ALGORITHMS = ("rsassa_pkcs1v15", "rsassa_pss", "ecdsa", "ed25519", "ed448")

    def __init__(self):
        self.digests = conf.accepted_digests()
        self.min_rsa, self.min_ec = conf.min_rsa_bits(), conf.min_ec_bits()

    def digest_algorithm_allowed(self, algo, moment):
        name = algo["algorithm"].native
        ok = name in self.digests
        return AlgorithmUsageConstraint(ok, failure_reason=None if ok else f"digest {name} not accepted")

    def signature_algorithm_allowed(self, algo, moment, public_key):
        try:
            name = algo.signature_algo
        except ValueError:
            name = algo["algorithm"].native
        if name not in self.SIGNATURE_ALGORITHMS:
            return AlgorithmUsageConstraint(False, failure_reason=f"signature algorithm {name} not accepted")
        if public_key is not None:
            bits = public_key.bit_size
            if name.startswith("rsa") and bits < self.min_rsa:
                return AlgorithmUsageConstraint(False, failure_reason=f"RSA key of {bits} bits < {self.min_rsa}")
            if name == "ecdsa" and bits < self.min_ec:
                return AlgorithmUsageConstraint(False, failure_reason=f"EC key of {bits} bits < {self.min_ec}")
        try:
            hash_algo = algo.hash_algo
        except ValueError:
            hash_algo = None
        if hash_algo is not None and name not in ("ed25519", "ed448") and hash_algo not in self.digests:
            return AlgorithmUsageConstraint(False, failure_reason=f"digest {hash_algo} not accepted")
        return AlgorithmUsageConstraint(True)


_EXTRA_CACHE_SIZE = 16


@dataclass(frozen=True)
class TrustMaterial:
    """Immutable parsed trust store of one version (plus any per-run extras)."""

    version: int
    anchors: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...]
    crls: tuple[ParsedCRL, ...]
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...] = ()
    ocsp_ids: tuple[tuple[int | None, str], ...] = ()
    extras: dict = field(default_factory=dict)

    def with_extra(self, *, anchors: tuple[bytes, ...] = (), crls: tuple[bytes, ...] = ()) -> "TrustMaterial":
        """Material for one run with extra anchors/CRLs (PEM or DER) on top of the store."""
        if not anchors and not crls:
            return self
        # Parsed once per material object and content (h17: callers pass the same extra root and
        # CRLs on every run); a changed store is a new material object with an empty cache.
        key = (tuple(hashlib.sha256(b).digest() for b in anchors), tuple(hashlib.sha256(c).digest() for c in crls))
        cache = self.__dict__.get("_extra_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_extra_cache", cache)  # frozen dataclass: a cache, not a field
        hit = cache.get(key)
        if hit is not None:
            return hit
        made = self._with_extra(anchors, crls)
        if len(cache) >= _EXTRA_CACHE_SIZE:
            cache.pop(next(iter(cache)), None)
        cache[key] = made
        return made

    def _with_extra(self, anchors: tuple[bytes, ...], crls: tuple[bytes, ...]) -> "TrustMaterial":
        extra_anchors, extra_inter = [], []
        for blob in anchors:
            for cert in load_certificates(blob):
                target = extra_anchors if cert.subject == cert.issuer else extra_inter
                target.append(asn1_x509.Certificate.load(_der(cert)))
        extra_crls = tuple(parse_crl(b) for b in crls)
        return replace(
            self,
            anchors=self.anchors + tuple(extra_anchors),
            intermediates=self.intermediates + tuple(extra_inter),
            crls=self.crls + extra_crls,
            extras={"anchors": [c.sha256.hex() for c in extra_anchors] + [c.sha256.hex() for c in extra_inter],
                    "crls": [c.sha256 for c in extra_crls]},
        )

    def validation_context(self, *, other_certs=(), revocation_mode: str | None = None, moment=None):
        """
        A fresh pyhanko-certvalidator context: no fetching, never the OS trust list.

        Contexts are stateful (the registry learns the certificates of the document), so each
        call gets its own; what does not change for this material is built once per material
        object and reused: the trust manager (roots) and a template registry holding the
        intermediates, copied per context (h17: re-registering costs a quarter of the check).
        A changed trust store is a new ``TrustMaterial`` (``trust_material()``), hence new parts.
        """
        from pyhanko_certvalidator import ValidationContext

        trust_manager, template = self._context_parts()
        registry = _registry_copy(template)
        # The order the library itself registers them in: intermediates, the document's
        # certificates, then the roots (ValidationContext finds them already there).
        for cert in other_certs:
            _register(registry, cert)
        for cert in self.anchors:
            _register(registry, cert)
        return ValidationContext(
            trust_manager=trust_manager,
            certificate_registry=registry,
            crls=[c.crl for c in self.crls],
            ocsps=list(self.ocsps),
            allow_fetching=False,
            revocation_mode=revocation_mode or conf.revocation_mode(),
            algorithm_usage_policy=PortalAlgorithmPolicy(),
            moment=moment,
        )

    def _context_parts(self):
        parts = self.__dict__.get("_ctx_parts")
        if parts is None:
            from pyhanko_certvalidator.registry import CertificateRegistry, SimpleTrustManager

            template = CertificateRegistry(cert_fetcher=None)
            for cert in self.intermediates:
                _register(template, cert)
            parts = (SimpleTrustManager.build(trust_roots=list(self.anchors)), template)
            object.__setattr__(self, "_ctx_parts", parts)  # frozen dataclass: a cache, not a field
        return parts

    def crls_for(self, issuer_names: set[str]) -> list[dict]:
        return [c.evidence() for c in self.crls if c.issuer in issuer_names]


_SUBJECT_KEYS: dict[bytes, str] = {}
_SUBJECT_KEYS_MAX = 4096


def _subject_key(cert) -> str:
    """``cert.subject.hashable`` (RFC 5280 name preparation, dear), memoised by the name's DER."""
    der = cert["tbs_certificate"]["subject"].dump()
    key = _SUBJECT_KEYS.get(der)
    if key is None:
        key = cert.subject.hashable
        if len(_SUBJECT_KEYS) >= _SUBJECT_KEYS_MAX:
            _SUBJECT_KEYS.clear()
        _SUBJECT_KEYS[der] = key
    return key


def _register(registry, cert) -> None:
    """``registry.register(cert)`` with the subject key memoised (same maps, same order)."""
    if not _fast_register():
        registry.register(cert)
        return
    if cert.issuer_serial in registry.certs:
        return
    registry.certs[cert.issuer_serial] = cert
    key_hash = cert.public_key.sha1
    registry._subject_map[_subject_key(cert)].append(cert)
    registry._key_hash_map[key_hash].append(cert)
    registry._key_identifier_map[cert.key_identifier or key_hash].append(cert)


@functools.lru_cache(maxsize=1)
def _fast_register() -> bool:
    # Mirrors SimpleCertificateStore.register of the certvalidator versions checked (crl_index.SUPPORTED).
    from pyhanko_certvalidator.version import __version__

    return __version__.startswith(crl_index.SUPPORTED)


def _registry_copy(template):
    """A registry with the template's certificates, registered in the same order (no re-parsing)."""
    from collections import defaultdict

    from pyhanko_certvalidator.registry import CertificateRegistry

    registry = CertificateRegistry(cert_fetcher=None)
    registry.certs = dict(template.certs)
    for name in ("_subject_map", "_key_identifier_map", "_key_hash_map"):
        setattr(registry, name, defaultdict(list, {k: list(v) for k, v in getattr(template, name).items()}))
    return registry


def _der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)


_lock = threading.Lock()
_material: TrustMaterial | None = None
_crl_cache: dict[str, ParsedCRL] = {}


def reset_cache() -> None:
    """Forget the cached store (tests; the version check makes this unnecessary in production)."""
    global _material
    with _lock:
        _material = None
        _crl_cache.clear()


def trust_material() -> TrustMaterial:
    """The parsed store for the current version; rebuilt only when the version changed."""
    global _material
    from ..models import Certificate, OCSPRecord, RevocationList, TrustAnchor
    from .trust import trust_store_version

    crl_index.install()
    version = trust_store_version()
    current = _material
    if current is not None and current.version == version:
        return current
    with _lock:
        if _material is not None and _material.version == version:
            return _material
        anchors = tuple(
            asn1_x509.Certificate.load(bytes(der))
            for der in TrustAnchor.objects.filter(enabled=True).order_by("pk").values_list("der", flat=True)
        )
        intermediates = tuple(
            asn1_x509.Certificate.load(bytes(der))
            for der in Certificate.objects.filter(is_ca=True).order_by("pk").values_list("der", flat=True)
        )
        wanted = dict(RevocationList.objects.filter(is_current=True).order_by("pk").values_list("sha256", "pk"))
        missing = [sha for sha in wanted if sha not in _crl_cache]
        for pk, sha, der in RevocationList.objects.filter(sha256__in=missing).values_list("pk", "sha256", "der"):
            try:
                _crl_cache[sha] = parse_crl(bytes(der), pk=pk, sha256=sha)
            except TrustMaterialError:
                continue
        for sha in list(_crl_cache):
            if sha not in wanted:
                del _crl_cache[sha]
        ocsp_rows = list(OCSPRecord.objects.order_by("pk").values_list("pk", "sha256", "der"))
        _material = TrustMaterial(
            version=version,
            anchors=anchors,
            intermediates=intermediates,
            crls=tuple(_crl_cache[s] for s in wanted if s in _crl_cache),
            ocsps=tuple(asn1_ocsp.OCSPResponse.load(bytes(der)) for _pk, _sha, der in ocsp_rows),
            ocsp_ids=tuple((pk, sha) for pk, sha, _der in ocsp_rows),
        )
        return _material
