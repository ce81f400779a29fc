"""
Two live portal instances (two databases, two gunicorn servers, two Celery workers on loopback)
exchanging edXML: A sends to a unit hosted by B; B's clerk accepts, the leader assigns, the
handler finishes; A sees 01, 03, 04, 06; a revocation travels and cancels B's record; B's web
server is killed in the middle of a send and restarted → delivered exactly once.
"""
from __future__ import annotations

import os
import time

import pytest
from django.conf import settings

from egov.devtools.portals import PortalInstance, pair_setup_code

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

A_UNIT, B_UNIT = "000.00.02.H99", "000.00.05.H42"

SEND = """
import json, datetime, os
from django.contrib.auth import get_user_model
from units.models import Unit
from documents.models import Document
from documents.services import document_create, attachment_add, document_issue, document_send
clerk = get_user_model().objects.get(username="clerk-{a}")
owner = Unit.objects.get(code="{a}")
related = Document.objects.filter(pk={related}).first()
extra = dict(business_type=1, related_document=related, business_reason="Ban hành sai") if related else {{}}
doc = document_create(owner_unit=owner, acting_user=clerk, subject={subject!r}, doc_type="QĐ",
                      signer_name="Nguyễn Văn A", signer_position="Giám đốc", urgency=1, **extra)
pdf = b"%PDF-1.4\\n" + os.urandom({pdf_bytes}) + b"\\n%%EOF\\n"
attachment_add(document=doc, acting_user=clerk, upload=pdf, name="van-ban.pdf")
from tests.factories import allow_issue_on_another_day
allow_issue_on_another_day(clerk)
doc = document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 3, 5))
[d] = document_send(document=doc, acting_user=clerk, units=[Unit.objects.get(code="{b}")])
print(json.dumps({{"document": doc.pk, "dispatch": d.pk, "document_id": doc.document_id, "state": d.state,
                  "reason": d.state_reason}}))
"""

B_WORKFLOW = """
import json
from django.contrib.auth import get_user_model
from documents.models import IncomingRecord
from documents.services import incoming_accept, incoming_assign, incoming_finish
U = get_user_model()
rec = IncomingRecord.objects.get(document__document_id={document_id!r})
rec = incoming_accept(incoming=rec, acting_user=U.objects.get(username="clerk-{b}"))
rec = incoming_assign(incoming=rec, acting_user=U.objects.get(username="leader-{b}"),
                      main_handler=U.objects.get(username="specialist-{b}"))
rec = incoming_finish(incoming=rec, acting_user=U.objects.get(username="specialist-{b}"), note="Đã xử lý")
print(json.dumps({{"status": rec.status, "number": rec.incoming_number}}))
"""

B_STATE = """
import json
from documents.federation.models import InboundPackage
from documents.models import Document, IncomingRecord
rows = list(IncomingRecord.objects.filter(document__document_id={document_id!r}).values_list("status", flat=True))
doc = Document.objects.filter(document_id={document_id!r}).first()
print(json.dumps({{"records": rows, "fields": doc and [doc.subject, doc.doc_type, doc.number, doc.notation,
                  str(doc.issued_on), doc.signer_name, doc.urgency, doc.business_type,
                  doc.related_document.document_id if doc.related_document_id else None,
                  [(a.original_name, a.size, a.sha256) for a in doc.attachments.all()]],
                  "accepted": InboundPackage.objects.filter(document_id={document_id!r}, kind="document",
                                                            result="accepted").count(),
                  "duplicates": InboundPackage.objects.filter(document_id={document_id!r}, result="duplicate").count()}}))
"""

A_FIELDS = """
import json
from documents.models import Document
doc = Document.objects.get(pk={pk})
print(json.dumps([doc.subject, doc.doc_type, doc.number, doc.notation, str(doc.issued_on), doc.signer_name,
                  doc.urgency, doc.business_type, doc.related_document.document_id if doc.related_document_id else None,
                  [(a.original_name, a.size, a.sha256) for a in doc.attachments.all()]]))
"""


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def pair(tmp_path_factory):
    from egov.devtools.workers import database_url_of_current_connection

    root = settings.VAR_DIR / f"fed-{os.getpid()}"
    base = database_url_of_current_connection()
    a = PortalInstance("a", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL, peer_code="portal-a")
    b = PortalInstance("b", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL, peer_code="portal-b")
    try:
        for inst in (a, b):
            inst.create()
        procs = [a.migrate_async(), b.migrate_async()]
        for p in procs:
            out, _ = p.communicate(timeout=180)
            assert p.returncode == 0, out
        a.python(pair_setup_code.format(local_code=A_UNIT, local_name="Sở Nội vụ tỉnh A", short="SNV",
                                        remote_code=B_UNIT, remote_name="Sở Tài chính tỉnh B", peer_code="portal-b",
                                        peer_url=b.base_url, inbound="secret-b-to-a", outbound="secret-a-to-b",
                                        remote_code_at_peer="portal-a"))
        b.python(pair_setup_code.format(local_code=B_UNIT, local_name="Sở Tài chính tỉnh B", short="STC",
                                        remote_code=A_UNIT, remote_name="Sở Nội vụ tỉnh A", peer_code="portal-a",
                                        peer_url=a.base_url, inbound="secret-a-to-b", outbound="secret-b-to-a",
                                        remote_code_at_peer="portal-b"))
        for inst in (a, b):
            inst.start_web()
            inst.start_worker()
        yield a, b
    finally:
        a.destroy()
        b.destroy()


