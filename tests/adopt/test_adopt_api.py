"""``drbdeck adopt`` through the in-process API (what the REST route and the console call):
the sample, a 3-node resource with a diskless client, a multi-volume resource; then the
adopted resource behaves like any other (auto-place a replica, delete one)."""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.adopt import adopt
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.emulator.handmade import HandmadeNode, HandmadeSpec, HandmadeVolume
from tests.adopt.world import adopt_world


def _running_net(w, name: str) -> dict:  # type: ignore[no-untyped-def]
    return {(n, c.name): dict(c.net) for n, node in w.cluster.nodes.items()
            if node.drbd is not None and name in node.drbd.resources
            for c in node.drbd.resources[name].connections.values()}


async def test_adopt_sample(tmp_path: Path) -> None:
    spec = HandmadeSpec(net={"protocol": "C", "cram-hmac-alg": "sha1",
                             "shared-secret": "hand-made-secret"})
    async with adopt_world(tmp_path, ["eagle", "rabbit"], [spec]) as w:
        before = w.cluster.resource_facts("legacy")
        net_before = _running_net(w, "legacy")
        dry = await adopt(w.rt, ["eagle", "rabbit"], "legacy", dry_run=True)
        assert dry.ok and not dry.executed, dry
        text = "\n".join(dry.plan)
        for words in ("resource-definition create legacy -p 15500",
                      "PeerSlotsNewResource 4", "-n 10 -m 9100 1371956KiB",
                      "OverrideVlmId legacy", "--node-id 4 -s datastore eagle legacy",
                      "--node-id 8 -s datastore rabbit legacy",
                      "mv /etc/drbd.d/legacy.res /etc/drbd.d/legacy.res.drbdeck-adopted"):
            assert words in text, text
        assert "hand-made-secret" not in text
        assert "legacy" not in w.rt.model.rds  # a dry run changes nothing

        res = await adopt(w.rt, ["eagle", "rabbit"], "legacy")
        assert res.ok, res
        assert w.cluster.resource_facts("legacy") == before
        assert _running_net(w, "legacy") == net_before  # adjust changed nothing
        for n in ("eagle", "rabbit"):
            node = w.cluster.node(n)
            assert node.fs.exists(f"{RES_DIR}/legacy.res")
            assert not node.fs.exists("/etc/drbd.d/legacy.res")
            assert node.fs.exists("/etc/drbd.d/legacy.res.drbdeck-adopted")
            assert w.state("legacy", n, 10) == "UpToDate"
        rd = w.rt.model.rds["legacy"]
        assert (rd.port, rd.peer_slots, rd.secret) == (15500, 4, "hand-made-secret")
        assert rd.volumes[10].size_kib == 1371956 and rd.volumes[10].minor == 9100
        assert rd.volumes[10].initial_synced  # no initial sync may ever run on it
        assert rd.props == {"DrbdOptions/Net/protocol": "C"}  # quorum: drbdeck's own = off

        # afterwards: like any other resource
        again = await adopt(w.rt, ["eagle", "rabbit"], "legacy")
        assert again.refusal is not None and again.refusal.kind == "already-managed"


