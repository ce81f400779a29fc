"""Issue 15, bug 14: `make run` says where the portal is only once /healthz is green, and prints the logins last."""
from __future__ import annotations

import http.server
import io
import subprocess
import sys
import threading

import pytest

from egov.core.management.commands.runportal import Command


class _Health(http.server.BaseHTTPRequestHandler):
    status = 503

    def do_GET(self):  # noqa: N802
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = http.server.HTTPServer(("127.0.0.1", 8159), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_waits_for_a_green_health_check(health_server):
    alive = {"web": subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])}
    try:
        cmd = Command(stdout=io.StringIO())
        _Health.status = 503
        assert cmd._wait_healthy("http://127.0.0.1:8159/healthz", alive, timeout=1.5) is False
        _Health.status = 200
        assert cmd._wait_healthy("http://127.0.0.1:8159/healthz", alive, timeout=5) is True
    finally:
        alive["web"].kill()
        alive["web"].wait()


def test_a_dead_child_stops_the_wait():
    dead = {"web": subprocess.Popen([sys.executable, "-c", "pass"])}
    dead["web"].wait()
    assert Command(stdout=io.StringIO())._wait_healthy("http://127.0.0.1:8158/healthz", dead, timeout=30) is False


def test_readme_names_the_ward():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "two new communes" not in text and "phường Trường Vinh" in text
