"""
Virtual hosts for the multi-host test (h17): Linux network namespaces joined by veth pairs to a
bridge in the root namespace. Only our own names (``h17-*``) and our own subnet; needs root and
``ip``. The root namespace holds the shared servers (PostgreSQL, Redis, S3) at the bridge address.
"""
from __future__ import annotations

import os
import shutil
import subprocess

PREFIX = "h17"
BRIDGE = f"{PREFIX}-br0"
SUBNET = "10.17.0"
GATEWAY = f"{SUBNET}.1"


def unavailable_reason() -> str:
    """Why the namespaces cannot be made here ("" when they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    return ""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


class VirtualNetwork:
    def __init__(self, hosts: list[str]):
        self.hosts = {name: f"{SUBNET}.{i + 2}" for i, name in enumerate(hosts)}

    def ns(self, host: str) -> str:
        return f"{PREFIX}-{host}"

    def up(self) -> "VirtualNetwork":
        self.down()
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{GATEWAY}/16", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for host, addr in self.hosts.items():
            ns, outer, inner = self.ns(host), f"{PREFIX}-{host}-a", f"{PREFIX}-{host}-b"
            _ip("netns", "add", ns)
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", outer, "master", BRIDGE)
            _ip("link", "set", outer, "up")
            _ip("link", "set", inner, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{addr}/16", "dev", inner)
            _ip("-n", ns, "link", "set", inner, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        return self

    def down(self) -> None:
        for host in self.hosts:
            _ip("netns", "del", self.ns(host), check=False)
            _ip("link", "del", f"{PREFIX}-{host}-a", check=False)
        _ip("link", "del", BRIDGE, check=False)

    def prefix(self, host: str) -> list[str]:
        """The command prefix that runs a program on ``host``."""
        return ["ip", "netns", "exec", self.ns(host)]
