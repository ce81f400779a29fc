"""Alerts as notifications (h17): expiring registry certificates, stale CRLs, waiting deliveries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.choices import NotificationKind
from documents.models import Dispatch
from documents.services import document_send
from documents.services.operations import operations_alerts
from egov.core.models import Notification
from tests.factories import MembershipFactory, UserFactory
from units.choices import Role

from .conftest import make_issued

pytestmark = pytest.mark.django_db


def _admin(unit, name):
    user = UserFactory(username=name)
    MembershipFactory(user=user, unit=unit, role=Role.UNIT_ADMIN)
    return user


def test_expiring_certificate_tells_its_unit_admin_and_the_province_admin_once(province, pki):
    from signatures.models import Certificate
    from signatures.services.trust import certificates_import

    province_admin, snv_admin = _admin(province.ubnd, "qt.tinh"), _admin(province.snv, "qt.snv")
    other_admin = _admin(province.stc, "qt.stc")
    certificates_import(blobs=[("person.pem", pki.person.pem)])
    cert = Certificate.objects.get(sha256=pki.person.cert.fingerprint(__import__("cryptography.hazmat.primitives.hashes",
                                                                             fromlist=["SHA256"]).SHA256()).hex())
    Certificate.objects.filter(pk=cert.pk).update(unit=province.snv, not_after=timezone.now() + timedelta(days=10))
    assert operations_alerts() == 2
    told = set(Notification.objects.filter(kind=NotificationKind.CERTIFICATE_EXPIRING).values_list("user_id", flat=True))
    assert told == {province_admin.pk, snv_admin.pk} and other_admin.pk not in told
    assert operations_alerts() == 0  # once per certificate


def test_stale_crl_and_waiting_deliveries_tell_the_province_admin(province, pki):
    from signatures.models import RevocationList
    from signatures.services.trust import crl_add

    admin = _admin(province.ubnd, "qt.tinh")
    crl_add(data=pki.root_crl)
    RevocationList.objects.update(next_update=timezone.now() - timedelta(hours=2))
    clerk = province.clerk(province.ubnd)
    doc = make_issued(province.ubnd, clerk)
    ids = [d.pk for d in document_send(document=doc, acting_user=clerk, units=[province.snv])]
    Dispatch.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(minutes=5))
    operations_alerts()
    kinds = set(Notification.objects.filter(user=admin).values_list("kind", flat=True))
    assert {NotificationKind.CRL_STALE, NotificationKind.DISPATCH_WAITING} <= kinds
    before = Notification.objects.count()
    operations_alerts()
    assert Notification.objects.count() == before  # not again within the hour / for the same next update
