"""Runtime end to end for the parts added last: ``vd d`` removes the LV, FILE/FILE_THIN
pools (backing file + loop device), the DRBD secret from ``rd c``, and the initial-sync
flag kept in the store across a controller restart."""

from __future__ import annotations

import re
from pathlib import Path

from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.backend.runtime.capacity import parse_df
from drbdeck.backend.runtime.runtime import ControllerRuntime
from tests.runtime.test_runtime_e2e import NET_KIB, NODES, Env, _ok, env

SECRET = "s3cr3t-Token_42"


async def _nodes(e: Env, names: list[str], pool: str = "thick", provider: str = "LVM",
                 backing: str = "vg0") -> None:
    for n in names:
        info = e.nodes[n]
        _ok(await e.rt.ops.node_create(n, info["address"], ssh_host=info["ssh_host"],
                                       ssh_port=info["ssh_port"]))
        _ok(await e.rt.ops.storage_pool_create(n, pool, provider,
                                               {"StorDriver/StorPoolName": backing}))
    await e.wait("nodes online", lambda: all(e.rt.is_connected(n) for n in names))


def _lvs(e: Env, node: str) -> set[str]:
    return set(e.cluster.node(node).lvm.vgs["vg0"].lvs)


async def test_vd_delete_removes_the_lv_on_every_node(tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        await _nodes(e, NODES[:2])
        _ok(await ops.rd_create("r1"))
        _ok(await ops.vd_create("r1", NET_KIB))
        _ok(await ops.vd_create("r1", NET_KIB))
        _ok(await ops.rsc_create("r1", NODES[:2], storage_pool="thick"))
        await e.wait("both volumes UpToDate", lambda: all(
            e.state("r1", n, v) == "UpToDate" for n in NODES[:2] for v in (0, 1)))
        assert all({"r1_00000", "r1_00001"} <= _lvs(e, n) for n in NODES[:2])
        _ok(await ops.vd_delete("r1", 1))
        await e.wait("vd 1 confirmed", lambda: 1 not in e.rt.model.rd("r1").volumes)
        for n in NODES[:2]:
            lvs = _lvs(e, n)
            assert "r1_00001" not in lvs and "r1_00000" in lvs, (n, lvs)
            assert list(e.cluster.node(n).drbd.resources["r1"].devices) == [0]
        assert [e.state("r1", n) for n in NODES[:2]] == ["UpToDate", "UpToDate"]
        sent = [x.command or " ".join(x.argv) for x in e.rt.pool.command_log]
        assert sum("lvremove -f vg0/r1_00001" in c for c in sent) == 2, sent[-20:]


async def test_file_thin_and_file_pools_bring_up_and_clean_up(tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        await _nodes(e, NODES[:2], "files", "FILE_THIN", "/srv/drbd-files")
        for n in NODES[:2]:
            _ok(await ops.storage_pool_create(n, "fat", "FILE",
                                              {"StorDriver/StorPoolName": "/srv/fat"}))
        _ok(await ops.rd_create("f1"))
        _ok(await ops.vd_create("f1", NET_KIB))
        _ok(await ops.rsc_create("f1", NODES[:2], storage_pool="files"))
        _ok(await ops.rd_create("f2"))
        _ok(await ops.vd_create("f2", NET_KIB))
        _ok(await ops.rsc_create("f2", NODES[:2], storage_pool="fat"))
        await e.wait("f1 and f2 UpToDate", lambda: all(
            e.state(r, n) == "UpToDate" for r in ("f1", "f2") for n in NODES[:2]))
        resyncs = {r.resource for r in e.cluster.network.facts.resyncs}
        assert "f1" not in resyncs  # thin: day-0 generation, no initial sync
        assert "f2" in resyncs  # thick: forced primary, full sync
        for n in NODES[:2]:
            node = e.cluster.node(n)
            for rsc, d in (("f1", "/srv/drbd-files"), ("f2", "/srv/fat")):
                path = f"{d}/{rsc}_00000.img"
                assert node.fs.exists(path)
                loops = node.loops.by_file(path)
                assert len(loops) == 1
                text = node.fs.read_text(f"{RES_DIR}/{rsc}.res")
                assert f"disk        {loops[0].path};" in text, text
        # a second apply changes nothing (files exist, loops attached)
        w = e.rt.worker("alpha")
        assert w is not None
        rep = await w.sync(timeout=20)
        assert rep.ok and not rep.changed, rep
        # a node that reboots keeps its files; the loop devices are set up again
        await e.cluster.node("bravo").stop()
        await e.wait("bravo offline", lambda: not e.rt.is_connected("bravo"))
        await e.cluster.node("bravo").start()
        await e.wait("f1 and f2 UpToDate on bravo again", lambda: all(
            e.state(r, "bravo") == "UpToDate" for r in ("f1", "f2")))
        assert len(e.cluster.node("bravo").loops.by_file("/srv/fat/f2_00000.img")) == 1
        _ok(await ops.rsc_delete("f1", "bravo"))
        await e.wait("f1 gone from bravo", lambda: ("F1", "BRAVO") not in e.rt.model.resources)
        bravo = e.cluster.node("bravo")
        assert not bravo.fs.exists("/srv/drbd-files/f1_00000.img")
        assert not bravo.loops.by_file("/srv/drbd-files/f1_00000.img")
        _ok(await ops.rd_delete("f2"))
        await e.wait("f2 gone", lambda: "f2" not in e.rt.model.rds)
        for n in NODES[:2]:
            node = e.cluster.node(n)
            assert not node.fs.exists("/srv/fat/f2_00000.img")
            assert not node.loops.by_file("/srv/fat/f2_00000.img")


async def test_secret_is_rendered_and_initial_sync_flag_survives_restart(
        tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        await _nodes(e, NODES[:2])
        _ok(await ops.rd_create("s1", secret=SECRET))
        _ok(await ops.vd_create("s1", NET_KIB))
        _ok(await ops.rsc_create("s1", NODES[:2], storage_pool="thick"))
        await e.wait("s1 UpToDate", lambda: all(e.state("s1", n) == "UpToDate"
                                                for n in NODES[:2]))
        for n in NODES[:2]:
            text = e.cluster.node(n).fs.read_text(f"{RES_DIR}/s1.res")
            assert re.search(rf'shared-secret\s+"?{SECRET}"?;', text), text
        assert not any(SECRET in (x.command or "") + " ".join(x.argv)
                       for x in e.rt.pool.command_log)
        await e.wait("flag stored", lambda: e.rt.model.vd("s1", 0).initial_synced)
        # a new controller on the same DB knows the flag before any node is seen
        await e.rt.stop()
        rt2 = ControllerRuntime(e.rt.store, e.rt.config, retry_min=0.05, retry_max=0.5)
        e.rt = rt2
        assert "S1/0" in rt2.initial_done
        from drbdeck.backend.runtime.desired_map import desired_for_node
        for n in NODES[:2]:
            d = desired_for_node(rt2.model, n, initial_done=rt2.initial_done)
            assert d.resources["s1"].initial is None
        await rt2.start()
        await e.wait("s1 UpToDate again", lambda: all(e.state("s1", n) == "UpToDate"
                                                      for n in NODES[:2]))


def test_parse_df() -> None:
    text = ("Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
            "/dev/vda1         41152736 12345678  26693484      32% /\n")
    assert parse_df(text) == (26693484, 41152736)
    assert parse_df("") is None
    assert parse_df("df: /nope: No such file or directory\n") is None
    assert parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n"
                    "x y z w v u\n") is None
