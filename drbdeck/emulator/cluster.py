"""A set of emulated nodes sharing one simulated DRBD network, plus their state dir.

The controller under test reaches the nodes only through SSH (ports and keys published in
the state dir); tests and ``drbdeck emulator ctl`` inject faults through this object.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from drbdeck.emulator.drbd_glue import network_class
from drbdeck.emulator.node import EmulatedNode, NodeStateError
from drbdeck.emulator.statedir import StateDir, check_node_name

log = logging.getLogger(__name__)

GIB_KIB = 1024 * 1024
DEFAULT_VGS = {"vg0": 100 * GIB_KIB}
DEFAULT_THIN_POOL_KIB = 50 * GIB_KIB
DEFAULT_SYNC_RATE_KIB = 102400


def replication_address(index: int) -> str:
    """Node i's DRBD address: only a string in .res files and the simulated network map."""
    return f"10.99.{index // 250}.{index % 250 + 1}"


class Cluster:
    """Nodes by name, the shared network, and fault injection."""

    def __init__(self, state_dir: StateDir, host: str, network: Any) -> None:
        self.state_dir = state_dir
        self.host = host
        self.network = network
        self.nodes: dict[str, EmulatedNode] = {}

    @classmethod
    async def start(
        cls,
        names: list[str],
        state_dir: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port_base: int = 0,
        vgs: dict[str, int] | None = None,
        sync_rate_kib: int = DEFAULT_SYNC_RATE_KIB,
        thin_pool_kib: int = DEFAULT_THIN_POOL_KIB,
    ) -> Cluster:
        """Create and start the nodes; ``port_base`` 0 picks free ports.

        ``vgs`` maps VG name → size in KiB (default ``vg0`` of 100 GiB); ``vg0`` gets a
        thin pool ``thin0`` of ``thin_pool_kib`` (0: none).
        """
        if not names:
            raise ValueError("names: at least one node name is required")
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"names: duplicate node name(s): {', '.join(dup)}")
        for n in names:
            check_node_name(n)
        if sync_rate_kib <= 0:
            raise ValueError(f"sync_rate_kib: must be > 0, got {sync_rate_kib}")
        if port_base and not 1 <= port_base <= 65535 - len(names) + 1:
            raise ValueError(f"port_base: {port_base} leaves no room for {len(names)} ports")
        sd = StateDir(state_dir)
        sd.ensure()
        network = network_class()(default_rate_kib_s=sync_rate_kib)
        self = cls(sd, host, network)
        client_key = sd.client_key()
        authorized = client_key.export_public_key().decode()
        vg_sizes = dict(DEFAULT_VGS if vgs is None else vgs)
        for i, name in enumerate(names):
            node = EmulatedNode(
                name, replication_address(i), host=host,
                port=port_base + i if port_base else 0,
                host_key=sd.host_key(name), authorized_keys=authorized, cluster=self,
            )
            for vg_name, size_kib in vg_sizes.items():
                node.lvm.add_vg(vg_name, size_kib * 1024)
            if "vg0" in vg_sizes and thin_pool_kib > 0:
                vg = node.lvm.vgs["vg0"]
                pool_bytes = min(thin_pool_kib * 1024, vg.size_bytes // 2)
                node.lvm.create_pool("vg0", "thin0", pool_bytes)
            self.nodes[name] = node
        try:
            await asyncio.gather(*(n.start() for n in self.nodes.values()))
        except BaseException:
            await self.stop()
            raise
        self.write_state()
        return self

    def write_state(self) -> None:
        """(Re)write known_hosts and nodes.json from the nodes' current ports."""
        sd = self.state_dir
        sd.write_known_hosts([(n.host, n.port, n.host_key) for n in self.nodes.values()])
        sd.write_nodes([
            {
                "name": n.name,
                "ssh_host": n.host,
                "ssh_port": n.port,
                "address": n.address,
                "vgs": {vg.name: vg.size_bytes // 1024 for vg in n.lvm.vgs.values()},
            }
            for n in self.nodes.values()
        ])

    def node(self, name: str) -> EmulatedNode:
        try:
            return self.nodes[name]
        except KeyError:
            known = ", ".join(self.nodes)
            raise NodeStateError(f"unknown node {name!r} (known: {known})") from None

    async def stop(self) -> None:
        """Stop every running node and the network ticker."""
        await asyncio.gather(*(n.stop() for n in self.nodes.values() if n.running),
                             return_exceptions=True)
        close = getattr(self.network, "close", None)
        if close is not None:
            await close()

    # -- hand-made resources (adoption tests; see emulator/handmade.py) -------------------
    def install_handmade(self, spec: Any = None) -> Any:
        """Install a running hand-made DRBD resource (default: the migration post's)."""
        from drbdeck.emulator.handmade import install

        return install(self, spec)

    def resource_facts(self, name: str, spec: Any = None) -> Any:
        """Drops, resyncs, create-md calls, data versions and UUIDs of resource ``name``."""
        from drbdeck.emulator.handmade import resource_facts

        return resource_facts(self, name, spec)

    # -- faults ----------------------------------------------------------------------------
    def _net(self) -> Any:
        if self.network is None:
            raise NodeStateError("the DRBD network emulation is not available")
        return self.network

    def _pair(self, a: str, b: str) -> None:
        self.node(a)
        self.node(b)
        if a == b:
            raise NodeStateError(f"a link needs two different nodes, got {a!r} twice")

    def cut_link(self, a: str, b: str) -> None:
        self._pair(a, b)
        self._net().cut(a, b)

    def restore_link(self, a: str, b: str) -> None:
        self._pair(a, b)
        self._net().restore(a, b)

    def slow_link(self, a: str, b: str, kib_s: int) -> None:
        self._pair(a, b)
        if kib_s <= 0:
            raise NodeStateError(f"rate must be > 0 KiB/s, got {kib_s}")
        self._net().set_rate(a, b, kib_s)
