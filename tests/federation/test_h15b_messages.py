"""
Issue 15, "English": what the federation transports write on a dispatch's timeline and into the
sender's notifications (attempts, a peer's refusal) is stored as a message code with parameters
and read in the reader's language; the peer's own words are shown as written.
"""
from __future__ import annotations

import io
import json

import pytest
from django.utils import translation

from documents.federation.axis.directory import axis_directory_sync
from documents.federation.axis.transport import axis_stream_drain
from documents.models import Dispatch, DispatchEvent
from egov.core.models import Notification
from tests.documents.conftest import make_issued
from tests.federation.test_axis_relay import axis, hub  # noqa: F401 - the fake national axis and our peer
from units.models import Unit


@pytest.mark.django_db
def test_an_axis_refusal_is_read_in_english_by_an_english_reader(province, hub, axis):  # noqa: F811
    from documents.services import document_send

    peer, _system = hub
    axis_directory_sync(peer=peer, source=io.BytesIO(json.dumps(
        {"status": "OK", "ErrorCode": "0", "data": [{"code": "000.00.00.G12", "name": "Bộ Tư pháp"}]}).encode()))
    ministry = Unit.objects.get(code="000.00.00.G12")
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk, subject="Về việc góp ý dự thảo")
    axis.fail_next = [(200, {"status": "FAIL", "ErrorCode": "-1", "ErrorDesc": "Mã đơn vị nhận không tồn tại"})]
    with translation.override("vi"):
        [d] = document_send(document=doc, acting_user=clerk, units=[ministry])
        assert axis_stream_drain(peer_id=peer.pk)["failed"] == 1
    assert Dispatch.objects.get(pk=d.pk).state == "failed"
    n = Notification.objects.get(user=clerk, object_type="dispatch", object_id=d.pk)
    assert n.message_code == "documents.federation.notify.peer_refused"
    refusal = "sendEdoc: -1: Mã đơn vị nhận không tồn tại"  # the axis's own words
    assert n.message_params == {"peer": peer.name, "message": refusal}
    with translation.override("vi"):
        assert n.text == translation.gettext("%(peer)s refused a document: %(message)s") % n.message_params
    assert "refused" not in n.text  # stored in the portal's language
    with translation.override("en"):
        assert n.display_text == f"{peer.name} refused a document: {refusal}"
    attempt = DispatchEvent.objects.get(dispatch=d, code="sending")
    assert (attempt.note_code, attempt.note_params) == ("documents.federation.note.attempt", {"n": 1, "peer": peer.code})
    with translation.override("en"):
        assert attempt.note_display == f"Attempt 1 to {peer.code}"
