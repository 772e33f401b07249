"""The node layer alone (no controller) brings up a DRBD resource on emulated nodes.

This is issue 2's acceptance scenario: three emulated nodes behind real asyncssh servers,
reached through :mod:`drbdeck.backend.satellite` exactly as real nodes would be. We read
their VGs, create LVs sized with the exact metadata math, render and write the ``.res``
files, bring up 2 diskful + 1 diskless, force the initial sync and watch it in each node's
events2 state model; then stop a node, write on the Primary, restart it and watch the
bitmap resync. Every rendered file is also checked by real ``drbdadm``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from drbdeck.backend import mdsize
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from drbdeck.backend.resfile import render
from drbdeck.backend.satellite import LinkStatus
from tests.conftest import require_tool
from tests.drbdtools import check_res
from tests.emulated import World, running_world

NODES = ["alpha", "bravo", "charlie"]
DISKFUL = ["alpha", "bravo"]
RES = "r0"
NET_KIB = 64 * 1024  # 64 MiB: syncs in well under a second at the test's rate
PEER_SLOTS = 7
INCLUDE = "/etc/drbd.d/drbdeck-resources.res"


class E2EWorld:
    """The shared emulated world, plus views of this test's resource."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cluster, self.pool, self.nodes = world.cluster, world.pool, world.nodes
        self.states = world.states

    async def wait(self, what: str, pred: Callable[[], bool], timeout: float = 20.0) -> None:
        await self.world.wait(what, pred, timeout, detail=self.describe)

    def describe(self) -> str:
        out = []
        for n, s in self.states.items():
            r = s.resources.get(RES)
            if r is None:
                out.append(f"{n}: -")
                continue
            disks = {v: d.disk for v, d in r.devices.items()}
            conns = {
                c.name: (c.connection, {v: (p.replication, p.peer_disk, p.done)
                                        for v, p in c.peer_devices.items()})
                for c in r.connections.values()
            }
            out.append(f"{n}: role={r.role} disks={disks} conns={conns}")
        return "; ".join(out)

    def disk(self, node: str) -> str | None:
        return self.world.disk(node, RES)

    def peer(self, node: str, peer: str):
        r = self.states[node].resources.get(RES)
        return r.connection_by_name(peer) if r is not None else None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[E2EWorld]:
    async with running_world(tmp_path, NODES, command_timeout=20.0) as w:
        yield E2EWorld(w)


def resource_config(nodes: dict[str, dict], port: int = 7000, minor: int = 1000) -> ResourceConfig:
    rc = ResourceConfig(
        name=RES,
        options={"quorum": "majority", "on-no-quorum": "suspend-io"},
        net={"cram-hmac-alg": "sha1", "shared-secret": "e2eSecret0123", "protocol": "C"},
    )
    for node_id, name in enumerate(NODES):
        disk = f"/dev/vg0/{RES}_00000" if name in DISKFUL else "none"
        rc.hosts[name] = HostConfig(
            name=name,
            node_id=node_id,
            address=Address("ipv4", nodes[name]["address"], port),
            volumes={0: VolumeConfig(number=0, minor=minor, disk=disk, meta_disk="internal")},
        )
    return rc


