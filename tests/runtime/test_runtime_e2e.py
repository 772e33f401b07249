"""ControllerRuntime end to end: Operations → store → workers → emulated nodes over SSH,
and observed state back from their events2 streams."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.store import Store
from drbdeck.backend.runtime.observed import state_string
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.config import Config, SshConfig
from drbdeck.emulator.cluster import Cluster

NODES = ["alpha", "bravo", "charlie"]
NET_KIB = 32 * 1024


def _ok(entries: list[rc.ApiCallRc]) -> None:
    assert not [e.message for e in entries if e.is_error()], [e.message for e in entries]


@dataclass
class Env:
    cluster: Cluster
    rt: ControllerRuntime
    nodes: dict[str, dict]

    def state(self, rd: str, node: str, vnr: int = 0) -> str:
        r = self.rt.model.resources.get((rd.upper(), node.upper()))
        flags = r.flags if r is not None else set()
        return state_string(flags, self.rt.observe(rd, node), vnr)

    async def wait(self, what: str, pred: Callable[[], bool], timeout: float = 30.0) -> None:
        """Re-check ``pred`` until it holds; the timeout only bounds a hang."""
        try:
            async with asyncio.timeout(timeout):
                while not pred():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pytest.fail(f"timed out waiting for {what}: " + ", ".join(
                f"{rd}@{n}={self.state(rd, n)}" for (rd, n) in self.rt.model.resources))


@contextlib.asynccontextmanager
async def env(tmp_path: Path, sync_rate_kib: int = 256 * 1024) -> AsyncIterator[Env]:
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(NODES, state_dir, sync_rate_kib=sync_rate_kib)
    nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
    cfg = Config(ssh=SshConfig(identity_file=str(state_dir / "id_ed25519"),
                               known_hosts=str(state_dir / "known_hosts"),
                               reconnect_min=0.05, reconnect_max=0.3, command_timeout=60.0))
    rt = ControllerRuntime(Store(tmp_path / "c.db"), cfg, retry_min=0.05, retry_max=0.5)
    await rt.start()
    try:
        yield Env(cluster, rt, nodes)
    finally:
        await rt.stop()
        await cluster.stop()
        rt.store.close()


async def test_bring_up_offline_node_and_delete(tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        for n in NODES:
            info = e.nodes[n]
            _ok(await ops.node_create(n, info["address"], ssh_host=info["ssh_host"],
                                      ssh_port=info["ssh_port"]))
        await e.wait("all nodes online", lambda: all(e.rt.is_connected(n) for n in NODES))
        assert e.rt.node_status("alpha") == "ONLINE"
        for n in NODES:
            _ok(await ops.storage_pool_create(n, "thick", "LVM",
                                              {"StorDriver/StorPoolName": "vg0"}))
            _ok(await ops.storage_pool_create(n, "thin", "LVM_THIN",
                                              {"StorDriver/StorPoolName": "vg0/thin0"}))
        # capacity comes from the nodes
        await e.wait("pool capacity reported", lambda: all(
            p.extent_kib and p.free_kib is not None for p in e.rt.model.pools.values()
            if p.provider != "DISKLESS"))
        thick = e.rt.model.pool("alpha", "thick")
        assert thick.total_kib == 100 * 1024 * 1024 and thick.extent_kib == 4096

        _ok(await ops.rd_create("r1"))
        _ok(await ops.vd_create("r1", NET_KIB))
        _ok(await ops.rsc_create("r1", ["alpha", "bravo"], storage_pool="thick"))
        _ok(await ops.rsc_create("r1", ["charlie"], drbd_diskless=True))
        await e.wait("r1 UpToDate/Diskless", lambda: [e.state("r1", n) for n in NODES]
                     == ["UpToDate", "UpToDate", "Diskless"])
        obs = e.rt.observe("r1", "charlie")
        assert obs is not None and obs["connections"]["alpha"]["connected"]
        facts = e.cluster.network.facts
        assert any(r.resource == "r1" and r.kind == "full" for r in facts.resyncs)
        assert "R1/0" in e.rt.initial_done

        # thin: UpToDate everywhere without any resync
        _ok(await ops.rd_create("t1"))
        _ok(await ops.vd_create("t1", NET_KIB))
        _ok(await ops.rsc_create("t1", ["bravo", "charlie"], storage_pool="thin"))
        await e.wait("t1 UpToDate", lambda: all(e.state("t1", n) == "UpToDate"
                                                for n in ("bravo", "charlie")))
        assert not [r for r in facts.resyncs if r.resource == "t1"]

        # a node that is stopped: the change is stored with a warning, applied on return
        await e.cluster.node("charlie").stop()
        await e.wait("charlie offline", lambda: not e.rt.is_connected("charlie"))
        assert e.state("r1", "charlie") == "Unknown"
        _ok(await ops.rd_create("r2"))
        _ok(await ops.vd_create("r2", NET_KIB))
        _ok(await ops.rsc_create("r2", ["alpha", "bravo"], storage_pool="thick"))
        got = await ops.rsc_create("r2", ["charlie"], drbd_diskless=True)
        warn = [x for x in got if x.ret_code & rc.WARN_NOT_CONNECTED == rc.WARN_NOT_CONNECTED
                and not x.is_error()]
        assert [x.message for x in warn] == ["No active connection to satellite 'charlie'"]
        await e.cluster.node("charlie").start()
        await e.wait("charlie converged", lambda: e.state("r2", "charlie") == "Diskless"
                     and e.state("r1", "charlie") == "Diskless"
                     and e.state("t1", "charlie") == "UpToDate")

        # delete: DELETING until the node confirms, then gone
        _ok(await ops.rsc_delete("r1", "charlie"))
        assert e.state("r1", "charlie") == "DELETING"
        await e.wait("r1@charlie confirmed gone",
                     lambda: ("R1", "CHARLIE") not in e.rt.model.resources)
        assert e.rt.observe("r1", "charlie") is None
        assert [e.state("r1", n) for n in ("alpha", "bravo")] == ["UpToDate", "UpToDate"]
        # and the confirmation is in the store, not only in memory
        assert ("R1", "CHARLIE") not in Store(tmp_path / "c.db").model.resources


async def test_restart_keeps_data_rd_delete_and_controller_node(tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        for n in NODES[:2]:
            info = e.nodes[n]
            _ok(await ops.node_create(n, info["address"], ssh_host=info["ssh_host"],
                                      ssh_port=info["ssh_port"]))
            _ok(await ops.storage_pool_create(n, "thick", "LVM",
                                              {"StorDriver/StorPoolName": "vg0"}))
        # a Controller node gets no SSH connection and shows OFFLINE, as in LINSTOR
        _ok(await ops.node_create("ctrl", "10.99.0.250", "Controller"))
        assert "CTRL" not in e.rt.nodes and e.rt.node_status("ctrl") == "OFFLINE"
        _ok(await ops.rd_create("r1"))
        _ok(await ops.vd_create("r1", NET_KIB))
        _ok(await ops.rsc_create("r1", NODES[:2], storage_pool="thick"))
        await e.wait("r1 UpToDate", lambda: all(e.state("r1", n) == "UpToDate"
                                                for n in NODES[:2]))
        assert e.rt.apply_error("r1", "alpha") is None
        # a new controller on the same DB forgets the in-memory "initial sync done";
        # its full sync must still not force anything on the existing replicas
        await e.rt.stop()
        rt2 = ControllerRuntime(e.rt.store, e.rt.config, retry_min=0.05, retry_max=0.5)
        e.rt = rt2
        await rt2.start()
        await e.wait("full sync on both nodes", lambda: all(
            (w := rt2.worker(n)) is not None and w.runs >= 1 for n in NODES[:2]))
        await e.wait("r1 seen UpToDate again", lambda: all(
            e.state("r1", n) == "UpToDate" for n in NODES[:2]))
        sent = [x.command or " ".join(x.argv) for x in rt2.pool.command_log]
        assert any("adjust" in c for c in sent)
        assert not [c for c in sent if "--force" in c and "primary" in c]
        # a volume added to the running resource gets its own initial sync
        _ok(await rt2.ops.vd_create("r1", NET_KIB))
        await e.wait("r1/1 UpToDate", lambda: all(
            e.state("r1", n, 1) == "UpToDate" for n in NODES[:2]))
        # vd delete: the volume leaves DRBD on every node, then the definition goes
        _ok(await rt2.ops.vd_delete("r1", 1))
        await e.wait("vd 1 confirmed", lambda: 1 not in rt2.model.rd("r1").volumes)
        for n in NODES[:2]:
            obs = rt2.observe("r1", n)
            assert obs is not None and list(obs["volumes"]) == [0]
        # rd delete: every replica DELETING, then the definition is gone
        _ok(await rt2.ops.rd_delete("r1"))
        assert [e.state("r1", n) for n in NODES[:2]] == ["DELETING", "DELETING"]
        await e.wait("r1 gone", lambda: "r1" not in rt2.model.rds)
        for n in NODES[:2]:
            lvs = await rt2.pool.get(n).query_lvs()
            assert "r1_00000" not in {lv.name for lv in lvs}
        # a deleted node loses its link, worker and events2 model
        _ok(await rt2.ops.node_delete("bravo"))
        assert "BRAVO" not in rt2.nodes and "bravo" not in rt2.pool
        assert not rt2.is_connected("bravo") and rt2.node_status("bravo") == "OFFLINE"


async def test_migration_seed_sizes_on_the_node(tmp_path: Path) -> None:
    """The migration post's definitions: the LV is 1372160 KiB (335 × 4 MiB extents) and
    named by OverrideVlmId; node-ids 4 and 8, port 15500, minor 9100."""
    async with env(tmp_path, sync_rate_kib=16 * 1024 * 1024) as e:
        ops = e.rt.ops
        for n in NODES[:2]:
            info = e.nodes[n]
            _ok(await ops.node_create(n, info["address"], ssh_host=info["ssh_host"],
                                      ssh_port=info["ssh_port"]))
            _ok(await ops.storage_pool_create(n, "pool1", "LVM",
                                              {"StorDriver/StorPoolName": "vg0"}))
        await e.wait("extent sizes reported", lambda: all(
            e.rt.model.pool(n, "pool1").extent_kib for n in NODES[:2]))
        _ok(await ops.rd_create("legacy"))
        _ok(await ops.rd_set_property("legacy", "PeerSlotsNewResource", "4"))
        _ok(await ops.rd_modify("legacy", port=15500))
        _ok(await ops.vd_create("legacy", 1371956, number=10, minor=9100))
        _ok(await ops.vd_set_property("legacy", 10, "OverrideVlmId", "legacy"))
        _ok(await ops.rsc_create("legacy", ["alpha"], node_id=4, storage_pool="pool1"))
        _ok(await ops.rsc_create("legacy", ["bravo"], node_id=8, storage_pool="pool1"))
        await e.wait("legacy UpToDate", lambda: all(
            e.state("legacy", n, 10) == "UpToDate" for n in NODES[:2]))
        for n in NODES[:2]:
            lvs = {lv.name: lv for lv in await e.rt.pool.get(n).query_lvs()}
            assert lvs["legacy"].size_kib == 1372160
            text = (await e.rt.pool.get(n).read_file("/var/lib/drbdeck.d/legacy.res")).decode()
            bravo = e.nodes["bravo"]["address"]
            assert "device      minor 9100;" in text and f"{bravo}:15500;" in text
            assert "node-id    4;" in text and "node-id    8;" in text
