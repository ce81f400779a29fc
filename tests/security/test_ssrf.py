"""Finding 3: outbound requests refuse private, loopback, link-local and metadata destinations."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from egov.core.http import DestinationRefused, address_refused, http_check_url, http_request


@pytest.fixture
def listener():
    """A loopback HTTP server counting the requests that reach it."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(302 if self.path == "/redirect" else 200)
            if self.path == "/redirect":
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, hits
    server.shutdown()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1",
                                     "224.0.0.1", "fd00:ec2::254"])
@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_private_addresses_are_refused(address):
    assert address_refused(address)


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_public_address_is_not_refused():
    assert not address_refused("8.8.8.8") and not address_refused("2001:4860:4860::8888")


@override_settings(OUTBOUND_ALLOWED_NETWORKS=["10.20.0.0/16"])
def test_allow_list_opens_a_network_only():
    assert not address_refused("10.20.3.4") and address_refused("10.21.3.4")


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_receiver_is_never_contacted(listener, host):
    port, hits = listener
    with pytest.raises(DestinationRefused):
        http_request("GET", f"http://{host}:{port}/scan", timeout=2)
    assert hits == []  # refused before connecting: nothing to read back about the port


def test_allowed_loopback_works_and_redirects_to_metadata_are_refused(listener):
    port, hits = listener
    assert http_request("GET", f"http://127.0.0.1:{port}/ok", timeout=2).status_code == 200
    with pytest.raises(DestinationRefused):  # the followed hop goes through the guard too
        http_request("GET", f"http://127.0.0.1:{port}/redirect", timeout=2, allow_redirects=True)
    assert http_request("GET", f"http://127.0.0.1:{port}/redirect", timeout=2).status_code == 302  # not followed


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_check_url_refuses_at_registration():
    with pytest.raises(ValueError):
        http_check_url("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValueError):
        http_check_url("gopher://example.org/")


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_webhook_to_loopback_is_refused_at_registration_and_delivery(listener):
    from egov.core.api.models import WebhookAttempt, WebhookDelivery
    from egov.core.api.webhooks import webhook_create, webhook_deliver
    from egov.core.errors import InvalidInput
    from tests.factories import UnitFactory
    from units.api_clients import api_client_create

    port, hits = listener
    client, _token = api_client_create(name="Scanner", unit=UnitFactory(), scopes=["webhooks:manage"],
                                       rate_limit_per_minute=0)
    with pytest.raises(InvalidInput):
        webhook_create(client=client, url=f"http://127.0.0.1:{port}/hook")
    # A hook saved while the address was allowed (or a DNS name that changed) is refused on delivery.
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        hook = webhook_create(client=client, url=f"http://localhost:{port}/hook")
    delivery = WebhookDelivery.objects.create(webhook=hook, event="document.received", event_key="k1", payload={})
    webhook_deliver(delivery_id=delivery.pk)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and attempt.error.startswith("DestinationRefused")
    assert hits == []


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOWED_NETWORKS=[], SIGNATURES_NETWORK_FETCH=True)
def test_crl_download_to_private_address_is_refused(listener):
    from signatures.services.crl_fetch import crls_refresh

    port, hits = listener
    report = crls_refresh(urls=[f"http://127.0.0.1:{port}/ca.crl"])
    assert report["fetched"] == 0 and "refused" in report["errors"][0]
    assert hits == []


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_peer_base_url_on_private_address_is_refused(listener):
    from documents.federation import outbound
    from documents.federation.models import Peer

    port, hits = listener
    peer = Peer.objects.create(code="PEER-X", name="X", base_url=f"http://127.0.0.1:{port}", outbound_secret="s")
    with pytest.raises(outbound._Transient, match="refused"):
        outbound._post(peer, b"<x/>", size=4, sha256="0" * 64, consignment="c1")
    assert hits == []
