"""
Fixtures of the signatures tests (the offline PKI ``pki`` and ``softhsm`` are in tests/conftest.py): an offline PKI built once per session with
``cryptography`` (root → intermediate → leaves, CRLs, TSA, an unknown root), and a trust
store loaded into the database through the services, as an administrator would.
"""
import os
import shutil

import pytest

from egov.devtools.pki import make_pdf, sign_pdf


@pytest.fixture(scope="session")
def plain_pdf():
    return make_pdf(pages=2, text="Quyet dinh so 12/QD-UBND")


@pytest.fixture(scope="session")
def signed_by(pki, plain_pdf):
    """signed_by("person") → the plain PDF signed with that PKI identity (cached per session)."""
    cache = {}

    def _sign(name: str) -> bytes:
        if name not in cache:
            cache[name] = sign_pdf(plain_pdf, getattr(pki, name))
        return cache[name]

    return _sign


@pytest.fixture(autouse=True)
def _fresh_trust_cache():
    from signatures.services.truststore import reset_cache

    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def admin_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="pki-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def trust_store(db, pki, admin_user):
    """Root as confirmed anchor, the intermediate in the registry, current CRLs of both CAs."""
    from signatures.services.trust import anchor_add, certificates_import, crl_add

    anchor_add(data=pki.root.pem, confirmed_sha256=pki.root.cert.fingerprint(_sha256()).hex(), acting_user=admin_user)
    certificates_import(blobs=[("intermediate.pem", pki.intermediate.pem)])
    crl_add(data=pki.root_crl)
    crl_add(data=pki.intermediate_crl)
    return pki


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def services_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("EGOV_REQUIRE_SERVICES") == "1"


def require_tool(name: str) -> str:
    """Path of a system tool; fails in CI, skips locally when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian packages in .ci/system-packages)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)