def a_statuses(a, dispatch_pk):
    return [row[0] for row in a.query("SELECT code FROM documents_dispatchevent WHERE dispatch_id = ? AND kind = "
                                      "'business' ORDER BY id", (dispatch_pk,))]


def test_two_live_portals_exchange_documents_statuses_and_a_revocation(pair):
    a, b = pair
    sent = a.python(SEND.format(a=A_UNIT, b=B_UNIT, related=0, subject="Về việc liên thông hai tỉnh", pdf_bytes=2048))
    assert sent["state"] == "pending" and sent["reason"] == ""  # carried by the peer stream, not "no transport yet"
    state = lambda: a.query("SELECT state FROM documents_dispatch WHERE id = ?", (sent["dispatch"],))[0][0]  # noqa: E731
    wait_for(lambda: state() == "delivered", 60, "A's dispatch delivered")
    wait_for(lambda: "01" in a_statuses(a, sent["dispatch"]), 60, "status 01 back at A")
    got = b.python(B_STATE.format(document_id=sent["document_id"]))
    assert got["records"] == ["arrived"] and got["accepted"] == 1
    assert got["fields"] == a.python(A_FIELDS.format(pk=sent["document"]))  # same fields and files on B

    done = b.python(B_WORKFLOW.format(document_id=sent["document_id"], b=B_UNIT))
    assert done["status"] == "done"
    wait_for(lambda: a_statuses(a, sent["dispatch"])[-1:] == ["06"], 60, "status 06 at A")
    assert a_statuses(a, sent["dispatch"]) == ["01", "03", "04", "06"]
    assert a.query("SELECT status_code FROM documents_dispatch WHERE id = ?", (sent["dispatch"],)) == [("06",)]

    # A revocation travels and cancels B's record of the first document.
    revoke = a.python(SEND.format(a=A_UNIT, b=B_UNIT, related=sent["document"], subject="Thu hồi văn bản",
                                  pdf_bytes=1024))
    wait_for(lambda: b.python(B_STATE.format(document_id=sent["document_id"]))["records"] == ["cancelled"], 60,
             "B's record cancelled by the revocation")
    got = b.python(B_STATE.format(document_id=revoke["document_id"]))
    assert got["fields"][7] == 1 and got["fields"][8] == sent["document_id"]

    # Kill B's web server in the middle of a send (a 20 MB file keeps the POST busy), restart it:
    # delivered exactly once (the retry keeps the consignment id; B answers "duplicate" if it had stored it).
    big = a.python(SEND.format(a=A_UNIT, b=B_UNIT, related=0, subject="Văn bản lớn", pdf_bytes=20 * 2**20),
                   timeout=180)
    big_state = lambda: a.query("SELECT state FROM documents_dispatch WHERE id = ?", (big["dispatch"],))[0][0]  # noqa
    wait_for(lambda: big_state() != "pending", 60, "the big send to start", interval=0.01)
    b.kill_web()
    wait_for(lambda: big_state() in ("retrying", "delivered"), 60, "A to notice B is down")
    b.start_web()
    wait_for(lambda: big_state() == "delivered", 90, "delivery after B restarts")
    wait_for(lambda: b.python(B_STATE.format(document_id=big["document_id"]))["records"] == ["arrived"], 30,
             "B's record of the big document")
    got = b.python(B_STATE.format(document_id=big["document_id"]))
    assert got["records"] == ["arrived"] and got["accepted"] == 1
    consignments = a.query("SELECT consignment_id FROM documents_dispatch WHERE id = ?", (big["dispatch"],))
    assert len(consignments) == 1
    attempts = a.query("SELECT COUNT(*) FROM documents_dispatchevent WHERE dispatch_id = ? AND code = 'sending'",
                       (big["dispatch"],))[0][0]
    assert attempts >= 1
