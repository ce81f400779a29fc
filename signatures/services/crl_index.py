"""
Constant-time CRL lookups for large CRLs.

pyhanko-certvalidator finds a certificate on a CRL with a linear scan over the revoked
entries (``validate_crl.find_cert_in_list``), decoding each entry with asn1crypto: with a
100,000-entry CRL that costs ~180 ms per certificate checked, for every document. We parse
each CRL once per process (``truststore``) and attach the set of revoked serial numbers to
the parsed ``CertificateList``. The wrapper installed here answers "not on this CRL" from that
set and hands every other case to the library's own function, so the library still makes
every decision whenever a serial *is* listed:

- a serial present in the set → the original function (reason code, date, extensions), on a
  freshly loaded copy of the CRL so the cached object is never fully decoded;
- a CRL without an attached index (e.g. one embedded in a file) → the original function;
- an indirect CRL (entries carrying a certificateIssuer extension) → never indexed.

The wrapper is installed only for the pyhanko-certvalidator versions it was checked against
(see ``SUPPORTED``); with another version the library runs unmodified (slower, still correct).
"""
from __future__ import annotations

import logging

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

logger = logging.getLogger(__name__)

SUPPORTED = ("0.33.",)
_ATTR = "_egov_revoked_serials"
# DER of the certificateIssuer CRL entry extension OID (2.5.29.29), as the library tests it.
_CERT_ISSUER_OID_DER = asn1_crl.CRLEntryExtensionId("certificate_issuer").dump()

_installed = False


def attach_index(certificate_list: asn1_crl.CertificateList, serials: frozenset[int], der: bytes) -> bool:
    """Attach the revoked-serial set to a parsed CRL; refuse indirect CRLs. Returns True if attached."""
    if _CERT_ISSUER_OID_DER in der:
        return False
    setattr(certificate_list, _ATTR, serials)
    return True


def install() -> bool:
    """Wrap ``find_cert_in_list`` once per process. Returns whether the wrapper is active."""
    global _installed
    if _installed:
        return True
    from pyhanko_certvalidator.revinfo import validate_crl
    from pyhanko_certvalidator.version import __version__

    if not __version__.startswith(SUPPORTED) or not hasattr(validate_crl, "find_cert_in_list"):
        logger.warning("pyhanko-certvalidator %s not checked: large CRLs use the library's linear scan", __version__)
        return False
    original = validate_crl.find_cert_in_list

    def find_cert_in_list(cert, cert_issuer_name, certificate_list, crl_authority_name):
        serials = getattr(certificate_list, _ATTR, None)
        if serials is not None and isinstance(cert, asn1_x509.Certificate):
            if cert["tbs_certificate"]["serial_number"].native not in serials:
                return None, None
            # Listed: the library decides, on a throwaway copy. Scanning the cached object
            # would leave its 100,000 entries decoded in memory for the life of the process
            # (and make every garbage collection slower).
            certificate_list = type(certificate_list).load(certificate_list.dump())
        return original(cert, cert_issuer_name, certificate_list, crl_authority_name)

    find_cert_in_list.__wrapped__ = original
    validate_crl.find_cert_in_list = find_cert_in_list
    _installed = True
    return True