async def test_bring_up_sync_stop_write_restart_resync(world: E2EWorld, tmp_path: Path) -> None:
    pool, nodes = world.pool, world.nodes

    # 1. Every node's VGs, read over SSH through the collectors' parser.
    vgs = {n: {vg.name: vg for vg in await pool.get(n).query_vgs()} for n in nodes}
    for n in nodes:
        assert vgs[n]["vg0"].size_kib == nodes[n]["vgs"]["vg0"]
        assert vgs[n]["vg0"].extent_size_kib == 4096

    # 2. LVs sized with the exact metadata math, rounded to the VG's extent size.
    gross = mdsize.gross_from_net(NET_KIB, PEER_SLOTS)
    lv_kib = mdsize.round_up(gross, vgs["alpha"]["vg0"].extent_size_kib)
    for n in DISKFUL:
        await pool.get(n).run(
            ["lvcreate", "--yes", "-L", f"{lv_kib}k", "-n", f"{RES}_00000", "vg0"], check=True
        )
        lvs = {lv.name: lv for lv in await pool.get(n).query_lvs()}
        assert lvs[f"{RES}_00000"].size_kib == lv_kib

    # 3. Per-node .res files (checked by real drbdadm too), written atomically.
    rc = resource_config(nodes)
    require_tool("drbdadm")
    for n in NODES:
        text = render(rc, n)
        local = tmp_path / f"{n}.res"
        local.write_text(text)
        check_res(local, RES, NODES)  # asserts with drbdadm's own words
        link = pool.get(n)
        await link.run(["mkdir", "-p", "/var/lib/drbdeck.d"], check=True)
        await link.write_file(INCLUDE, 'include "/var/lib/drbdeck.d/*.res";\n')
        # LINSTOR's check: the candidate beside the config, excluding the file it replaces.
        final, candidate = f"/var/lib/drbdeck.d/{RES}.res", f"/var/lib/drbdeck.d/{RES}.res.new"
        await link.write_file(candidate, text)
        check = await link.run(
            ["drbdadm", "--config-to-test", candidate, "--config-to-exclude", final, "sh-nop"]
        )
        assert check.exit_status == 0, check.stderr_text
        await link.run(["mv", candidate, final], check=True)

    # 4. Metadata on the diskful nodes, then up everywhere.
    for n in DISKFUL:
        await pool.get(n).run(
            ["drbdadm", "create-md", "--force", f"--max-peers={PEER_SLOTS}", RES], check=True
        )
    for n in NODES:
        await pool.get(n).run(["drbdadm", "up", RES], check=True)

    await world.wait("all connected, both diskful Inconsistent", lambda: all(
        world.disk(n) == "Inconsistent" for n in DISKFUL
    ) and world.disk("charlie") == "Diskless" and all(
        (c := world.peer(a, b)) is not None and c.connection == "Connected"
        for a in NODES for b in NODES if a != b
    ))

    # The DRBD device is exactly the requested net size (the metadata math is exact).
    size = await pool.get("alpha").run(["blockdev", "--getsize64", "/dev/drbd1000"], check=True)
    assert int(size.stdout_text.strip()) >= NET_KIB * 1024

    # 5. The initial full sync, watched in bravo's state model: SyncTarget with progress.
    seen_progress: list[float] = []

    def bravo_progress() -> bool:
        c = world.peer("bravo", "alpha")
        pd = c.peer_devices.get(0) if c is not None else None
        if pd is not None and pd.replication == "SyncTarget" and pd.done is not None:
            seen_progress.append(pd.done)
        return world.disk("bravo") == "UpToDate"

    await pool.get("alpha").run(["drbdadm", "primary", "--force", RES], check=True)
    await world.wait("bravo UpToDate after the initial sync", bravo_progress)
    assert world.disk("alpha") == "UpToDate"
    assert seen_progress, "bravo never showed SyncTarget with a done: percentage"
    assert all(0.0 <= p <= 100.0 for p in seen_progress)
    assert world.cluster.network.facts.resyncs, "the emulator recorded no resync"

    # 6. Stop bravo: alpha's state shows the connection Connecting and the peer DUnknown.
    await world.cluster.node("bravo").stop()
    await world.wait("alpha sees bravo gone", lambda: (
        (c := world.peer("alpha", "bravo")) is not None
        and c.connection == "Connecting"
        and c.peer_devices[0].peer_disk == "DUnknown"
    ))

    # 7. Write on the Primary while bravo is away: 8 MiB becomes out of sync.
    world.cluster.node("alpha").drbd.write(RES, 0, 8 * 1024 * 1024)
    resyncs_before = len(world.cluster.network.facts.resyncs)

    # 8. Restart bravo: the link comes back by itself; DRBD state was lost, so bring it up.
    await world.cluster.node("bravo").start()
    await pool.get("bravo").wait_status(LinkStatus.ONLINE, timeout=20)
    await pool.get("bravo").run(["drbdadm", "up", RES], check=True)

    await world.wait("bravo resynced to UpToDate", lambda: (
        world.disk("bravo") == "UpToDate"
        and (c := world.peer("alpha", "bravo")) is not None
        and c.connection == "Connected"
        and c.peer_devices[0].peer_disk == "UpToDate"
    ))
    new = world.cluster.network.facts.resyncs[resyncs_before:]
    assert new, "no resync after bravo returned"
    # A bitmap resync: only what was written while bravo was away, not the whole device.
    assert sum(r.kib for r in new) < NET_KIB
    assert sum(r.kib for r in new) >= 8 * 1024

    # Every command went through the command log with its exit status.
    entries = list(pool.command_log)
    assert any(e.argv[:2] == ("drbdadm", "up") and e.exit_status == 0 for e in entries)
