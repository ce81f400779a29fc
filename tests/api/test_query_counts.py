"""
Query counts of the API list endpoints: the same number of SQL queries for a page of 2 rows
and for a page of 15 (no N+1), pinned so that a new query per request is noticed too.

Every count is of one whole request as a client sees it: token check, scope, throttle
(cache, not SQL), the list, and the audit row each API call writes (three queries: its hash chain's
lock and head, then the insert; egov/core/audit_chain.py). The token's last use is
written at most once a minute, so each test makes one request before it counts.
"""
from __future__ import annotations

import datetime

import pytest

from tests.factories import allow_issue_on_another_day
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UnitFactory
from units.choices import UnitKind

from .conftest import PDF, deliver_pending, make_issued

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 15


def counts_at_sizes(api, grow, rows=None):
    """
    For SMALL then LARGE: ``grow(size)`` brings the data to ``size`` rows and returns the URL
    (or ``(url, params)``) to read; the query count of reading it. ``rows(response, size)``
    checks the response holds the rows (default: ``size`` results on one page).
    """
    counts = []
    for size in (SMALL, LARGE):
        target = grow(size)
        url, params = target if isinstance(target, tuple) else (target, None)
        if not counts:
            assert api.get(url, params).status_code == 200  # the token's last use is written now, not below
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url, params)
        assert response.status_code == 200, response.content[:500]
        if rows is None:
            assert len(response.json()["results"]) == size
        else:
            rows(response, size)
        counts.append(len(ctx.captured_queries))
    return counts


class Grower:
    """Adds rows up to the size asked for (SMALL, then LARGE) by calling ``add(index)`` per new row."""

    def __init__(self, add):
        self.add, self.made = add, 0

    def to(self, size):
        while self.made < size:
            self.add(self.made)
            self.made += 1


def _send_and_deliver(province, unit, sender=None, **fields):
    """A document of ``sender`` (default SNV) sent to ``unit`` and delivered: one incoming record."""
    from documents.services import document_send

    sender = sender or province.snv
    clerk = province.clerk(sender)
    doc = make_issued(sender, clerk, **fields)
    document_send(document=doc, acting_user=clerk, units=[unit])
    assert deliver_pending() == 1
    return doc


# --- units ---------------------------------------------------------------------------------------
@pytest.fixture
def district(province):
    """A new district with no communes yet; communes are added by the tests."""
    return UnitFactory(code="000.00.77.H99", name="Ủy ban nhân dân huyện Đếm", kind=UnitKind.DISTRICT_COMMITTEE,
                       parent=province.ubnd)


def _commune(district, i):
    return UnitFactory(code=f"000.{i + 1:02d}.77.H99", name=f"Ủy ban nhân dân xã Đếm {i + 1}",
                       kind=UnitKind.COMMUNE_COMMITTEE, parent=district)


def test_units_list(province, make_api, district):
    from units.models import Unit

    api = make_api(province.snv, ["units:read"])
    communes = Grower(lambda i: _commune(district, i))
    base = Unit.objects.count()

    def grow(size):
        communes.to(size)
        return "/api/v1/units/"

    def rows(response, size):
        assert len(response.json()["results"]) == base + size

    # token, units, audit row
    assert counts_at_sizes(api, grow, rows) == [5, 5]


def test_units_list_filtered_by_parent(province, make_api, district):
    api = make_api(province.snv, ["units:read"])
    communes = Grower(lambda i: _commune(district, i))

    def grow(size):
        communes.to(size)
        return "/api/v1/units/", {"parent": district.code}

    # token, units, audit row
    assert counts_at_sizes(api, grow) == [5, 5]


@pytest.mark.parametrize("action", ["children", "descendants"])
def test_unit_children_and_descendants(province, make_api, district, action):
    api = make_api(province.snv, ["units:read"])
    communes = Grower(lambda i: _commune(district, i))

    def grow(size):
        communes.to(size)
        return f"/api/v1/units/{district.code}/{action}/"

    # token, the unit, its children, audit row
    assert counts_at_sizes(api, grow) == [6, 6]


