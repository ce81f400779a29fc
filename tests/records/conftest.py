"""
Fixtures of the records tests: Sở Nội vụ of the test province with a specialist in charge of
files, a second specialist, the clerk, the director and the agency archive; an approved file
plan; issued documents with real PDF main files; the E-ARK validator (its own virtualenv).
"""
from __future__ import annotations

import datetime
import io
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from egov.devtools.pki import make_pdf
from tests.documents.conftest import Province
from tests.factories import MembershipFactory, UserFactory, allow_issue_on_another_day
from units.choices import Role

ROOT = Path(__file__).resolve().parents[2]


class Office:
    def __init__(self):
        self.p = Province()
        self.unit = self.p.snv
        self.clerk = allow_issue_on_another_day(self.p.clerk(self.unit))  # documents dated 5/3/2026
        self.leader = self.p.leader(self.unit)
        self.keeper = self._person("cv.tccb", Role.SPECIALIST, "Lê Thị", "Bình")
        self.other = self._person("cv.kh", Role.SPECIALIST, "Hoàng Văn", "Em")
        self.archivist = self._person("lt.snv", Role.ARCHIVIST, "Phan Thị", "Lưu")
        self.stranger = self.p.clerk(self.p.stc)

    def _person(self, username, role, first, last):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(user=user, unit=self.unit, role=role)
        return user

    def issue(self, subject="Về việc tuyển dụng công chức", pages=1, issued_on=None, **fields):
        from documents.services import attachment_add, document_create, document_issue

        fields.setdefault("doc_type", "CV")
        fields.setdefault("notation_suffix", "TCCB")
        fields.setdefault("signer_name", "Nguyễn Văn A")
        fields.setdefault("signer_position", "Giám đốc")
        doc = document_create(owner_unit=self.unit, acting_user=self.clerk, subject=subject, **fields)
        attachment_add(document=doc, acting_user=self.clerk, upload=make_pdf(pages=pages, text=subject[:20]),
                       name="van-ban.pdf")
        return document_issue(document=doc, acting_user=self.clerk, issued_on=issued_on or datetime.date(2026, 3, 5))

    def receive(self, from_unit=None, subject="Về việc báo cáo biên chế", pages=1, handler=None):
        """A document of another unit delivered to Sở Nội vụ, accepted and assigned to ``handler`` (the keeper)."""
        from documents.models import IncomingRecord
        from documents.services import (
            attachment_add,
            deliver_local_batch,
            document_create,
            document_issue,
            document_send,
            incoming_accept,
            incoming_assign,
        )

        sender = from_unit or self.p.stc
        clerk = allow_issue_on_another_day(self.p.clerk(sender))
        doc = document_create(owner_unit=sender, acting_user=clerk, subject=subject, doc_type="CV",
                              notation_suffix="NS", signer_name="Trần B", signer_position="Giám đốc")
        attachment_add(document=doc, acting_user=clerk, upload=make_pdf(pages=pages, text="incoming"), name="d.pdf")
        doc = document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 2, 1))
        # delivered here, in-process (the worker path is the exchange flow's test)
        dispatches = document_send(document=doc, acting_user=clerk, units=[self.unit])
        deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
        rec = IncomingRecord.objects.get(unit=self.unit, document=doc)
        rec = incoming_accept(incoming=rec, acting_user=self.clerk)
        return incoming_assign(incoming=rec, acting_user=self.leader, main_handler=handler or self.keeper,
                               deadline=timezone.localdate() + datetime.timedelta(days=10))

    def plan(self, year=2026, approve=True):
        from records.services import plan_approve, plan_create, plan_entry_save

        plan = plan_create(unit=self.unit, year=year, acting_user=self.clerk)
        self.entry = plan_entry_save(plan=plan, acting_user=self.clerk, heading="I. Tổ chức cán bộ", number="01",
                                     notation="TCCB", title="Hồ sơ tuyển dụng công chức năm 2026", retention="06",
                                     person_in_charge=self.keeper)
        self.entry2 = plan_entry_save(plan=plan, acting_user=self.clerk, heading="II. Kế hoạch", number="02",
                                      notation="KH", title="Hồ sơ kế hoạch năm", retention="01",
                                      person_in_charge=self.other)
        self.free_entry = plan_entry_save(plan=plan, acting_user=self.clerk, heading="II. Kế hoạch", number="03",
                                          notation="KH", title="Tập lưu văn bản đi", retention="05")
        if approve:
            plan = plan_approve(plan=plan, acting_user=self.leader)
        return plan

    def closed_file(self, docs=2, pages=1):
        from records.services import file_add_document, file_close, file_open

        if not hasattr(self, "entry"):
            self.plan()
        f = file_open(entry=self.entry, acting_user=self.keeper)
        for i in range(docs):
            d = self.issue(subject=f"Văn bản số {i + 1} của hồ sơ", pages=pages,
                           issued_on=datetime.date(2026, 3, 10 - i))
            file_add_document(case_file=f, acting_user=self.keeper, document=d)
        return file_close(case_file=f, acting_user=self.keeper)


