"""Operations facade: seed flows, LINSTOR answers, peer-slot timing, bad input changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store


def _codes(entries: list[rc.ApiCallRc]) -> list[int]:
    return [rc.to_signed(e.ret_code) for e in entries]


def _ok(entries: list[rc.ApiCallRc]) -> None:
    assert not [e.message for e in entries if e.is_error()]


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Operations]:
    o = Operations(Store(tmp_path / "c.db"), is_connected=lambda n: n.upper() != "GAMMA")
    for n, a in (("alpha", "10.0.0.1"), ("beta", "10.0.0.2"), ("gamma", "10.0.0.3")):
        _ok(await o.node_create(n, a, ssh_port=2200))
        _ok(await o.storage_pool_create(n, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"}))
    yield o
    # every change made in memory must also be on disk (catches a missed tx.edit())
    disk = Store(o.store.path).model
    mem = o.model
    assert dict(disk.nodes) == dict(mem.nodes) and disk.pools == mem.pools
    assert dict(disk.spds) == dict(mem.spds) and dict(disk.rgs) == dict(mem.rgs)
    assert dict(disk.rds) == dict(mem.rds) and disk.resources == mem.resources
    assert disk.controller_props == mem.controller_props


async def test_node_create_answer_and_defaults(tmp_path: Path) -> None:
    o = Operations(Store(tmp_path / "c.db"))
    got = await o.node_create("Alpha", "10.0.0.1", "combined")
    assert _codes(got) == [20709377]
    assert got[0].message == "New node 'Alpha' registered."
    n = o.model.node("alpha")
    assert (n.ssh_host, n.ssh_port, n.type.value) == ("10.0.0.1", 22, "COMBINED")
    assert ("ALPHA", "DFLTDISKLESSSTORPOOL") in o.model.pools
    ctl = await o.node_create("ctl", "10.0.0.9", "Controller")
    _ok(ctl)
    assert not o.model.pools_of_node("ctl")
    assert [n.name for n in o.node_list()] == ["Alpha", "ctl"]


BAD_NODES = [
    (("a;rm -rf /", "10.0.0.1"), {}, 200),
    (("x", "10.0.0.1"), {}, 200),
    (("n1", "not-an-ip"), {}, 210),
    (("n1", "10.0.0.1", "bogus"), {}, 201),
    (("n1", "10.0.0.1"), {"ssh_port": 0}, 211),
    (("n1", "10.0.0.1"), {"ssh_port": 70000}, 211),
    (("n1", "10.0.0.1"), {"ssh_host": "-oProxyCommand=x"}, 210),
    (("n1", "10.0.0.1"), {"ssh_user": "root; reboot"}, 230),
    (("n1", "10.0.0.1"), {"props": {"Bogus": "1"}}, 213),
    (("ALPHA", "10.0.0.1"), {}, 500),
]


@pytest.mark.parametrize(("args", "kw", "code"), BAD_NODES)
async def test_bad_node_create_changes_nothing(ops: Operations, args: tuple[str, ...],
                                               kw: dict[str, object], code: int) -> None:
    before = ops.model.clone()
    got = await ops.node_create(*args, **kw)  # type: ignore[arg-type]
    assert len(got) == 1 and got[0].is_error() and got[0].code == code
    assert got[0].ret_code & rc.MASK_OBJ == rc.MASK_NODE
    assert dict(ops.model.nodes) == dict(before.nodes) and ops.model.pools == before.pools


async def test_storage_pool_rules(ops: Operations) -> None:
    got = await ops.storage_pool_create("alpha", "thin", "LVM_THIN",
                                        {"StorDriver/StorPoolName": "vg0/thin0"})
    _ok(got)
    assert "thin" in ops.model.spds  # implicit SPD
    cases = [
        (("alpha", "p22", "LVM", {}), 600), (("alpha", "p22", "LVM_THIN",
                                              {"StorDriver/StorPoolName": "vg0"}), 213),
        (("alpha", "p22", "ZFS", {}), 227), (("alpha", "pool1", "LVM",
                                             {"StorDriver/StorPoolName": "vg0"}), 510),
        (("nosuch", "p22", "DISKLESS", {}), 300), (("alpha", "p", "DISKLESS", {}), 208),
    ]
    for args, code in cases:
        got = await ops.storage_pool_create(*args)  # type: ignore[arg-type]
        assert got[0].is_error() and got[0].code == code, (args, got[0].message)


async def test_seed_migration_flow(ops: Operations) -> None:
    """The migration post: port 15500, peer slots 4, vnr 10, minor 9100, OverrideVlmId,
    node-ids 4 and 8 — with peer slots set before the DRBD data exists."""
    _ok(await ops.rd_create("legacy"))
    _ok(await ops.rd_set_property("legacy", "PeerSlotsNewResource", "4"))
    _ok(await ops.rd_modify("legacy", port=15500))
    got = await ops.vd_create("legacy", 1371956, number=10, minor=9100)
    _ok(got)
    assert got[0].message == ("New volume definition with number '10' of resource "
                              "definition 'legacy' created.")
    _ok(await ops.vd_set_property("legacy", 10, "OverrideVlmId", "legacy"))
    got = await ops.rsc_create("legacy", ["alpha"], node_id=4, storage_pool="pool1")
    assert _codes(got) == [20185089]
    got = await ops.rsc_create("legacy", ["beta"], node_id=8, storage_pool="pool1")
    _ok(got)
    rd = ops.model.rd("legacy")
    assert rd.peer_slots == 4 and rd.port == 15500 and rd.volumes[10].minor == 9100
    r = ops.model.resource("legacy", "beta")
    assert (r.node_id, r.tcp_port) == (8, 15500)
    assert r.volumes[10].backing_device == "/dev/vg0/legacy"


async def test_peer_slots_new_resource_timing(ops: Operations) -> None:
    # The migration post's order: -p first, then the property. drbdeck (unlike LINSTOR,
    # whose -p fixes the DRBD data at once) still honours the property: the seed needs 4.
    _ok(await ops.rd_create("r1", port=7100))
    _ok(await ops.rd_set_property("r1", "PeerSlotsNewResource", "4"))
    _ok(await ops.vd_create("r1", 1371956, number=10, minor=9100))
    assert ops.model.rd("r1").peer_slots == 4
    assert ops.model.rd("r1").port == 7100
    # Once the DRBD data exists the property is too late; an explicit modify still works.
    _ok(await ops.rd_set_property("r1", "PeerSlotsNewResource", "6"))
    assert ops.model.rd("r1").peer_slots == 4
    _ok(await ops.rd_modify("r1", peer_slots=3))
    assert ops.model.rd("r1").peer_slots == 3
    _ok(await ops.rd_create("r3", peer_slots=2))  # --peer-slots fixes it at rd c
    _ok(await ops.rd_set_property("r3", "PeerSlotsNewResource", "5"))
    assert ops.model.rd("r3").peer_slots == 2
    _ok(await ops.rd_create("r2"))
    _ok(await ops.vd_create("r2", 1024))
    assert ops.model.rd("r2").volumes[0].minor is None  # no DRBD data yet
    _ok(await ops.rd_set_property("r2", "PeerSlotsNewResource", "5"))
    _ok(await ops.rsc_create("r2", ["alpha"], storage_pool="pool1"))
    rd = ops.model.rd("r2")
    assert rd.peer_slots == 5 and rd.volumes[0].minor == 1000 and rd.secret


async def test_rsc_create_allocation_and_warnings(ops: Operations) -> None:
    _ok(await ops.rd_create("r1"))
    _ok(await ops.vd_create("r1", 10 * 1024 * 1024))
    got = await ops.rsc_create("r1", ["alpha", "beta"], storage_pool="pool1")
    assert _codes(got)[:2] == [20185089, 20185089]
    ra, rb = ops.model.resource("r1", "alpha"), ops.model.resource("r1", "beta")
    assert (ra.node_id, rb.node_id, ra.tcp_port, rb.tcp_port) == (0, 1, 7000, 7000)
    got = await ops.rsc_create("r1", ["gamma"], drbd_diskless=True)
    assert got[0].ret_code & rc.MASK_SEVERITY == 0
    assert _codes(got)[-1] == -9223372036834589718  # gamma is not connected
    assert "No active connection to satellite 'gamma'" in got[-1].message
    rg = ops.model.resource("r1", "gamma")
    assert rg.flags == {"DISKLESS", "DRBD_DISKLESS"} and rg.storage_pool == "DfltDisklessStorPool"
    assert rg.volumes[0].backing_device is None
    # the default pool comes from the peers when no -s is given
    _ok(await ops.rd_create("r2"))
    _ok(await ops.vd_create("r2", 1024))
    got = await ops.rsc_create("r2", ["alpha"])
    assert got[0].code == 311 and "DfltStorPool" in got[0].message


async def test_rsc_create_bad_inputs_change_nothing(ops: Operations) -> None:
    _ok(await ops.rd_create("r1"))
    _ok(await ops.vd_create("r1", 1024))
    _ok(await ops.rsc_create("r1", ["alpha"], node_id=3, storage_pool="pool1"))
    before = ops.model.clone()
    cases = [
        ({"rd": "nosuch", "nodes": ["beta"]}, 301),
        ({"rd": "r1", "nodes": ["nosuch"]}, 300),
        ({"rd": "r1", "nodes": ["a;rm -rf /"]}, 200),
        ({"rd": "r1", "nodes": ["alpha"]}, 502),
        ({"rd": "r1", "nodes": ["beta"], "node_id": 3}, 204),
        ({"rd": "r1", "nodes": ["beta"], "node_id": 32}, 204),
        ({"rd": "r1", "nodes": ["beta"], "storage_pool": "nopool"}, 310),
        ({"rd": "r1", "nodes": ["beta"], "tcp_port": 0}, 215),
        ({"rd": "r1", "nodes": ["beta"], "props": {"Nope": "1"}}, 213),
        ({"rd": "r1", "nodes": ["beta", "gamma", "nosuch"], "storage_pool": "pool1"}, 300),
    ]
    for kw, code in cases:
        got = await ops.rsc_create(**kw)  # type: ignore[arg-type]
        assert got[0].is_error() and got[0].code == code, (kw, got[0].message)
        assert ops.model.resources == before.resources
        assert dict(ops.model.rds) == dict(before.rds)
    ops.store.close()
    reopened = Store(ops.store.path)
    assert reopened.model.resources == before.resources


async def test_insufficient_peer_slots(ops: Operations) -> None:
    _ok(await ops.rd_create("r1", peer_slots=1))
    _ok(await ops.rsc_create("r1", ["alpha", "beta", "gamma"], storage_pool="pool1"))
    _ok(await ops.node_create("delta", "10.0.0.4"))
    _ok(await ops.storage_pool_create("delta", "pool1", "LVM",
                                      {"StorDriver/StorPoolName": "vg0"}))
    got = await ops.rsc_create("r1", ["delta"], storage_pool="pool1")
    assert got[0].code == 993 and len(got) == 1
    assert len(ops.model.resources_of_rd("r1")) == 3
    _ok(await ops.rsc_create("r1", ["delta"], drbd_diskless=True))  # diskless is fine


async def test_vd_and_rd_bad_inputs(ops: Operations) -> None:
    _ok(await ops.rd_create("r1"))
    assert (await ops.rd_create("R1"))[0].code == 501
    assert (await ops.rd_create("all"))[0].code == 202
    assert (await ops.rd_create("r9", port=70000))[0].code == 203
    assert (await ops.rd_create("r9", peer_slots=32))[0].code == 213
    assert (await ops.rd_create("r9", resource_group="nogrp"))[0].code == 317
    assert (await ops.vd_create("r1", 3))[0].code == 206
    assert (await ops.vd_create("r1", 1 << 41))[0].code == 206
    assert (await ops.vd_create("nosuch", 1024))[0].code == 301
    _ok(await ops.vd_create("r1", 1024, minor=1000))
    assert (await ops.vd_create("r1", 1024, minor=1000))[0].code == 207
    assert (await ops.vd_create("r1", 1024, number=0))[0].code == 503
    assert (await ops.vd_set_property("r1", 0, "PeerSlotsNewResource", "4"))[0].code == 213
    assert (await ops.vd_set_property("r1", 5, "OverrideVlmId", "x"))[0].code == 303
    _ok(await ops.vd_set_property("r1", 0, "AllowLargerVolumeSize", "true"))
    assert "r9" not in ops.model.rds


async def test_delete_flow_and_hooks(ops: Operations) -> None:
    seen: list[set[str]] = []
    ops.on_change.append(seen.append)
    _ok(await ops.rd_create("r1"))
    _ok(await ops.vd_create("r1", 1024))
    _ok(await ops.rsc_create("r1", ["alpha", "beta"], storage_pool="pool1"))
    assert seen[-1] == {"alpha", "beta"}
    _ok(await ops.rd_delete("r1"))
    assert "DELETE" in ops.model.rd("r1").flags
    assert "DELETE" in ops.model.resource("r1", "alpha").flags
    assert (await ops.rsc_create("r1", ["gamma"], storage_pool="pool1"))[0].code == 997
    _ok(await ops.confirm_deleted("r1", "alpha"))
    assert "r1" in ops.model.rds
    _ok(await ops.confirm_deleted("r1", "beta"))
    assert "r1" not in ops.model.rds and not ops.model.resources
    got = await ops.rd_delete("r1")
    assert got[0].is_warning() and got[0].code == 3000
    assert rc.http_status(got, created=False) == 200
    assert (await ops.node_delete("alpha"))[0].message == "Node 'alpha' deleted."
    assert "alpha" not in ops.model.nodes and not ops.model.pools_of_node("alpha")


async def test_gross_size_with_extent_rounding(ops: Operations) -> None:
    from drbdeck.backend.controller.volumes import gross_kib

    _ok(await ops.rd_create("legacy", peer_slots=4))
    _ok(await ops.vd_create("legacy", 1371956))
    _ok(await ops.vd_create("legacy", 1372160, gross=True))
    _ok(await ops.rsc_create("legacy", ["alpha"], storage_pool="pool1"))
    rd = ops.model.rd("legacy")
    assert gross_kib(ops.model, rd, rd.volumes[0]) == 1372160  # linstor.md §4 table
    _ok(await ops.pool_report("alpha", "pool1", free_kib=None, total_kib=None,
                              extent_kib=4096))
    _ok(await ops.rd_modify("legacy", peer_slots=7))
    assert gross_kib(ops.model, rd, rd.volumes[0]) == 1376256
    assert gross_kib(ops.model, rd, rd.volumes[1]) == 1372160  # GROSS_SIZE: as given


async def test_free_space_check_only_online_thick_and_not_adopted(ops: Operations) -> None:
    for n in ("alpha", "gamma"):
        _ok(await ops.pool_report(n, "pool1", free_kib=1000, total_kib=2000, extent_kib=4))
    _ok(await ops.rd_create("big"))
    _ok(await ops.vd_create("big", 10 * 1024 * 1024))
    got = await ops.rsc_create("big", ["alpha"], storage_pool="pool1")
    assert got[0].code == 980 and "needs" in got[0].message
    assert not ops.model.resources_of_rd("big")
    _ok(await ops.rsc_create("big", ["gamma"], storage_pool="pool1"))  # gamma is offline
    _ok(await ops.vd_set_property("big", 0, "OverrideVlmId", "old_lv"))
    _ok(await ops.rsc_create("big", ["alpha"], storage_pool="pool1"))  # adopts an LV


async def test_props_on_controller_node_resource(ops: Operations) -> None:
    seen: list[set[str]] = []

    async def hook(nodes: set[str]) -> None:
        seen.append(nodes)

    ops.on_change.append(hook)
    _ok(await ops.controller_modify(override={"PeerSlotsNewResource": "4"}))
    assert ops.model.controller_props == {"PeerSlotsNewResource": "4"}
    assert (await ops.controller_modify(override={"OverrideVlmId": "x"}))[0].code == 213
    _ok(await ops.controller_modify(override={"DrbdOptions/Net/protocol": "C"}))
    assert seen[-1] == {"alpha", "beta", "gamma"}
    _ok(await ops.node_modify("alpha", override={"Aux/rack": "r1"}))
    assert ops.model.node("alpha").props == {"Aux/rack": "r1"}
    _ok(await ops.node_modify("alpha", delete=["Aux/rack"]))
    assert ops.model.node("alpha").props == {}
    _ok(await ops.rd_create("r1"))
    _ok(await ops.rsc_create("r1", ["alpha"], storage_pool="pool1"))
    assert ops.model.rd("r1").peer_slots == 4  # controller-level PeerSlotsNewResource
    got = await ops.rsc_modify("r1", "alpha", override={"DrbdOptions/Disk/al-extents": "6007"})
    assert got[0].message == "Successfully set property key(s): DrbdOptions/Disk/al-extents"
    assert (await ops.rsc_modify("r1", "beta", override={"Aux/x": "1"}))[0].code == 302
    # the controller reopens with everything
    ops.store.close()
    again = Store(ops.store.path).model
    assert again.controller_props["DrbdOptions/Net/protocol"] == "C"
    assert again.resource("r1", "alpha").props == {"DrbdOptions/Disk/al-extents": "6007"}


async def test_unexpected_failure_is_an_answer_and_rolls_back(ops: Operations) -> None:
    ops.on_change.append(lambda nodes: (_ for _ in ()).throw(AssertionError("no hook")))

    def bad_op(tx):  # type: ignore[no-untyped-def]
        tx.put(ops.model.node("alpha").__class__("zeta"))
        raise ZeroDivisionError("x")

    got = await ops._run(rc.MASK_CRT, rc.MASK_NODE, bad_op)
    assert got[0].code == 999 and "ZeroDivisionError" in got[0].message
    assert "zeta" not in ops.model.nodes


async def test_resource_groups(ops: Operations) -> None:
    _ok(await ops.rg_create("grp", place_count="3", storage_pools=["pool1"],  # type: ignore[arg-type]
                            props={"PeerSlotsNewResource": "6"}))
    g = ops.model.rg("GRP")
    assert (g.place_count, g.storage_pools) == (3, ["pool1"])
    assert (await ops.rg_create("grp"))[0].code == 522
    assert (await ops.rg_create("g2", place_count=0))[0].code == 219
    assert (await ops.rg_create("g2", place_count="x"))[0].code == 219  # type: ignore[arg-type]
    assert (await ops.rg_create("all"))[0].code == 234
    assert (await ops.rg_create("g2", storage_pools=["p"]))[0].code == 208
    _ok(await ops.rd_create("r1", resource_group="grp"))
    _ok(await ops.rsc_create("r1", ["alpha"], storage_pool="pool1"))
    assert ops.model.rd("r1").peer_slots == 6  # from the RG's PeerSlotsNewResource


async def test_vd_delete(ops: Operations) -> None:
    _ok(await ops.rd_create("r1"))
    _ok(await ops.vd_create("r1", 1024))
    _ok(await ops.vd_create("r1", 2048))
    _ok(await ops.vd_delete("r1", 1))  # no replicas: gone at once
    assert list(ops.model.rd("r1").volumes) == [0]
    _ok(await ops.rsc_create("r1", ["alpha"], storage_pool="pool1"))
    _ok(await ops.vd_delete("r1", 0))
    assert "DELETE" in ops.model.rd("r1").volumes[0].flags
    await ops.vd_confirm_deleted("r1", 0)
    assert not ops.model.rd("r1").volumes and not ops.model.resource("r1", "alpha").volumes
    assert (await ops.vd_delete("r1", 7))[0].code == 3000


async def test_existing_lv_larger_needs_allow_larger_volume_size(ops: Operations) -> None:
    from drbdeck.backend.controller.volumes import check_existing_lv

    _ok(await ops.rd_create("legacy", peer_slots=4))
    _ok(await ops.vd_create("legacy", 1371956, props={"OverrideVlmId": "legacy"}))
    _ok(await ops.rsc_create("legacy", ["alpha"], storage_pool="pool1"))
    rd = ops.model.rd("legacy")
    vd = rd.volumes[0]
    assert check_existing_lv(ops.model, rd, vd, "alpha", "/dev/vg0/legacy", 1372160) == "use"
    assert check_existing_lv(ops.model, rd, vd, "alpha", "/dev/vg0/legacy", 1000) == "grow"
    with pytest.raises(rc.ApiError, match="larger than") as ei:
        check_existing_lv(ops.model, rd, vd, "alpha", "/dev/vg0/legacy", 2_000_000)
    assert "AllowLargerVolumeSize true" in (ei.value.entry.correction or "")
    _ok(await ops.vd_set_property("legacy", 0, "AllowLargerVolumeSize", "true"))
    assert check_existing_lv(ops.model, rd, vd, "alpha", "/dev/vg0/legacy", 2_000_000) == "use"