# --- documents -----------------------------------------------------------------------------------
def test_outgoing_documents_list(province, make_api):
    """Documents with a main file and an appendix (nested list), each but the first following up the first."""
    from documents.services import attachment_add, document_create, document_issue

    api = make_api(province.snv, ["documents:read"])
    clerk = province.clerk(province.snv)
    docs = []

    def add(i):
        follow_up = {"business_type": 2, "related_document": docs[0]} if docs else {}
        doc = document_create(owner_unit=province.snv, acting_user=clerk, subject=f"Văn bản đếm truy vấn {i}",
                              doc_type="CV", notation_suffix="VP", signer_name="Nguyễn Văn A",
                              signer_position="Giám đốc", **follow_up)
        attachment_add(document=doc, acting_user=clerk, upload=PDF, name="van-ban.pdf")
        attachment_add(document=doc, acting_user=clerk, upload=PDF, name="phu-luc.pdf", kind="appendix")
        allow_issue_on_another_day(clerk)
        docs.append(document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 3, 5)))

    documents = Grower(add)

    def grow(size):
        documents.to(size)
        return "/api/v1/documents/"

    # token, documents, their attachments (prefetch), audit row
    assert counts_at_sizes(api, grow) == [6, 6]


def test_dispatches_list(province, make_api, district):
    """
    The dispatches of the sender's documents, each to another commune, delivered; every other
    commune was merged away first, so its dispatch goes to the successor (``addressed_to`` set).
    """
    from documents.services import document_send
    from units.services import unit_merge

    api = make_api(province.snv, ["documents:read"])
    clerk = province.clerk(province.snv)

    def add(i):
        unit = _commune(district, 2 * i)
        if i % 2:
            successor = _commune(district, 2 * i + 1)
            unit_merge(sources=[unit], target=successor, effective_date=_today() - datetime.timedelta(days=1))
            unit.refresh_from_db()
        doc = make_issued(province.snv, clerk, subject=f"Văn bản gửi xã {i}")
        document_send(document=doc, acting_user=clerk, units=[unit])

    dispatches = Grower(add)

    def grow(size):
        dispatches.to(size)
        deliver_pending()
        return "/api/v1/dispatches/"

    def rows(response, size):
        results = response.json()["results"]
        assert len(results) == size and sum(1 for r in results if r["addressed_to"]) == size // 2

    # token, dispatches with recipient/sender/addressed_to, audit row
    assert counts_at_sizes(api, grow, rows) == [5, 5]


def test_dispatches_of_one_document(province, make_api, district):
    """``/documents/{id}/dispatches/``: one document to 2 recipients, another to 15."""
    from documents.services import document_send

    api = make_api(province.snv, ["documents:read"])
    clerk = province.clerk(province.snv)
    communes = [_commune(district, i) for i in range(LARGE)]

    def grow(size):
        doc = make_issued(province.snv, clerk, subject=f"Văn bản gửi {size} xã")
        document_send(document=doc, acting_user=clerk, units=communes[:size])
        deliver_pending()
        return f"/api/v1/documents/{doc.pk}/dispatches/"

    # token, the document (+ its attachments, prefetched by the viewset), dispatches, audit row
    assert counts_at_sizes(api, grow) == [7, 7]


def test_incoming_list(province, make_api):
    """The receiving unit's inbox, documents from two senders."""
    api = make_api(province.stc, ["documents:read"])
    senders = [province.snv, province.district]
    incoming = Grower(lambda i: _send_and_deliver(province, province.stc, sender=senders[i % 2],
                                                  subject=f"Văn bản đến {i}"))

    def grow(size):
        incoming.to(size)
        return "/api/v1/incoming/"

    # token, two membership reads of incoming_visible_to, records with document and units, audit row
    assert counts_at_sizes(api, grow) == [7, 7]


@pytest.mark.parametrize("kind", ["outgoing", "incoming", "followup"])
def test_register_export(province, make_api, kind):
    """The registers are read through their export: one CSV row per registered document."""
    from documents.models import IncomingRecord
    from documents.services import incoming_accept, incoming_assign

    api = make_api(province.stc, ["documents:read"])
    clerk, leader = province.clerk(province.stc), province.leader(province.stc)
    handler = province.specialist(province.stc)

    def add(i):
        if kind == "outgoing":
            make_issued(province.stc, clerk, subject=f"Văn bản đi {i}")
            return
        _send_and_deliver(province, province.stc, subject=f"Văn bản đến {i}")
        rec = IncomingRecord.objects.filter(unit=province.stc).latest("pk")
        rec = incoming_accept(incoming=rec, acting_user=clerk)
        incoming_assign(incoming=rec, acting_user=leader, main_handler=handler,
                        deadline=_today() + datetime.timedelta(days=30))

    registered = Grower(add)

    def grow(size):
        registered.to(size)
        return "/api/v1/registers/export/", {"kind": kind, "year": 2026 if kind == "outgoing" else _this_year()}

    def rows(response, size):
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1 + size  # the header, then one row per document

    # token, role check, the register's rows, audit row
    assert counts_at_sizes(api, grow, rows) == [6, 6]


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def _this_year() -> int:
    return _today().year


