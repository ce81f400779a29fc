"""
A department (Sở Nội vụ of the test province) set up for drafting: divisions (the office and
Phòng Tổ chức cán bộ), a drafter, a division head, the office's reviewer, the director and a
deputy, the clerk, two colleagues, the trust store of the offline PKI, the director's personal
certificate in a SoftHSM2 token (PKCS#11 method), signature and seal images, and the
organisation key in the same SoftHSM2.
"""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from egov.devtools.drafts import make_draft_pdf, seal_png, signature_png
from tests.documents.conftest import Province
from tests.factories import MembershipFactory, UserFactory
from tests.signatures.conftest import _fresh_trust_cache, admin_user, trust_store  # noqa: F401 (fixtures)
from units.choices import Role

PERSON_PIN = "112233"


class Office:
    """The people and objects of the drafting department."""

    def __init__(self, province: Province, pki):
        from units.services import division_create, division_member_set

        self.p = province
        self.unit = province.snv
        u = self.unit
        self.vp = division_create(unit=u, name="Văn phòng", short_name="VP", is_office=True)
        self.tccb = division_create(unit=u, name="Phòng Tổ chức cán bộ", short_name="TCCB", position=1)
        self.kh = division_create(unit=u, name="Phòng Kế hoạch", short_name="KH", position=2)

        def person(username, role, first, last, division=None, head=False, position=""):
            user = UserFactory(username=username, first_name=first, last_name=last)
            MembershipFactory(user=user, unit=u, role=role, position=position)
            if division is not None:
                division_member_set(unit=u, user=user, division=division, is_head=head)
            return user

        self.drafter = person("cv.tccb", Role.SPECIALIST, "Lê Thị", "Bình", self.tccb)
        self.head = person("tp.tccb", Role.SPECIALIST, "Trần Văn", "Cường", self.tccb, head=True,
                           position="Trưởng phòng")
        self.colleague1 = person("cv2.tccb", Role.SPECIALIST, "Phạm Thị", "Dung", self.tccb)
        self.colleague2 = person("cv.kh", Role.SPECIALIST, "Hoàng Văn", "Em", self.kh)
        self.office = person("cv.vp", Role.SPECIALIST, "Võ Thị", "Giang", self.vp, position="Chánh Văn phòng")
        self.clerk = person("vt.snv", Role.CLERK, "Đỗ Thị", "Hoa", self.vp)
        self.director = person("gd.snv", Role.LEADER, "Nguyễn Văn", "An", position="Giám đốc")
        self.deputy = person("pgd.snv", Role.LEADER, "Bùi Văn", "Khoa", position="Phó Giám đốc")
        self.admin = person("qt.snv", Role.UNIT_ADMIN, "Quản", "Trị")
        self.pki = pki

    def pdf(self, body="Nội dung dự thảo lần 1.", **kw):
        kw.setdefault("signer_name", "Nguyễn Văn An")
        return make_draft_pdf(body=body, **kw)

    def deadline(self, days=5) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def office(db, pki):
    return Office(Province(), pki)


@pytest.fixture
def signing_ready(office, trust_store, softhsm, pki):
    """The director signs with the SoftHSM token (PIN at signing); the unit seals with its SoftHSM key."""
    from signatures.choices import CertificateBinding, KeySource
    from signatures.models import Certificate, SigningKey
    from signatures.services.personal import signature_image_upload, signing_method_set
    from signatures.services.trust import certificate_bind, certificates_import
    from django.test import override_settings

    certificates_import(blobs=[("person.pem", pki.person.pem), ("org.pem", pki.organisation.pem)])
    person = Certificate.objects.get(common_name="Nguyễn Văn An")
    org = Certificate.objects.get(common_name="Ủy ban nhân dân xã Thử")
    person = certificate_bind(certificate=person, binding=CertificateBinding.PERSONAL, user=office.director)
    certificate_bind(certificate=org, binding=CertificateBinding.ORGANISATION, unit=office.unit)
    token = softhsm.tokens["egov-person"]
    office.method = signing_method_set(user=office.director, kind="pkcs11", acting_user=office.director,
                                       certificate=person, pkcs11_module=token["module"], token_label="egov-person",
                                       key_label="person")
    signature_image_upload(unit=office.unit, kind="signature", content=signature_png(), acting_user=office.admin,
                           user=office.director)
    signature_image_upload(unit=office.unit, kind="seal", content=seal_png(), acting_user=office.admin)
    with override_settings(SIGNATURES_KEY_SECRETS={"test-org-pin": "246810"}):
        SigningKey.objects.create(unit=office.unit, label="HSM", source=KeySource.PKCS11,
                                  pkcs11_module=softhsm.module, token_label="egov-test", key_label="orgkey",
                                  certificate=org, secret_name="test-org-pin")
        yield office


@pytest.fixture(autouse=True)
def _english_messages():
    """The services' refusals are matched by their English msgids here (the UI shows them in Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
