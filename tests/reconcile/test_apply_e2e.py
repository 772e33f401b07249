"""apply() against emulated nodes over SSH: bring-up, idempotence, deletes, full sync,
refused LVs, a node that goes away and comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drbdeck.backend.reconcile import NodeDesired, apply
from drbdeck.backend.reconcile.observe import INCLUDE_FILE, RES_DIR
from drbdeck.backend.resfile import render
from drbdeck.backend.satellite import LinkStatus, NodeOffline
from tests.conftest import require_tool
from tests.drbdtools import check_res
from tests.reconcile.world import NODES, World, per_node, resource, running_world


def desired_two(w: World) -> dict[str, NodeDesired]:
    thick = resource(w.nodes, "thick1", 7000, 1000, ["alpha", "bravo"], ["charlie"],
                     initial_on="alpha")
    thin = resource(w.nodes, "thin1", 7001, 1001, ["bravo", "charlie"], ["alpha"],
                    thin=True, initial_on="charlie")
    return per_node(thick, thin)


async def apply_all(w: World, desired: dict[str, NodeDesired], full_sync: bool = False):
    reports = await asyncio.gather(*(apply(w.pool.get(n), desired.get(n, NodeDesired(n)),
                                           full_sync=full_sync) for n in NODES))
    return dict(zip(NODES, reports, strict=True))


def commands_since(w: World, seq: int) -> list[str]:
    return [e.command or " ".join(e.argv) for e in w.pool.command_log if e.seq > seq]


def last_seq(w: World) -> int:
    return max((e.seq for e in w.pool.command_log), default=0)


def all_uptodate(w: World) -> bool:
    return (all(w.disk(n, "thick1") == "UpToDate" for n in ("alpha", "bravo"))
            and w.disk("charlie", "thick1") == "Diskless"
            and all(w.disk(n, "thin1") == "UpToDate" for n in ("bravo", "charlie"))
            and w.disk("alpha", "thin1") == "Diskless")


async def test_bring_up_idempotent_delete_full_sync(tmp_path: Path) -> None:
    async with running_world(tmp_path) as w:
        desired = desired_two(w)
        reports = await apply_all(w, desired)
        for n, rep in reports.items():
            assert rep.ok, (n, rep.failed, rep.errors)
            assert rep.changed
        await w.wait("both resources UpToDate everywhere", lambda: all_uptodate(w))
        facts = w.cluster.network.facts
        # thick: a real initial sync ran; thin: skipped by new-current-uuid --clear-bitmap
        assert any("primary --force" in a for a in reports["alpha"].resources["thick1"].actions)
        assert any("new-current-uuid --clear-bitmap" in a
                   for a in reports["charlie"].resources["thin1"].actions)
        assert facts.resyncs

        # every file on the nodes passes the real drbdadm too
        require_tool("drbdadm")
        for n in NODES:
            for rsc in desired[n].resources:
                text = (await w.pool.get(n).read_file(f"{RES_DIR}/{rsc}.res")).decode()
                assert text == render(desired[n].resources[rsc].config, n)
                local = tmp_path / f"{n}-{rsc}.res"
                local.write_text(text)
                check_res(local, rsc, sorted(desired[n].resources[rsc].config.hosts))
            inc = (await w.pool.get(n).read_file(INCLUDE_FILE)).decode()
            assert inc == f'include "{RES_DIR}/*.res";\n'

        # a second apply changes nothing and sends no mutating command
        seq = last_seq(w)
        again = await apply_all(w, desired)
        assert all(r.ok and not r.changed for r in again.values()), again
        assert all(r.round_trips == 1 for r in again.values())  # the observe only
        sent = " | ".join(commands_since(w, seq))
        for word in ("adjust", "lvcreate", "create-md", "primary", "new-current-uuid",
                     "mv ", "rm "):
            assert word not in sent, sent

        # thin1 deleted: down + file + LV gone on its nodes, thick1 untouched
        for n in ("alpha", "bravo", "charlie"):
            desired[n].resources["thin1"].deleting = True
        seq = last_seq(w)
        deleted = await apply_all(w, desired)
        assert all(r.ok for r in deleted.values()), deleted
        for n in NODES:
            link = w.pool.get(n)
            assert not (await link.run(["test", "-e", f"{RES_DIR}/thin1.res"])).ok
            lvs = {lv.name for lv in await link.query_lvs()}
            assert "thin1_00000" not in lvs
        await w.wait("thin1 down everywhere",
                     lambda: all("thin1" not in w.states[n].resources for n in NODES))
        assert "thick1" in w.states["alpha"].resources
        assert "drbdadm adjust" not in " | ".join(commands_since(w, seq))
        # confirmed deleted: nothing left to do on a repeat
        again = await apply_all(w, desired)
        assert not any(r.changed for r in again.values())

        # full sync removes an unknown file of ours (and leaves the known ones)
        link = w.pool.get("bravo")
        await link.write_file(f"{RES_DIR}/stale.res", "# old\n")
        for n in NODES:
            del desired[n].resources["thin1"]
        full = await apply(link, desired["bravo"], full_sync=True)
        assert full.ok, full.failed
        assert full.removed_files == [f"{RES_DIR}/stale.res"]
        assert full.resources["thick1"].actions == ["drbdadm adjust"]
        assert not (await link.run(["test", "-e", f"{RES_DIR}/stale.res"])).ok
        assert (await link.run(["test", "-e", f"{RES_DIR}/thick1.res"])).ok


async def test_lv_size_refusals_leave_others_alone(tmp_path: Path) -> None:
    async with running_world(tmp_path, names=["alpha", "bravo"]) as w:
        small = resource(w.nodes, "small", 7000, 1000, ["alpha", "bravo"], [])
        large = resource(w.nodes, "large", 7001, 1001, ["alpha", "bravo"], [])
        good = resource(w.nodes, "good", 7002, 1002, ["alpha", "bravo"], [],
                        initial_on="alpha")
        desired = per_node(small, large, good)
        link = w.pool.get("alpha")
        await link.run(["lvcreate", "--yes", "-L", "4m", "-n", "small_00000", "vg0"], check=True)
        await link.run(["lvcreate", "--yes", "-L", "1g", "-n", "large_00000", "vg0"], check=True)
        huge = resource(w.nodes, "huge", 7003, 1003, ["alpha", "bravo"], [],
                        net_kib=1024 * 1024 * 1024)  # 1 TiB: more than the VG holds
        desired["alpha"].resources["huge"] = huge["alpha"]
        rep = await apply(link, desired["alpha"])
        assert not rep.ok
        h = rep.resources["huge"]
        assert h.error == "lvcreate failed" and h.command is not None
        assert h.command.startswith("lvcreate") and "insufficient" in h.output, h.output
        del desired["alpha"].resources["huge"]
        assert "smaller than" in (rep.resources["small"].error or "")
        assert "AllowLargerVolumeSize" in (rep.resources["large"].error or "")
        assert rep.resources["good"].ok
        assert not (await link.run(["test", "-e", f"{RES_DIR}/small.res"])).ok
        assert not (await link.run(["test", "-e", f"{RES_DIR}/large.res"])).ok

        # AllowLargerVolumeSize adopts the big LV (existing LV: metadata is created once)
        desired["alpha"].resources["large"].volumes[0].allow_larger = True
        del desired["alpha"].resources["small"]
        rep = await apply(link, desired["alpha"])
        assert rep.ok, rep.failed
        assert any("create-md" in a for a in rep.resources["large"].actions)
        assert not rep.resources["good"].actions
        await apply(w.pool.get("bravo"), desired["bravo"])
        await w.wait("good UpToDate", lambda: w.disk("bravo", "good") == "UpToDate")


async def test_offline_node_then_full_sync_after_restart(tmp_path: Path) -> None:
    async with running_world(tmp_path) as w:
        desired = desired_two(w)
        await apply_all(w, desired)
        await w.wait("UpToDate", lambda: all_uptodate(w))

        await w.cluster.node("bravo").stop()
        await w.pool.get("bravo").wait_status(LinkStatus.OFFLINE, timeout=20)
        with pytest.raises(NodeOffline):
            await apply(w.pool.get("bravo"), desired["bravo"])

        await w.cluster.node("bravo").start()
        await w.pool.get("bravo").wait_status(LinkStatus.ONLINE, timeout=20)
        rep = await apply(w.pool.get("bravo"), desired["bravo"], full_sync=True)
        assert rep.ok, rep.failed
        # metadata survived the restart: no create-md, no second initial sync
        sent = " ".join(a for r in rep.resources.values() for a in r.actions)
        assert "create-md" not in sent and "primary" not in sent
        await w.wait("bravo back UpToDate", lambda: all_uptodate(w))


async def test_conflicting_file_is_refused_by_drbdadm_others_apply(tmp_path: Path) -> None:
    async with running_world(tmp_path, names=["alpha", "bravo"]) as w:
        a = resource(w.nodes, "first", 7000, 1000, ["alpha", "bravo"], [])
        b = resource(w.nodes, "second", 7001, 1000, ["alpha", "bravo"], [])  # same minor
        desired = per_node(a, b)
        rep = await apply(w.pool.get("alpha"), desired["alpha"])
        assert rep.resources["first"].ok
        bad = rep.resources["second"]
        assert not bad.ok and bad.error == "the configuration check failed"
        assert bad.command is not None and "--config-to-test" in bad.command
        assert "1000" in bad.output or "minor" in bad.output, bad.output
        link = w.pool.get("alpha")
        assert not (await link.run(["test", "-e", f"{RES_DIR}/second.res"])).ok
        # the node's configuration stays usable for everything else
        assert (await link.run(["drbdadm", "sh-nop"])).ok
