"""
Moving models between apps keeps the data: a database that holds audit rows, notifications and
federation rows under the old layout (documents 0006, egov 0003) is migrated forward and every
row is read back through the models' new homes (egov.core, documents.federation); the peer
secrets stored in clear text then are encrypted on the way.
"""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("documents", "0006_incoming_search_trigram"), ("egov", "0003_api_clients_webhooks")]


def _executor():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_moving_audit_notifications_and_federation_keeps_existing_rows(django_user_model):
    executor = _executor()
    executor.migrate(BEFORE)
    old = _executor().loader.project_state(BEFORE).apps
    Unit = old.get_model("units", "Unit")
    unit = Unit.objects.create(code="000.00.02.H98", name="Sở Thử", short_name="ST", kind="department",
                               path="x/", is_local=True)
    user = old.get_model("auth", "User").objects.create(username="before-migration")
    old.get_model("documents", "AuditEvent").objects.create(verb="document.created", object_type="documents.document",
                                                            object_id="7", unit_id=unit.pk, actor_id=user.pk,
                                                            details={"subject": "trước"})
    old.get_model("documents", "Notification").objects.create(user_id=user.pk, unit_id=unit.pk,
                                                              kind="incoming.arrived", text="Văn bản đến mới")
    peer = old.get_model("documents", "Peer").objects.create(code="peer-old", name="Cổng cũ",
                                                             inbound_secret="s1", outbound_secret="s2")
    old.get_model("documents", "InboundPackage").objects.create(peer_id=peer.pk, consignment_id="c-old",
                                                                result="accepted", code="accepted")

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from documents.federation.models import InboundPackage, Peer
    from egov.core.models import AuditEvent, Notification

    audit = AuditEvent.objects.get(object_id="7")
    assert (audit.verb, audit.unit_id, audit.actor_id, audit.details) == ("document.created", unit.pk, user.pk,
                                                                          {"subject": "trước"})
    note = Notification.objects.get(user_id=user.pk)
    assert note.text == "Văn bản đến mới" and note.unit_id == unit.pk
    moved = Peer.objects.get(code="peer-old")
    assert (moved.name, moved.inbound_secret, moved.outbound_secret) == ("Cổng cũ", "s1", "s2")
    with connection.cursor() as cursor:  # the clear-text secrets of before were encrypted in place
        cursor.execute("SELECT inbound_secret FROM documents_peer WHERE id = %s", [moved.pk])
        assert cursor.fetchone()[0].startswith("fernet:")
    assert InboundPackage.objects.get(consignment_id="c-old").peer_id == moved.pk
    # The tables kept their names: the rows were never copied.
    tables = connection.introspection.table_names()
    assert {"documents_auditevent", "documents_notification", "documents_peer", "documents_inboundpackage"} <= set(
        tables)
