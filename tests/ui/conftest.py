"""Fixtures for the UI view tests: the documents tests' small province, plus deliveries made in-process."""
from __future__ import annotations

import pytest

from tests.documents.conftest import PDF, Province, make_issued  # noqa: F401 - re-exported for the UI tests


@pytest.fixture
def province(db):
    return Province()


def deliver(document, recipients, clerk, *, groups=()):
    """Send and deliver synchronously (the worker path is covered by the e2e and delivery tests)."""
    from documents.models import Dispatch
    from documents.services import deliver_local_batch, document_send

    document_send(document=document, acting_user=clerk, units=recipients, groups=groups)
    ids = list(Dispatch.objects.filter(document=document).values_list("pk", flat=True))
    deliver_local_batch(dispatch_ids=ids)
    return ids


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client
    return _login
