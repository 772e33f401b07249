"""A running emulated cluster, links to it, and desired-state builders for the tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from drbdeck.backend import mdsize
from drbdeck.backend.reconcile import DesiredResource, DesiredVolume, NodeDesired
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from tests import emulated
from tests.emulated import World

NODES = ["alpha", "bravo", "charlie"]
NET_KIB = 32 * 1024
PEERS = 7


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, names: list[str] = NODES,
                        sync_rate_kib: int = 256 * 1024) -> AsyncIterator[World]:
    async with emulated.running_world(tmp_path, names, sync_rate_kib) as world:
        yield world


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
