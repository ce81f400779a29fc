"""
Several machines (h17): two web hosts and two worker hosts in network namespaces share
PostgreSQL, Redis and S3 over a virtual network; a worker host is killed mid-send; accept on the
other web host; the file is served by both (egov/devtools/management/commands/multihost_check.py).
"""
import json

import pytest

from egov.devtools.netns import unavailable_reason
from tests.conftest import run_manage

pytestmark = [pytest.mark.isolated, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_two_web_hosts_two_worker_hosts():
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"multi-host test skipped: {reason}")
    proc = run_manage("multihost_check", "--json", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-5000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["exactly_once"] and result["dispatches"] == result["incoming_records"] == 452
    assert result["duplicate_arrivals"] == 0
    assert result["worker_host_killed_holding_a_batch"] is True
    assert result["accepted_on_web2_status_at_sender"] == "03"
    assert result["file_served_by"] == {"web1": True, "web2": True}
