"""desired_for_node: the model → per-node desired state mapping, checked with real drbdadm."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.reconcile import validate
from drbdeck.backend.resfile import render
from drbdeck.backend.runtime.desired_map import desired_for_node
from tests.drbdtools import check_res


def _ok(entries: list[rc.ApiCallRc]) -> None:
    assert not [e.message for e in entries if e.is_error()]


@pytest.fixture
async def ops(tmp_path: Path) -> Operations:
    o = Operations(Store(tmp_path / "c.db"))
    for n, a in (("alpha", "10.0.0.1"), ("bravo", "10.0.0.2"), ("charlie", "10.0.0.3")):
        _ok(await o.node_create(n, a))
        _ok(await o.storage_pool_create(n, "thick", "LVM", {"StorDriver/StorPoolName": "vg0"}))
        _ok(await o.storage_pool_create(n, "thin", "LVM_THIN",
                                        {"StorDriver/StorPoolName": "vg0/thin0"}))
    return o


async def test_two_diskful_one_diskless_renders_and_passes_drbdadm(
        ops: Operations, tmp_path: Path) -> None:
    _ok(await ops.rd_create("r1", props={"DrbdOptions/Net/max-buffers": "8000",
                                         "DrbdOptions/Disk/al-extents": "6007"}))
    _ok(await ops.vd_create("r1", 65536))
    _ok(await ops.rsc_create("r1", ["alpha", "bravo"], storage_pool="thick"))
    _ok(await ops.rsc_create("r1", ["charlie"], drbd_diskless=True))
    m = ops.model
    rd = m.rd("r1")
    per = {n: desired_for_node(m, n) for n in ("alpha", "bravo", "charlie")}
    for n, d in per.items():
        validate(d)
        r = d.resources["r1"]
        rc_ = r.config
        assert set(rc_.hosts) == {"alpha", "bravo", "charlie"}
        assert rc_.net["cram-hmac-alg"] == "sha1" and rc_.net["shared-secret"] == rd.secret
        assert rc_.net["max-buffers"] == "8000" and rc_.disk["al-extents"] == "6007"
        # 2 diskful + 1 diskless: LINSTOR's auto-quorum switches quorum on
        assert rc_.options == {"quorum": "majority", "on-no-quorum": "suspend-io"}
        assert rc_.hosts["charlie"].volumes[0].disk == "none"
        assert rc_.hosts["alpha"].volumes[0].disk == "/dev/vg0/r1_00000"
        for h, hc in rc_.hosts.items():
            assert hc.node_id == m.resource("r1", h).node_id
            assert hc.address is not None and hc.address.port == m.resource("r1", h).tcp_port
        path = tmp_path / f"{n}.res"
        path.write_text(render(rc_, n))
        check_res(path, "r1", [n])
    assert per["charlie"].resources["r1"].volumes[0].diskless
    thick = per["alpha"].resources["r1"].volumes[0]
    assert (thick.provider, thick.vg, thick.thin_pool, thick.lv_name) == \
        ("LVM", "vg0", None, "r1_00000")
    # exactly one diskful replica (lowest node-id) forces the initial sync
    initial = {n: d.resources["r1"].initial for n, d in per.items()}
    assert initial == {"alpha": "force-primary", "bravo": None, "charlie": None}
    # once done, nobody forces again
    again = desired_for_node(m, "alpha", initial_done={"R1"})
    assert again.resources["r1"].initial is None


async def test_two_diskful_only_has_quorum_off(ops: Operations) -> None:
    _ok(await ops.rd_create("r2"))
    _ok(await ops.vd_create("r2", 65536))
    _ok(await ops.rsc_create("r2", ["alpha", "bravo"], storage_pool="thick"))
    assert desired_for_node(ops.model, "alpha").resources["r2"].config.options == \
        {"quorum": "off"}
    assert desired_for_node(ops.model, "charlie").resources == {}


async def test_migration_sizes_and_override_vlm_id(ops: Operations) -> None:
    _ok(await ops.rd_create("legacy"))
    _ok(await ops.rd_set_property("legacy", "PeerSlotsNewResource", "4"))
    _ok(await ops.rd_modify("legacy", port=15500))
    _ok(await ops.vd_create("legacy", 1371956, number=10, minor=9100))
    _ok(await ops.vd_set_property("legacy", 10, "OverrideVlmId", "legacy"))
    _ok(await ops.vd_set_property("legacy", 10, "AllowLargerVolumeSize", "true"))
    _ok(await ops.rsc_create("legacy", ["alpha"], node_id=4, storage_pool="thick"))
    _ok(await ops.rsc_create("legacy", ["bravo"], node_id=8, storage_pool="thick"))
    for p in ops.model.pools.values():
        p.extent_kib = 4096
    d = desired_for_node(ops.model, "bravo").resources["legacy"]
    (v,) = d.volumes
    assert (v.number, v.minor, v.lv_name, v.gross_kib, v.allow_larger) == \
        (10, 9100, "legacy", 1372160, True)
    assert d.max_peers == 4
    hosts = d.config.hosts
    assert (hosts["alpha"].node_id, hosts["bravo"].node_id) == (4, 8)
    assert hosts["bravo"].address is not None and hosts["bravo"].address.port == 15500
    assert hosts["bravo"].volumes[10].disk == "/dev/vg0/legacy"
    # the largest extent among the pools used wins: 7 peers would need 1372288 → 1376256
    ops.model.pools[("ALPHA", "THICK")].extent_kib = 8192
    (v,) = desired_for_node(ops.model, "bravo").resources["legacy"].volumes
    assert v.gross_kib == 1376256 and v.gross_kib % 8192 == 0


async def test_thin_clear_bitmap_and_deleting(ops: Operations) -> None:
    _ok(await ops.rd_create("t1"))
    _ok(await ops.vd_create("t1", 65536))
    _ok(await ops.rsc_create("t1", ["bravo", "charlie"], storage_pool="thin"))
    per = {n: desired_for_node(ops.model, n).resources["t1"] for n in ("bravo", "charlie")}
    assert [per[n].initial for n in ("bravo", "charlie")] == ["clear-bitmap", None]
    v = per["bravo"].volumes[0]
    assert (v.provider, v.vg, v.thin_pool) == ("LVM_THIN", "vg0", "thin0")
    _ok(await ops.rsc_delete("t1", "charlie"))
    gone = desired_for_node(ops.model, "charlie").resources["t1"]
    assert gone.deleting and gone.volumes[0].lv_name == "t1_00000"
    left = desired_for_node(ops.model, "bravo").resources["t1"]
    assert not left.deleting and set(left.config.hosts) == {"bravo"}


async def test_file_pools_map_to_backing_files(ops: Operations) -> None:
    _ok(await ops.storage_pool_create("alpha", "files", "FILE",
                                      {"StorDriver/StorPoolName": "/var/lib/files"}))
    _ok(await ops.storage_pool_create("bravo", "files", "FILE_THIN",
                                      {"StorDriver/StorPoolName": "/var/lib/files/"}))
    _ok(await ops.rd_create("f1"))
    _ok(await ops.vd_create("f1", 65536))
    _ok(await ops.rsc_create("f1", ["alpha", "bravo"], storage_pool="files"))
    a = desired_for_node(ops.model, "alpha").resources["f1"]
    b = desired_for_node(ops.model, "bravo").resources["f1"]
    validate(desired_for_node(ops.model, "alpha"))
    va, vb = a.volumes[0], b.volumes[0]
    assert (va.provider, va.file_path, va.diskless) == ("FILE", "/var/lib/files/f1_00000.img",
                                                        False)
    assert (vb.provider, vb.file_path) == ("FILE_THIN", "/var/lib/files/f1_00000.img")
    assert va.gross_kib == vb.gross_kib > 65536
    assert a.config.hosts["alpha"].volumes[0].disk == "/var/lib/files/f1_00000.img"
    assert a.initial == "force-primary" and b.initial is None


async def test_vd_delete_lists_the_volume_to_drop(ops: Operations) -> None:
    _ok(await ops.rd_create("r2"))
    _ok(await ops.vd_create("r2", 65536))
    _ok(await ops.vd_create("r2", 65536))
    _ok(await ops.rsc_create("r2", ["alpha"], storage_pool="thick"))
    _ok(await ops.rsc_create("r2", ["charlie"], drbd_diskless=True))
    _ok(await ops.vd_delete("r2", 1))
    a = desired_for_node(ops.model, "alpha").resources["r2"]
    assert [v.number for v in a.volumes] == [0]
    assert [(v.number, v.lv_name) for v in a.drop_volumes] == [(1, "r2_00001")]
    assert list(a.config.hosts["alpha"].volumes) == [0]
    c = desired_for_node(ops.model, "charlie").resources["r2"]
    assert c.drop_volumes == []  # a diskless replica has nothing to remove
