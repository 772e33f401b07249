"""The emulator's state directory: what a client needs to reach the emulated nodes.

Files (all written atomically):

- ``id_ed25519`` / ``id_ed25519.pub`` — the client key every node authorizes;
- ``known_hosts`` — ``[host]:port ssh-ed25519 …`` per node;
- ``nodes.json`` — ``[{name, ssh_host, ssh_port, address, vgs: {vg: size_kib}}]``;
- ``hostkeys/<node>`` — node host keys, reused by a restarted emulator so that clients
  that pinned them keep trusting the nodes;
- ``ctl.sock`` — the control socket of the running emulator (see ``ctl.py``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import asyncssh

CLIENT_KEY = "id_ed25519"
KNOWN_HOSTS = "known_hosts"
NODES_JSON = "nodes.json"
HOSTKEY_DIR = "hostkeys"
CTL_SOCKET = "ctl.sock"

_NODE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def _atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def check_node_name(name: str) -> None:
    if not _NODE_NAME.match(name):
        raise ValueError(
            f"node name {name!r} is invalid: use letters, digits, '_', '.', '-' "
            "(start with a letter or digit, at most 63 characters)"
        )


class StateDir:
    """Reads and writes the state directory's files."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def ensure(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / HOSTKEY_DIR).mkdir(exist_ok=True)

    @property
    def ctl_socket(self) -> Path:
        return self.path / CTL_SOCKET

    @property
    def client_key_path(self) -> Path:
        return self.path / CLIENT_KEY

    @property
    def known_hosts_path(self) -> Path:
        return self.path / KNOWN_HOSTS

    @property
    def nodes_json_path(self) -> Path:
        return self.path / NODES_JSON

    def client_key(self) -> asyncssh.SSHKey:
        """The client key, generated once and kept."""
        p = self.client_key_path
        if p.exists():
            return asyncssh.read_private_key(str(p))
        key = asyncssh.generate_private_key("ssh-ed25519", comment="drbdeck-emulator")
        _atomic_write(p, key.export_private_key(), 0o600)
        _atomic_write(p.with_name(CLIENT_KEY + ".pub"), key.export_public_key())
        return key

    def host_key(self, node: str) -> asyncssh.SSHKey:
        check_node_name(node)
        p = self.path / HOSTKEY_DIR / node
        if p.exists():
            return asyncssh.read_private_key(str(p))
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"host-{node}")
        _atomic_write(p, key.export_private_key(), 0o600)
        return key

    def write_known_hosts(self, entries: list[tuple[str, int, asyncssh.SSHKey]]) -> None:
        lines = []
        for host, port, key in entries:
            pub = key.export_public_key().decode().strip().split()
            lines.append(f"[{host}]:{port} {pub[0]} {pub[1]}\n")
        _atomic_write(self.known_hosts_path, "".join(lines).encode())

    def write_nodes(self, nodes: list[dict[str, Any]]) -> None:
        _atomic_write(self.nodes_json_path, (json.dumps(nodes, indent=2) + "\n").encode())

    def read_nodes(self) -> list[dict[str, Any]]:
        return json.loads(self.nodes_json_path.read_text())  # type: ignore[no-any-return]