# --- signatures ----------------------------------------------------------------------------------
def _certificate_pem(i: int) -> bytes:
    """A self-signed end-entity certificate (EC P-256: fast to make), distinct per ``i``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Người ký đếm {i}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở Nội vụ tỉnh Thử")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def test_certificates_list(province, make_api):
    """Certificates imported by the service, every other one bound to a unit (the ``unit`` field)."""
    from signatures.models import Certificate
    from signatures.services.trust import certificate_bind, certificates_import

    api = make_api(province.snv, ["signatures:verify"])
    units = [province.snv, province.stc, province.district]

    def add(i):
        certificates_import(blobs=[(f"c{i}.pem", _certificate_pem(i))])
        if i % 2:
            cert = Certificate.objects.latest("pk")
            certificate_bind(certificate=cert, binding="organisation", unit=units[i % len(units)])

    certificates = Grower(add)

    def grow(size):
        certificates.to(size)
        return "/api/v1/certificates/"

    # token, certificates with unit, audit row
    assert counts_at_sizes(api, grow) == [5, 5]


# --- webhooks ------------------------------------------------------------------------------------
def test_webhooks_list(province, make_api):
    from egov.core.api.webhooks import webhook_create

    api = make_api(province.stc, ["webhooks:manage"])
    hooks = Grower(lambda i: webhook_create(client=api.client, url=f"https://tich-hop.example.vn/hook/{i}"))

    def grow(size):
        hooks.to(size)
        return "/api/v1/webhooks/"

    # token, webhooks, audit row
    assert counts_at_sizes(api, grow) == [5, 5]


def test_webhook_deliveries_list(province, make_api):
    """One delivery per document received by the unit (outbox scan after each delivery)."""
    from django.utils import timezone

    from documents.webhooks import webhook_scan
    from egov.core.api.webhooks import webhook_create

    api = make_api(province.stc, ["webhooks:manage"])
    hook = webhook_create(client=api.client, url="https://tich-hop.example.vn/hook", events=["document.received"])

    def add(i):
        _send_and_deliver(province, province.stc, subject=f"Văn bản đến {i}")
        assert webhook_scan(now=timezone.now() + datetime.timedelta(seconds=60)) == 1

    deliveries = Grower(add)

    def grow(size):
        deliveries.to(size)
        return f"/api/v1/webhooks/{hook.pk}/deliveries/"

    # token, the webhook, its deliveries, audit row
    assert counts_at_sizes(api, grow) == [6, 6]


def test_incoming_list_fast_representation_is_drf_s(province, make_api, monkeypatch):
    """
    The list's FastRepresentationMixin (egov/core/api/representation.py) answers exactly what
    DRF's Serializer.to_representation answers: same keys, order and values, on records with
    and without a register number, handler, deadline and take-back request, nested document too.
    """
    from rest_framework import serializers

    from documents.models import IncomingRecord
    from documents.services import incoming_accept, incoming_assign
    from egov.core.api.representation import FastRepresentationMixin

    api = make_api(province.stc, ["documents:read"])
    clerk, leader = province.clerk(province.stc), province.leader(province.stc)
    for i in range(3):
        _send_and_deliver(province, province.stc, sender=[province.snv, province.district][i % 2],
                          subject=f"Văn bản đến {i}")
    first, second, _third = IncomingRecord.objects.filter(unit=province.stc).order_by("pk")
    incoming_accept(incoming=first, acting_user=clerk)
    second = incoming_accept(incoming=second, acting_user=clerk)
    incoming_assign(incoming=second, acting_user=leader, main_handler=province.specialist(province.stc),
                    deadline=_today() + datetime.timedelta(days=30))
    IncomingRecord.objects.filter(pk=first.pk).update(open_request="take_back", open_request_reason="Nhầm")

    fast = api.get("/api/v1/incoming/")
    monkeypatch.setattr(FastRepresentationMixin, "to_representation", serializers.Serializer.to_representation)
    plain = api.get("/api/v1/incoming/")
    assert fast.status_code == plain.status_code == 200
    assert len(fast.json()["results"]) == 3
    assert fast.content == plain.content
    assert any(r["main_handler"] and r["deadline"] and r["incoming_number"] for r in fast.json()["results"])
