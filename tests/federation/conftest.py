"""Fixtures of the federation tests: the documents tests' province (with its remote unit) and a peer."""
import pytest

from tests.api.conftest import make_api  # noqa: F401 - API clients with real tokens
from tests.documents.conftest import PDF, Province, make_issued  # noqa: F401


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def peer(db):
    from documents.federation.models import Peer

    return Peer.objects.create(code="peer-h42", name="Cổng tỉnh Bên", base_url="http://127.0.0.1:9",
                               inbound_secret="in-secret", outbound_secret="out-secret", remote_code="peer-h99")