@pytest.fixture
def office(db):
    return Office()


@pytest.fixture(autouse=True)
def _english_messages():
    from django.utils import translation

    with translation.override("en"):
        yield


def eark_validate(data: bytes) -> dict:
    """Run the E-ARK Foundation's validator on a package (egov/devtools/eark_check.py)."""
    python = Path(settings.RECORDS_EARK_VALIDATOR_PYTHON)
    if not python.exists():
        pytest.fail(f"eark-validator is not installed at {python}: run `make eark-venv` "
                    "(or set RECORDS_EARK_VALIDATOR_PYTHON)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "package.zip"
        path.write_bytes(data)
        out = subprocess.run([str(python), str(ROOT / "egov" / "devtools" / "eark_check.py"), str(path)],
                             capture_output=True, text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, f"validator gave no report: {out.stdout[-2000:]} {out.stderr[-2000:]}"
    return json.loads(lines[-1])


def today():
    return timezone.localdate()


from tests.signatures.conftest import _fresh_trust_cache, admin_user, trust_store  # noqa: E402,F401 (fixtures)

P12_PASSWORD = "p12-Secret-for-records"


@pytest.fixture
def signing_office(office, trust_store, pki):
    """The office with its organisation key (PKCS#12 in the default storage) and copy permissions."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import override_settings

    from records.services import copy_permission_set
    from signatures.choices import KeySource
    from signatures.models import Certificate, SigningKey
    from signatures.services.trust import certificates_import

    certificates_import(blobs=[("org.pem", pki.organisation.pem)])
    cert = Certificate.objects.get(common_name="Ủy ban nhân dân xã Thử")
    path = default_storage.save("signatures/keys/records-org.p12",
                                ContentFile(pki.organisation.pkcs12(P12_PASSWORD.encode())))
    copy_permission_set(unit=office.unit, user=office.clerk, acting_user=office.leader, may_order=True, may_sign=False)
    copy_permission_set(unit=office.unit, user=office.leader, acting_user=office.leader, may_order=True, may_sign=True)
    with override_settings(SIGNATURES_KEY_SECRETS={"records-org-p12": P12_PASSWORD}):
        SigningKey.objects.create(unit=office.unit, label="P12", source=KeySource.PKCS12, pkcs12_path=path,
                                  certificate=cert, secret_name="records-org-p12")
        yield office
    default_storage.delete(path)


def scan_pdf(*, dpi=200, mode="RGB", pages=1) -> bytes:
    """A scanned A4 page as a PDF: an image of A4 at ``dpi`` in ``mode``."""
    from PIL import Image, ImageDraw

    w, h = round(8.27 * dpi), round(11.69 * dpi)
    images = []
    for i in range(pages):
        img = Image.new(mode, (w, h), "white" if mode != "RGB" else (250, 248, 240))
        ImageDraw.Draw(img).text((100, 100), f"Scan page {i + 1}", fill="black" if mode != "RGB" else (200, 0, 0))
        images.append(img)
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buf.getvalue()
