"""A running emulated cluster, links to it, and desired-state builders for the tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from drbdeck.backend import mdsize
from drbdeck.backend.reconcile import DesiredResource, DesiredVolume, NodeDesired
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import SshConfig
from drbdeck.emulator.cluster import Cluster

NODES = ["alpha", "bravo", "charlie"]
NET_KIB = 32 * 1024
PEERS = 7


class World:
    def __init__(self, cluster: Cluster, pool: LinkPool, nodes: dict[str, dict]) -> None:
        self.cluster, self.pool, self.nodes = cluster, pool, nodes
        self.states = {n: DrbdState(node=n) for n in nodes}
        self.streams = [pool.get(n).watch_events2(self.states[n]) for n in nodes]

    def disk(self, node: str, rsc: str, vol: int = 0) -> str | None:
        r = self.states[node].resources.get(rsc)
        d = r.devices.get(vol) if r is not None else None
        return d.disk if d is not None else None

    async def wait(self, what: str, pred: Callable[[], bool], timeout: float = 20.0) -> None:
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
            pytest.fail(f"timed out waiting for {what}")
        finally:
            for s in self.states.values():
                s.remove_listener(poke)


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, names: list[str] = NODES,
                        sync_rate_kib: int = 256 * 1024) -> AsyncIterator[World]:
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(names, state_dir, sync_rate_kib=sync_rate_kib)
    nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
    cfg = SshConfig(identity_file=str(state_dir / "id_ed25519"),
                    known_hosts=str(state_dir / "known_hosts"),
                    reconnect_min=0.05, reconnect_max=0.3, command_timeout=60.0)
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


def resource(nodes: dict[str, dict], name: str, port: int, minor: int,
             diskful: list[str], diskless: list[str], *, thin: bool = False,
             initial_on: str | None = None, net_kib: int = NET_KIB,
             ) -> dict[str, DesiredResource]:
    """One resource's desired record for every node that holds it."""
    rc = ResourceConfig(name=name, options={"quorum": "off"},
                        net={"cram-hmac-alg": "sha1", "shared-secret": f"s3cret{port}",
                             "protocol": "C"})
    hosts = sorted(diskful + diskless)
    for node_id, host in enumerate(hosts):
        disk = f"/dev/vg0/{name}_00000" if host in diskful else "none"
        rc.hosts[host] = HostConfig(
            name=host, node_id=node_id,
            address=Address("ipv4", nodes[host]["address"], port),
            volumes={0: VolumeConfig(number=0, minor=minor, disk=disk, meta_disk="internal")},
        )
    gross = mdsize.gross_from_net(net_kib, PEERS)
    out = {}
    for host in hosts:
        vol = DesiredVolume(number=0, minor=minor, diskless=host in diskless,
                            provider="LVM_THIN" if thin else "LVM", vg="vg0",
                            thin_pool="thin0" if thin else None, gross_kib=gross)
        initial = None
        if host == initial_on:
            initial = "clear-bitmap" if thin else "force-primary"
        out[host] = DesiredResource(name=name, config=rc, volumes=[vol], max_peers=PEERS,
                                    initial=initial)  # type: ignore[arg-type]
    return out


def per_node(*resources: dict[str, DesiredResource]) -> dict[str, NodeDesired]:
    out: dict[str, NodeDesired] = {}
    for per in resources:
        for host, r in per.items():
            out.setdefault(host, NodeDesired(host)).resources[r.name] = r
    return out
