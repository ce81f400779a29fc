"""Secrets at rest (egov.core.crypto): encrypted in the table, clear text in Python, keys rotated."""
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from egov.core import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings):
    def use(*ks):
        settings.FIELD_ENCRYPTION_KEYS = list(ks)
        crypto.reset_keys()

    yield use
    crypto.reset_keys()


def _stored(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_peer_secrets_are_encrypted_in_the_table_and_clear_in_python(keys):
    from documents.federation.models import Peer

    keys(Fernet.generate_key().decode())
    peer = Peer.objects.create(code="p1", name="P", inbound_secret="in-secret", outbound_secret="out-secret")
    raw = _stored("documents_peer", "inbound_secret", peer.pk)
    assert raw.startswith("fernet:") and "in-secret" not in raw
    again = Peer.objects.get(pk=peer.pk)
    assert (again.inbound_secret, again.outbound_secret) == ("in-secret", "out-secret")


def test_rotation_re_encrypts_with_the_new_key_and_old_keys_can_go(keys, capsys):
    from documents.federation.models import Peer

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    peer = Peer.objects.create(code="p2", name="P", inbound_secret="s3cret")
    before = _stored("documents_peer", "inbound_secret", peer.pk)
    keys(new, old)  # the new key first; the old one still decrypts
    assert Peer.objects.get(pk=peer.pk).inbound_secret == "s3cret"
    call_command("secrets_rotate")
    assert "federation.Peer" in capsys.readouterr().out
    after = _stored("documents_peer", "inbound_secret", peer.pk)
    assert after != before
    keys(new)  # the old key is gone: still readable
    assert Peer.objects.get(pk=peer.pk).inbound_secret == "s3cret"
    keys(old)  # only the retired key: refused loudly, never returned as if it were the secret
    with pytest.raises(ImproperlyConfigured):
        Peer.objects.get(pk=peer.pk)


def test_webhook_secret_is_encrypted(keys, django_user_model):
    from egov.core.api.models import Webhook
    from tests.documents.conftest import Province
    from units.api_clients import api_client_create

    keys()  # the key derived from DJANGO_SECRET_KEY
    province = Province()
    client, _token = api_client_create(name="hooks", unit=province.snv, scopes=["webhooks:manage"])
    hook = Webhook.objects.create(client=client, url="https://example.vn/h", events=[], secret="abc123")
    assert _stored("egov_webhook", "secret", hook.pk).startswith("fernet:")
    assert Webhook.objects.get(pk=hook.pk).secret == "abc123"
