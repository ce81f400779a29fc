"""Two directory syncs of the same axis peer at once are serialised (advisory lock per peer)."""
import json
import threading
import time

import pytest
from django.db import connection, connections


@pytest.mark.django_db(transaction=True)
def test_concurrent_directory_syncs_of_one_peer_are_serialised():
    from documents.federation.axis.directory import axis_directory_sync
    from documents.federation.models import Peer
    from units.models import Unit

    peer = Peer.objects.create(code="truc", name="Trục", protocol="axis", base_url="http://127.0.0.1:9/vxp")
    entries = [{"code": "000.00.00.G01", "name": "Bộ Một"}] + [
        {"code": f"000.00.{i:02d}.G01", "name": f"Cục {i}", "parentCode": "000.00.00.G01"} for i in range(1, 30)]
    body = json.dumps({"status": "OK", "ErrorCode": "0", "data": entries}).encode()
    go = threading.Event()

    class HeldStream:
        """An answer read in two halves: after the first, it waits until both syncs are under way,
        so that without serialisation both write the same new units at once."""
        def __init__(self):
            self.parts, self.reading = [body[:20], body[20:]], threading.Event()

        def read(self, n=-1):
            if not self.parts:
                return b""
            if len(self.parts) == 1:
                self.reading.set()
                go.wait(60)
            return self.parts.pop(0)

    results, errors = {}, {}

    def run(name, source):
        try:
            results[name] = axis_directory_sync(peer=peer, source=source)
        except Exception as exc:  # the failure we guard against: IntegrityError on the unit code
            errors[name] = exc
        finally:
            connections.close_all()

    stream_a, stream_b = HeldStream(), HeldStream()
    first = threading.Thread(target=run, args=("a", stream_a))
    first.start()
    assert stream_a.reading.wait(60)
    second = threading.Thread(target=run, args=("b", stream_b))
    second.start()
    # let both go on once the second sync either waits on the advisory lock or reads its answer too
    waited = False
    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND wait_event = 'advisory' AND datname = current_database()")
            waited = cursor.fetchone()[0] > 0
        if waited or stream_b.reading.is_set():
            break
        time.sleep(0.05)
    go.set()
    first.join(120)
    second.join(120)
    assert not errors, errors
    assert waited, "the second sync did not wait for the first"
    assert results["a"]["created"] == 30 and results["b"]["created"] == 0 and results["b"]["unchanged"] == 30
    assert Unit.objects.filter(peer_ref="truc").count() == 30
