"""Finding 7: assignment errors do not reveal another unit's people, nor whether a user id exists."""
import re

import pytest

from documents.api.serializers import AssignInput
from documents.models import IncomingRecord
from documents.services import document_send, incoming_accept, incoming_assign
from egov.core.errors import InvalidInput
from tests.api.conftest import deliver_pending
from tests.documents.conftest import make_issued

pytestmark = pytest.mark.django_db


def test_a_stranger_and_a_missing_id_get_the_same_generic_answer(province):
    stranger = province.clerk(province.snv)
    stranger.first_name, stranger.last_name = "Nguyễn", "Bí Mật"
    stranger.save()
    doc = make_issued(province.snv, stranger)
    document_send(document=doc, acting_user=stranger, units=[province.stc])
    deliver_pending()
    rec = incoming_accept(incoming=IncomingRecord.objects.get(unit=province.stc),
                          acting_user=province.clerk(province.stc))
    with pytest.raises(InvalidInput) as err:
        incoming_assign(incoming=rec, acting_user=province.leader(province.stc), main_handler=stranger)
    assert "Bí Mật" not in err.value.message and stranger.username not in err.value.message
    missing = AssignInput(data={"main_handler": 987654})
    assert not missing.is_valid()
    assert [str(m) for m in missing.errors["main_handler"]] == [err.value.message]


def test_new_incoming_notification_links_to_the_recipients_record(province, client):
    from django.urls import reverse

    sender, recipient = province.clerk(province.snv), province.clerk(province.stc)
    document_send(document=make_issued(province.snv, sender), acting_user=sender, units=[province.stc])
    deliver_pending()
    rec = IncomingRecord.objects.get(unit=province.stc)
    client.force_login(recipient)
    html = client.get(reverse("documents:notifications")).content.decode()
    # Each notification is opened through its "open" link (marks it read, then redirects to its page).
    links = re.findall(r'href="(/notifications/\d+/open)"', html)
    assert links, html
    landings = {client.get(link)["Location"] for link in links}
    assert reverse("documents:incoming_detail", args=[rec.pk]) in landings
    assert reverse("documents:outgoing_detail", args=[rec.document_id]) not in landings
