"""Issue 3 acceptance: the seed posts' own ``linstor …`` commands, typed as ``drbdeck …``,
against emulated nodes through the real controller stack.

Why this shape: every other test drives one layer; only here do the posts' words go
through the CLI grammar, HTTP, the REST app, the operations facade, the SQLite store, the
runtime's SSH links, the reconciler and the emulated DRBD kernel together. The controller
(runtime + REST app) runs in the test's event loop; the synchronous CLI runs in a worker
thread so the loop keeps serving while it waits. Emulated nodes carry the posts' node
names; their addresses are the emulator's replication addresses (the posts' addresses
belong to real hosts), and their SSH endpoints come from the emulator's ``nodes.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend import resfile
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.store import Store
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.backend.rest import Broadcaster, bound_port, create_app, start
from drbdeck.backend.rest.feed import EventFeed
from drbdeck.backend.runtime.observed import state_string
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.cli.linstor import main as cli_main
from drbdeck.config import Config, SshConfig
from drbdeck.emulator.cluster import Cluster
from tests.drbdtools import check_res

GIB_KIB = 1024 * 1024
FAST_SYNC_KIB = 64 * GIB_KIB  # 40G syncs in well under a second of emulated time


@dataclass
class Controller:
    """One controller (runtime + REST on a free port) over one SQLite file."""

    rt: ControllerRuntime
    port: int
    runner: Any
    feed: EventFeed
    stopped: bool = False

    async def stop(self) -> None:
        """Stop serving and close the store (which checkpoints the WAL: the file alone is
        then a complete copy, as the HA post's ``scp`` needs). Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        await self.runner.cleanup()
        self.feed.close()
        await self.rt.stop()
        self.rt.store.close()


@dataclass
class Walk:
    cluster: Cluster
    nodes: dict[str, dict[str, Any]]
    config: Config
    ctl: Controller
    extra: list[Controller] = field(default_factory=list)

    @property
    def rt(self) -> ControllerRuntime:
        return self.ctl.rt

    async def cli(self, *words: str, port: int | None = None,
                  controllers_eq: bool = False) -> tuple[int, str, str]:
        """``drbdeck <words>`` against the controller, run in a thread (it blocks)."""
        addr = f"127.0.0.1:{port or self.ctl.port}"
        ctl_opt = [f"--controllers={addr}"] if controllers_eq else ["--controllers", addr]
        out, err = io.StringIO(), io.StringIO()

        def call() -> int:
            return cli_main([*ctl_opt, "--no-color", *words], None, stdout=out, stderr=err,
                            environ={})

        code = await asyncio.to_thread(call)
        return code, out.getvalue(), err.getvalue()

    async def ok(self, *words: str, **kw: Any) -> str:
        code, out, err = await self.cli(*words, **kw)
        assert code == 0, f"drbdeck {' '.join(words)}: exit {code}\n{out}\n{err}"
        return out

    async def node_create(self, name: str, node_type: str, *tail: str) -> str:
        """The post's ``node create`` with the emulated node's address and SSH endpoint."""
        info = self.nodes[name]
        return await self.ok("node", "create", "--node-type", node_type, name,
                             info["address"], "--ssh-host", info["ssh_host"],
                             "--ssh-port", str(info["ssh_port"]), *tail)

    def state(self, rd: str, node: str, vnr: int = 0) -> str:
        r = self.rt.model.resources.get((key(rd), key(node)))
        flags = r.flags if r is not None else set()
        return state_string(flags, self.rt.observe(rd, node), vnr)

    async def wait(self, what: str, pred: Callable[[], bool], timeout: float = 30.0) -> None:
        """Re-check ``pred`` until it holds; the timeout only bounds a hang."""
        try:
            async with asyncio.timeout(timeout):
                while not pred():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            errs = {f"{rd}@{n}": self.rt.apply_error(rd, n)
                    for (rd, n) in self.rt.model.resources}
            pytest.fail(f"timed out waiting for {what}: " + ", ".join(
                f"{rd}@{n}={self.state(rd, n)}" for (rd, n) in self.rt.model.resources)
                + f"; apply errors: {errs}")


def _row(table: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is ``first_cell`` (fails when there is
    none): asserting on one row keeps another row's words from satisfying a check."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row for {first_cell!r} in:\n{table}")


async def start_controller(db: Path, config: Config) -> Controller:
    """Wire runtime and REST the way ``drbdeck controller`` does, on a free port."""
    rt = ControllerRuntime(Store(db), config, retry_min=0.05, retry_max=0.5)
    events = Broadcaster()
    feed = EventFeed(rt, events)
    rt.ops.on_change.append(feed.sync)
    app = create_app(rt.ops, observed=rt.observe, node_status=rt.node_status, events=events)
    runner = await start(app, "127.0.0.1", 0)
    await rt.start()
    feed.sync()
    return Controller(rt, bound_port(runner), runner, feed)


@contextlib.asynccontextmanager
async def walk(tmp_path: Path, names: list[str], vgs: dict[str, int],
               prepare: Callable[[Cluster], None] | None = None) -> AsyncIterator[Walk]:
    """Emulated nodes named as in the post, ``prepare`` (the operator's own vgcreate /
    lvcreate steps), then a controller with SSH pointed at the emulator's key."""
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(names, state_dir, vgs=vgs, sync_rate_kib=FAST_SYNC_KIB,
                                  thin_pool_kib=0)
    ctl: Controller | None = None
    w: Walk | None = None
    try:
        if prepare is not None:
            prepare(cluster)
        nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
        cfg = Config(ssh=SshConfig(identity_file=str(state_dir / "id_ed25519"),
                                   known_hosts=str(state_dir / "known_hosts"),
                                   reconnect_min=0.05, reconnect_max=0.3,
                                   command_timeout=60.0))
        ctl = await start_controller(tmp_path / "ctl.db", cfg)
        w = Walk(cluster, nodes, cfg, ctl)
        yield w
    finally:
        for c in ([] if w is None else w.extra):
            await c.stop()
        if ctl is not None:
            await ctl.stop()
        await cluster.stop()


async def test_scaleway_arm_post(tmp_path: Path) -> None:
    """Combined + Satellite node, a thick pool in ``sw_ssd`` (old argument order), a 40G
    volume auto-placed on both, both UpToDate, ``/dev/drbd1000`` listed."""
    names = ["drbd-arm", "drbd-arm-2"]
    async with walk(tmp_path, names, {"sw_ssd": 64 * GIB_KIB}) as w:
        await w.node_create("drbd-arm", "Combined")
        await w.node_create("drbd-arm-2", "Satellite")
        await w.wait("both nodes online", lambda: all(w.rt.is_connected(n) for n in names))
        listing = await w.ok("node", "list")
        rows = {n: _row(listing, n) for n in names}
        assert all(r[-1] == "Online" for r in rows.values()), listing
        assert [str(w.rt.model.nodes[n].type.value).upper() for n in names] == \
            ["COMBINED", "SATELLITE"]

        await w.ok("storage-pool", "create", "drbd-arm", "swpool", "lvm", "sw_ssd")
        await w.ok("storage-pool", "create", "drbd-arm-2", "swpool", "lvm", "sw_ssd")
        for n in names:
            pool = w.rt.model.pool(n, "swpool")
            assert pool.provider == "LVM"
            assert pool.props["StorDriver/StorPoolName"] == "sw_ssd"
        await w.wait("pool capacity reported", lambda: all(
            w.rt.model.pool(n, "swpool").free_kib for n in names))

        await w.ok("resource-definition", "create", "backups")
        await w.ok("volume-definition", "create", "backups", "40G")
        assert w.rt.model.rds["backups"].volumes[0].size_kib == 40 * GIB_KIB
        await w.ok("resource", "create", "backups", "--auto-place", "2")
        assert sorted(r.node for r in w.rt.model.resources_of_rd("backups")) == names

        await w.wait("backups UpToDate on both", lambda: all(
            w.state("backups", n) == "UpToDate" for n in names), timeout=45)
        rl = await w.ok("resource", "list")
        rows_rl = [ln.strip().strip("|").split("|") for ln in rl.splitlines()
                   if ln.strip().startswith("| backups ")]
        assert sorted((c[1].strip(), c[4].strip(), c[5].strip()) for c in rows_rl) == \
            [(n, "Ok", "UpToDate") for n in names], rl
        vols = await w.ok("resource", "list-volumes")
        assert "/dev/drbd1000" in vols
        assert vols.count("UpToDate") == 2
        for n in names:
            lv = w.cluster.node(n).lvm.lv("sw_ssd", "backups_00000")
            assert lv.size_bytes // 1024 >= 40 * GIB_KIB


def _thin_pools(vg: str, pool: str, size_kib: int) -> Callable[[Cluster], None]:
    """The operator's ``lvcreate -T vg/pool`` on every node, done before the walk."""
    def prepare(cluster: Cluster) -> None:
        for node in cluster.nodes.values():
            node.lvm.create_pool(vg, pool, size_kib * 1024)
    return prepare


def _res_files(w: Walk, node: str) -> list[str]:
    return [p for p in w.cluster.node(node).fs.glob(f"{RES_DIR}/*.res")]


async def test_proxmox_post(tmp_path: Path) -> None:
    """Four Combined nodes, a thin pool ``pve/drbdpool`` registered on each, a 10M volume
    on alpha and bravo UpToDate without any resync, then ``rd delete -q`` clears both."""
    names = ["alpha", "bravo", "charlie", "delta"]
    async with walk(tmp_path, names, {"pve": 8 * GIB_KIB},
                    prepare=_thin_pools("pve", "drbdpool", 4 * GIB_KIB)) as w:
        for n in names:
            await w.node_create(n, "Combined")
        await w.wait("nodes online", lambda: all(w.rt.is_connected(n) for n in names))
        await w.ok("storage-pool-definition", "create", "drbdpool")
        for n in names:
            await w.ok("storage-pool", "create", n, "drbdpool", "lvmthin", "pve/drbdpool")
            pool = w.rt.model.pool(n, "drbdpool")
            assert pool.provider == "LVM_THIN"
            assert pool.props["StorDriver/StorPoolName"] == "pve/drbdpool"

        await w.ok("resource-definition", "create", "first")
        await w.ok("volume-definition", "create", "first", "10M", "--storage-pool",
                   "drbdpool")
        assert w.rt.model.rds["first"].volumes[0].size_kib == 10 * 1024
        await w.ok("resource", "create", "alpha", "first")
        await w.ok("resource", "create", "bravo", "first")
        placed = ["alpha", "bravo"]
        assert sorted(r.node for r in w.rt.model.resources_of_rd("first")) == placed
        await w.wait("first UpToDate", lambda: all(
            w.state("first", n) == "UpToDate" for n in placed))
        facts = w.cluster.network.facts
        assert not [r for r in facts.resyncs if r.resource == "first"]
        for n in placed:
            lv = w.cluster.node(n).lvm.lv("pve", "first_00000")
            assert lv.is_thin and lv.pool == "drbdpool"
            assert f"{RES_DIR}/first.res" in _res_files(w, n)

        await w.ok("resource-definition", "delete", "-q", "first")
        await w.wait("first gone from the model", lambda: "first" not in w.rt.model.rds)
        for n in placed:
            node = w.cluster.node(n)
            assert f"{RES_DIR}/first.res" not in _res_files(w, n)
            assert not [lv for lv in node.lvm.all_lvs() if lv.name.startswith("first")]
            assert w.rt.observe("first", n) is None


async def test_ha_controller_post(tmp_path: Path) -> None:
    """A Controller-type node is OFFLINE (it gets no SSH); the ``--controllers=`` form
    works; the DB file copied after a clean stop serves the same objects elsewhere."""
    async with walk(tmp_path, ["alpha"], {"vg0": 8 * GIB_KIB}) as w:
        await w.node_create("alpha", "Combined")
        await w.ok("node", "create", "--node-type", "Controller", "linstor-controller",
                   "10.43.7.254")
        await w.wait("alpha online", lambda: w.rt.is_connected("alpha"))
        await w.ok("storage-pool", "create", "lvm", "alpha", "thick", "vg0")
        await w.ok("resource-definition", "create", "vm-100-disk-1")
        await w.ok("volume-definition", "create", "vm-100-disk-1", "16M")
        await w.ok("resource", "create", "alpha", "vm-100-disk-1", "-s", "thick")
        await w.wait("replica UpToDate", lambda: w.state("vm-100-disk-1", "alpha")
                     == "UpToDate")

        listing = await w.ok("node", "list", controllers_eq=True)
        assert _row(listing, "linstor-controller")[-1] == "OFFLINE", listing
        assert _row(listing, "alpha")[-1] == "Online", listing
        assert "linstor-controller" not in w.rt.nodes  # no link was ever made

        # the post's "systemctl stop linstor-controller" + "scp /var/lib/linstor/*"
        await w.ctl.stop()
        assert not (tmp_path / "ctl.db-wal").exists()  # checkpointed: the file is whole
        moved = tmp_path / "vm" / "drbdeck.db"
        moved.parent.mkdir()
        shutil.copy2(tmp_path / "ctl.db", moved)
        second = await start_controller(moved, w.config)
        w.extra.append(second)
        listing = await w.ok("node", "list", port=second.port, controllers_eq=True)
        assert _row(listing, "linstor-controller")[-1] == "OFFLINE", listing
        assert "alpha" in listing
        rds = await w.ok("resource-definition", "list", port=second.port)
        assert "vm-100-disk-1" in rds
        vds = await w.ok("volume-definition", "list", port=second.port)
        assert "16 MiB" in vds
        pools = await w.ok("storage-pool", "list", port=second.port)
        assert "thick" in pools
        m = second.rt.model
        assert sorted(m.nodes) == sorted(w.rt.model.nodes)
        assert [r.node for r in m.resources_of_rd("vm-100-disk-1")] == ["alpha"]
        # the new controller reaches the node too and sees the replica as before
        w.ctl = second
        await w.wait("second controller sees the replica UpToDate",
                     lambda: w.state("vm-100-disk-1", "alpha") == "UpToDate")


async def test_migration_post_definitions(tmp_path: Path) -> None:
    """The migration post's definitions (port, peer slots, volume number, minor, net size,
    OverrideVlmId) and node-id pinned replicas, rendered and brought up on fresh nodes."""
    names = ["eagle", "rabbit"]
    ids = {"eagle": 4, "rabbit": 8}
    async with walk(tmp_path, names, {"datastore": 4 * GIB_KIB}) as w:
        for n in names:
            await w.node_create(n, "Combined")
        await w.wait("nodes online", lambda: all(w.rt.is_connected(n) for n in names))
        for n in names:
            await w.ok("storage-pool", "create", "lvm", n, "fatpool", "datastore")
        await w.ok("resource-definition", "create", "legacy", "-p", "15500")
        await w.ok("resource-definition", "set-property", "legacy",
                   "PeerSlotsNewResource", "4")
        await w.ok("volume-definition", "create", "legacy", "-n", "10", "-m", "9100",
                   "1371956KiB")
        await w.ok("volume-definition", "set-property", "legacy", "10",
                   "AllowLargerVolumeSize", "true")
        await w.ok("volume-definition", "set-property", "legacy", "10",
                   "OverrideVlmId", "legacy")
        await w.ok("resource", "create", "--node-id", str(ids["eagle"]), "-s", "fatpool",
                   "eagle", "legacy")
        await w.ok("resource", "create", "--node-id", str(ids["rabbit"]), "-s", "fatpool",
                   "rabbit", "legacy", "--async")
        await w.wait("legacy UpToDate on both", lambda: all(
            w.state("legacy", n, 10) == "UpToDate" for n in names))

        creates = [(e.node, e.command) for e in w.rt.pool.command_log
                   if "create-md" in e.command]
        assert {node for node, _c in creates} == set(names), creates
        assert all("--max-peers=4" in c for _n, c in creates), creates
        for n in names:
            node = w.cluster.node(n)
            assert node.lvm.lv("datastore", "legacy").size_bytes // 1024 == 1372160
            text = node.fs.read_text(f"{RES_DIR}/legacy.res")
            [rc] = resfile.parse(text, f"{n}:legacy.res")
            assert rc.name == "legacy"
            assert {h: hc.node_id for h, hc in rc.hosts.items()} == ids
            own = rc.hosts[n]
            ports = {a.port for c in rc.connections for _h, a in c.hosts if a is not None}
            assert ports == {15500}
            assert list(own.volumes) == [10]
            assert own.volumes[10].minor == 9100
            assert own.volumes[10].disk == "/dev/datastore/legacy"
            local = tmp_path / f"{n}-legacy.res"
            local.write_text(text)
            check_res(local, "legacy", [n])