async def test_adopt_three_nodes_with_client_then_manage(tmp_path: Path) -> None:
    spec = HandmadeSpec(name="trio", port=15600, nodes=[
        HandmadeNode("eagle", 0), HandmadeNode("rabbit", 1),
        HandmadeNode("client", 2, diskless=True)],
        volumes=[HandmadeVolume(0, 9200, "trio", 100)], max_peers=3)
    names = ["eagle", "rabbit", "client", "fox"]
    async with adopt_world(tmp_path, names, [spec]) as w:
        before = w.cluster.resource_facts("trio")
        res = await adopt(w.rt, ["eagle", "rabbit", "client"], "trio")
        assert res.ok, res
        assert w.cluster.resource_facts("trio") == before
        r = w.rt.model.resources
        assert "DRBD_DISKLESS" in w.rt.model.resource("trio", "client").flags
        # drbdeck would pick quorum majority for 2 diskful + 1 client: the running "off" is
        # pinned, so adjust changes nothing
        assert w.rt.model.rds["trio"].props["DrbdOptions/Resource/quorum"] == "off"
        assert len([x for x in r if x[0] == "TRIO"]) == 3
        # add a diskful replica on fox with auto-place: it syncs to UpToDate
        await w.ok("storage-pool", "create", "lvm", "fox", "datastore", "datastore")
        await w.wait("pool capacity", lambda: w.rt.model.pool("fox", "datastore").free_kib)
        await w.ok("resource", "create", "trio", "--auto-place", "3")
        assert w.rt.model.resources.get(("TRIO", "FOX")) is not None
        await w.wait("fox UpToDate", lambda: w.state("trio", "fox") == "UpToDate")
        after = w.cluster.resource_facts("trio")
        assert after.data[("fox", 0)] == before.data[("eagle", 0)]
        await w.ok("resource", "delete", "client", "trio")
        await w.wait("client replica gone", lambda: w.rt.model.resources.get(
            ("TRIO", "CLIENT")) is None)
        assert "trio" not in w.cluster.node("client").drbd.resources


async def test_adopt_multi_volume(tmp_path: Path) -> None:
    spec = HandmadeSpec(name="multi", port=15700, volumes=[
        HandmadeVolume(0, 9300, "multi_a", 200),
        HandmadeVolume(1, 9301, "multi_b", 300, disk_options={"al-extents": "6007"})],
        max_peers=2, options={"auto-promote": "no"}, net={"protocol": "B"})
    async with adopt_world(tmp_path, ["eagle", "rabbit"], [spec]) as w:
        # a pool called like the VG already exists on eagle, but for something else
        w.cluster.node("eagle").lvm.create_pool("datastore", "thin", 512 << 20)
        await w.ok("storage-pool", "create", "lvmthin", "eagle", "datastore",
                   "datastore/thin")
        before = w.cluster.resource_facts("multi")
        res = await adopt(w.rt, ["eagle", "rabbit"], "multi")
        assert res.ok, res
        assert w.cluster.resource_facts("multi") == before
        rd = w.rt.model.rds["multi"]
        assert sorted(rd.volumes) == [0, 1] and rd.peer_slots == 2
        assert rd.volumes[1].props["OverrideVlmId"] == "multi_b"
        assert w.rt.model.resource("multi", "eagle").storage_pool == "datastore_lvm"
        assert w.rt.model.resource("multi", "rabbit").storage_pool == "datastore"
        assert rd.volumes[1].props["DrbdOptions/Disk/al-extents"] == "6007"
        assert rd.props == {"DrbdOptions/Resource/auto-promote": "no",
                            "DrbdOptions/Net/protocol": "B"}
        for n in ("eagle", "rabbit"):
            res = w.cluster.node(n).drbd.resources["multi"]
            assert res.options.get("auto-promote") == "no"
            assert [c.net.get("protocol") for c in res.connections.values()] == ["B"]
        for n in ("eagle", "rabbit"):
            assert w.state("multi", n, 1) == "UpToDate"


async def test_adopt_while_in_use(tmp_path: Path) -> None:
    """Primary on eagle (an application holds it) while it is adopted: it stays Primary,
    nothing drops, and writes afterwards reach rabbit as before."""
    spec = HandmadeSpec(volumes=[HandmadeVolume(size_mib=100)], primary="eagle")
    async with adopt_world(tmp_path, ["eagle", "rabbit"], [spec]) as w:
        before = w.cluster.resource_facts("legacy")
        res = await adopt(w.rt, ["eagle", "rabbit"], "legacy")
        assert res.ok, res
        assert w.cluster.resource_facts("legacy") == before
        k = w.cluster.node("eagle").drbd
        assert k.resources["legacy"].role == "Primary"
        version = k.write("legacy", 10, 8192)
        after = w.cluster.resource_facts("legacy")
        assert after.data == {("eagle", 10): version, ("rabbit", 10): version}
        assert after.connection_drops == 0 and after.resyncs == 0
