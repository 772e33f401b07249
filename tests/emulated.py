"""A running emulated cluster reached through the node layer, for integration tests.

Emulated nodes (in this process), a LinkPool using the emulator's state-dir key and
known_hosts, and one events2 ``DrbdState`` per node: what a controller would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import SshConfig
from drbdeck.emulator.cluster import Cluster


class World:
    def __init__(self, cluster: Cluster, pool: LinkPool, nodes: dict[str, dict]) -> None:
        self.cluster, self.pool, self.nodes = cluster, pool, nodes
        self.states = {n: DrbdState(node=n) for n in nodes}
        self.streams = [pool.get(n).watch_events2(self.states[n]) for n in nodes]

    def disk(self, node: str, rsc: str, vol: int = 0) -> str | None:
        r = self.states[node].resources.get(rsc)
        d = r.devices.get(vol) if r is not None else None
        return d.disk if d is not None else None

    async def wait(self, what: str, pred: Callable[[], bool], timeout: float = 20.0,
                   detail: Callable[[], str] | None = None) -> None:
        """Wait until ``pred`` holds, re-checking whenever any node's state changes (and
        every 0.5 s, for predicates that read link status too)."""
        changed = asyncio.Event()

        def poke(_r: str | None) -> None:
            changed.set()

        for s in self.states.values():
            s.add_listener(poke)
        try:
            async with asyncio.timeout(timeout):
                while not pred():
                    changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 0.5)
        except TimeoutError:
            pytest.fail(f"timed out waiting for {what}" + (f": {detail()}" if detail else ""))
        finally:
            for s in self.states.values():
                s.remove_listener(poke)


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, names: list[str],
                        sync_rate_kib: int = 256 * 1024,
                        command_timeout: float = 60.0) -> AsyncIterator[World]:
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(names, state_dir, sync_rate_kib=sync_rate_kib)
    nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
    cfg = SshConfig(identity_file=str(state_dir / "id_ed25519"),
                    known_hosts=str(state_dir / "known_hosts"),
                    reconnect_min=0.05, reconnect_max=0.3, command_timeout=command_timeout)
    pool = LinkPool(cfg)
    for n in nodes.values():
        pool.add(NodeEndpoint(n["name"], n["ssh_host"], n["ssh_port"]))
    pool.start_all()
    try:
        await pool.wait_all(LinkStatus.ONLINE, timeout=20)
        yield World(cluster, pool, nodes)
    finally:
        await pool.stop_all()
        await cluster.stop()
