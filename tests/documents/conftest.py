"""Fixtures for the documents tests: a small province with staff, and helpers to issue documents."""
from __future__ import annotations

import datetime

import pytest

from tests.factories import allow_issue_on_another_day

from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import Role, UnitKind

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Province:
    """Units and staff of a test province (code H99), built once per test."""

    def __init__(self):
        self.ubnd = UnitFactory(code="000.00.00.H99", name="Ủy ban nhân dân tỉnh Thử", short_name="UBND",
                                kind=UnitKind.PROVINCE_COMMITTEE)
        self.snv = UnitFactory(code="000.00.02.H99", name="Sở Nội vụ", short_name="SNV", kind=UnitKind.DEPARTMENT,
                               parent=self.ubnd)
        self.stc = UnitFactory(code="000.00.05.H99", name="Sở Tài chính", short_name="STC", kind=UnitKind.DEPARTMENT,
                               parent=self.ubnd)
        self.district = UnitFactory(code="000.00.31.H99", name="Ủy ban nhân dân huyện Thử",
                                    kind=UnitKind.DISTRICT_COMMITTEE, parent=self.ubnd)
        self.communes = [UnitFactory(code=f"000.{i:02d}.31.H99", name=f"Ủy ban nhân dân xã Thử {i}",
                                     parent=self.district) for i in range(1, 4)]
        self.remote = UnitFactory(code="000.00.00.H42", name="Ủy ban nhân dân tỉnh Bên", short_name="UBND",
                                  kind=UnitKind.PROVINCE_COMMITTEE, is_local=False, peer_ref="peer-h42")
        self._users = {}

    def user(self, unit, role):
        key = (unit.pk, role)
        if key not in self._users:
            user = UserFactory(username=f"{unit.code}-{role}", first_name=str(role), email=f"{role}{unit.pk}@ex.vn")
            MembershipFactory(user=user, unit=unit, role=role)
            self._users[key] = user
        return self._users[key]

    def clerk(self, unit):
        return self.user(unit, Role.CLERK)

    def leader(self, unit):
        return self.user(unit, Role.LEADER)

    def specialist(self, unit):
        return self.user(unit, Role.SPECIALIST)


@pytest.fixture
def province(db):
    return Province()


def make_issued(province_or_unit, clerk, *, subject="Về việc thử nghiệm liên thông", issued_on=None, **fields):
    """A document of the clerk's unit with a PDF main file, issued (numbered)."""
    from documents.services import attachment_add, document_create, document_issue

    unit = province_or_unit
    fields.setdefault("doc_type", "CV")
    if fields["doc_type"] == "CV":
        fields.setdefault("notation_suffix", "VP")
    fields.setdefault("signer_name", "Nguyễn Văn A")
    fields.setdefault("signer_position", "Giám đốc")
    doc = document_create(owner_unit=unit, acting_user=clerk, subject=subject, **fields)
    attachment_add(document=doc, acting_user=clerk, upload=PDF, name="van-ban.pdf")
    allow_issue_on_another_day(clerk)
    return document_issue(document=doc, acting_user=clerk, issued_on=issued_on or datetime.date(2026, 3, 5))


@pytest.fixture
def issued():
    return make_issued
