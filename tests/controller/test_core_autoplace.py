"""Auto-place and make-available through the Operations facade: the placer's choices end
up as resources in the model and the DB; refusals change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.placement import PlaceRequest

GIB = 1024 * 1024
FREE = {"alpha": 100 * GIB, "beta": 50 * GIB, "gamma": 80 * GIB, "delta": 20 * GIB}


def _ok(entries: list[rc.ApiCallRc]) -> list[rc.ApiCallRc]:
    assert not [e.message for e in entries if e.is_error()]
    return entries


def _same(a: ClusterModel, b: ClusterModel) -> None:
    assert dict(a.nodes) == dict(b.nodes) and a.pools == b.pools
    assert dict(a.rds) == dict(b.rds) and a.resources == b.resources
    assert dict(a.rgs) == dict(b.rgs)


def _replicas(o: Operations, rd: str) -> dict[str, tuple[str | None, frozenset[str]]]:
    return {r.node: (r.storage_pool, frozenset(r.flags)) for r in o.model.resources_of_rd(rd)}


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Operations]:
    online = set(FREE)
    o = Operations(Store(tmp_path / "c.db"), is_connected=lambda n: n in online)
    o.online = online  # type: ignore[attr-defined]
    for i, (n, free) in enumerate(FREE.items()):
        _ok(await o.node_create(n, f"10.0.0.{i + 1}"))
        _ok(await o.storage_pool_create(n, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"}))
        _ok(await o.pool_report(n, "pool1", free_kib=free, total_kib=200 * GIB, extent_kib=4096))
    _ok(await o.rd_create("r0"))
    _ok(await o.vd_create("r0", 10 * GIB))
    yield o
    _same(Store(o.store.path).model, o.model)  # every change also reached the DB


async def test_most_free_space_wins_with_tiebreaker(ops: Operations) -> None:
    got = _ok(await ops.autoplace("r0", PlaceRequest(place_count=2)))
    dl = frozenset({"DISKLESS", "DRBD_DISKLESS", "TIE_BREAKER"})
    assert _replicas(ops, "r0") == {"alpha": ("pool1", frozenset()),
                                    "gamma": ("pool1", frozenset()),
                                    "beta": ("DfltDisklessStorPool", dl)}
    assert ops.model.resource("r0", "alpha").props == {"StorPoolName": "pool1"}
    assert ops.model.resource("r0", "alpha").volumes[0].storage_pool == "pool1"
    created = [e for e in got if e.code == rc.CREATED]
    assert len(created) == 3
    tb = [e for e in got if e.ret_code == rc.to_unsigned(
        rc.INFO_TIE_BREAKER_CREATED | rc.MASK_CRT | rc.MASK_RSC)]
    assert len(tb) == 1 and "beta" in tb[0].message
    assert rc.http_status(got, True) == 201


async def test_rg_place_count_and_one_replica_per_node(ops: Operations) -> None:
    """Two pools per node: still one replica per node; DfltRscGrp's count 2 applies, an
    RG with place_count 3 gives three (odd: no tie-breaker)."""
    for n in FREE:
        _ok(await ops.storage_pool_create(n, "pool2", "LVM", {"StorDriver/StorPoolName": "vg1"}))
        _ok(await ops.pool_report(n, "pool2", free_kib=FREE[n] + 1, total_kib=300 * GIB,
                                  extent_kib=4096))
    _ok(await ops.autoplace("r0", PlaceRequest()))
    diskful = {n: p for n, (p, f) in _replicas(ops, "r0").items() if not f}
    assert diskful == {"alpha": "pool2", "gamma": "pool2"}
    _ok(await ops.rg_create("three", place_count=3))
    _ok(await ops.rd_create("r3", resource_group="three"))
    _ok(await ops.vd_create("r3", GIB))
    _ok(await ops.autoplace("r3", PlaceRequest()))
    assert sorted(_replicas(ops, "r3")) == ["alpha", "beta", "gamma"]
    assert all(not f for _, f in _replicas(ops, "r3").values())


async def test_storage_pool_restricts(ops: Operations) -> None:
    _ok(await ops.storage_pool_create("delta", "fast", "LVM", {"StorDriver/StorPoolName": "nv"}))
    _ok(await ops.pool_report("delta", "fast", free_kib=15 * GIB, total_kib=20 * GIB,
                              extent_kib=4096))
    _ok(await ops.autoplace("r0", PlaceRequest(place_count=1, storage_pools=["fast"])))
    assert _replicas(ops, "r0") == {"delta": ("fast", frozenset())}


async def test_do_not_place_with(ops: Operations) -> None:
    _ok(await ops.rd_create("other"))
    _ok(await ops.rsc_create("other", ["alpha"], storage_pool="pool1"))
    _ok(await ops.autoplace("r0", PlaceRequest(place_count=2, do_not_place_with=["other"])))
    diskful = sorted(n for n, (_, f) in _replicas(ops, "r0").items() if not f)
    assert diskful == ["beta", "gamma"]


async def test_not_enough_nodes_changes_nothing(ops: Operations) -> None:
    before = ops.model.clone()
    got = await ops.autoplace("r0", PlaceRequest(place_count=5))
    assert len(got) == 1 and got[0].is_error()
    assert got[0].ret_code == rc.to_unsigned(rc.FAIL_NOT_ENOUGH_NODES | rc.MASK_CRT
                                             | rc.MASK_RSC)
    assert got[0].message == "Not enough available nodes"
    assert (got[0].details or "").startswith("Not enough nodes fulfilling")
    assert rc.http_status(got, True) == 500
    _same(ops.model, before)
    _same(Store(ops.store.path).model, before)


async def test_too_big_for_every_pool(ops: Operations) -> None:
    _ok(await ops.rd_create("huge"))
    _ok(await ops.vd_create("huge", 150 * GIB))
    got = await ops.autoplace("huge", PlaceRequest(place_count=1))
    assert got[0].code == rc.FAIL_NOT_ENOUGH_NODES & rc.MASK_BITS_CODE
    assert not ops.model.resources_of_rd("huge")


async def test_already_deployed_warns_and_adds_nothing(ops: Operations) -> None:
    _ok(await ops.autoplace("r0", PlaceRequest(place_count=2)))
    before = _replicas(ops, "r0")
    got = _ok(await ops.autoplace("r0", PlaceRequest(place_count=2)))
    assert [e.ret_code for e in got] == [rc.to_unsigned(
        rc.WARN_RSC_ALREADY_DEPLOYED | rc.MASK_CRT | rc.MASK_RSC)]
    assert "already deployed on 2 nodes" in got[0].message
    assert _replicas(ops, "r0") == before
    _ok(await ops.autoplace("r0", PlaceRequest(additional_place_count=1)))
    # beta holds the tie-breaker, so the placer skips it (one replica per node)
    diskful = sorted(n for n, (_, f) in _replicas(ops, "r0").items() if "TIE_BREAKER" not in f)
    assert diskful == ["alpha", "delta", "gamma"]


async def test_offline_nodes_never_chosen(ops: Operations) -> None:
    ops.online.discard("alpha")  # type: ignore[attr-defined]
    ops.online.discard("beta")  # type: ignore[attr-defined]
    got = _ok(await ops.autoplace("r0", PlaceRequest(place_count=2)))
    assert _replicas(ops, "r0") == {"gamma": ("pool1", frozenset()),
                                    "delta": ("pool1", frozenset())}
    assert not any(e.code == rc.WARN_NOT_CONNECTED & rc.MASK_BITS_CODE for e in got)
    ops.online.discard("gamma")  # type: ignore[attr-defined]
    _ok(await ops.rd_create("r1"))
    _ok(await ops.vd_create("r1", GIB))
    got = await ops.autoplace("r1", PlaceRequest(place_count=2))
    assert got[0].is_error() and not ops.model.resources_of_rd("r1")


async def test_no_volumes_warning_once(ops: Operations) -> None:
    _ok(await ops.rd_create("empty"))
    got = _ok(await ops.autoplace("empty", PlaceRequest(place_count=2)))
    warn = [e for e in got if e.message.startswith("No volumes have been defined")]
    assert len(warn) == 1 and warn[0].is_warning()


async def test_unknown_rd_and_bad_request(ops: Operations) -> None:
    got = await ops.autoplace("nope", PlaceRequest(place_count=1))
    assert got[0].code == rc.FAIL_NOT_FOUND_RSC_DFN & rc.MASK_BITS_CODE
    got = await ops.autoplace("r0", PlaceRequest(do_not_place_with_regex="("))
    assert got[0].is_error() and "do_not_place_with_regex" in got[0].message
    assert not ops.model.resources_of_rd("r0")


async def test_make_available_is_idempotent(ops: Operations) -> None:
    _ok(await ops.rsc_create("r0", ["alpha", "beta"], storage_pool="pool1"))
    got = _ok(await ops.make_available("r0", "gamma"))
    assert [e.code for e in got] == [rc.CREATED]
    g = ops.model.resource("r0", "gamma")
    assert {"DISKLESS", "DRBD_DISKLESS"} <= g.flags and g.storage_pool == "DfltDisklessStorPool"
    snapshot = ops.model.clone()
    again = _ok(await ops.make_available("r0", "GAMMA"))
    assert len(again) == 1 and "already available" in again[0].message
    assert not again[0].is_warning()
    _same(ops.model, snapshot)
    _ok(await ops.make_available("r0", "alpha"))  # diskful there already: no change
    assert not ops.model.resource("r0", "alpha").diskless
    assert len(ops.model.resources_of_rd("r0")) == 3


async def test_make_available_diskful_and_errors(ops: Operations) -> None:
    _ok(await ops.storage_pool_create("delta", "DfltStorPool", "LVM",
                                      {"StorDriver/StorPoolName": "vg0"}))
    _ok(await ops.make_available("r0", "delta", diskful=True))
    d = ops.model.resource("r0", "delta")
    assert not d.diskless and d.storage_pool == "DfltStorPool"
    got = await ops.make_available("r0", "nobody")
    assert got[0].code == rc.FAIL_NOT_FOUND_NODE & rc.MASK_BITS_CODE
    got = await ops.make_available("nope", "alpha")
    assert got[0].code == rc.FAIL_NOT_FOUND_RSC_DFN & rc.MASK_BITS_CODE


async def test_diskless_on_remaining(ops: Operations) -> None:
    _ok(await ops.autoplace("r0", PlaceRequest(place_count=2, diskless_on_remaining=True)))
    layout = {n: "DRBD_DISKLESS" in f for n, (_, f) in _replicas(ops, "r0").items()}
    assert layout == {"alpha": False, "gamma": False, "beta": True, "delta": True}
    assert not any("TIE_BREAKER" in f for _, f in _replicas(ops, "r0").values())


async def test_offline_peer_gets_not_connected_warning(ops: Operations) -> None:
    _ok(await ops.rsc_create("r0", ["alpha"], storage_pool="pool1"))
    ops.online.discard("alpha")  # type: ignore[attr-defined]
    got = _ok(await ops.autoplace("r0", PlaceRequest(additional_place_count=1)))
    warned = [e.obj_refs.get("Node") for e in got
              if e.code == rc.WARN_NOT_CONNECTED & rc.MASK_BITS_CODE]
    assert warned == ["alpha"]
    assert sorted(_replicas(ops, "r0")) == ["alpha", "beta", "gamma"]  # + tie-breaker


def _recount(m: ClusterModel) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for (_rd, nk), r in m.resources.items():
        if r.storage_pool is not None:
            k = (nk, r.storage_pool.upper())
            out[k] = out.get(k, 0) + max(1, len(r.volumes))
    return out


async def test_pool_usage_index_matches_a_recount(ops: Operations, tmp_path: Path) -> None:
    """The per-pool volume counts auto-place ranks by are kept incrementally; after
    creates, volumes added and removed, deletes and refused calls they equal a recount,
    in memory and after reloading the store."""
    m = ops.model
    for i in range(6):
        _ok(await ops.rd_create(f"u{i}"))
        _ok(await ops.vd_create(f"u{i}", GIB))
        _ok(await ops.autoplace(f"u{i}", PlaceRequest(place_count=2)))
        assert m.resources.pool_usage() == _recount(m)
    _ok(await ops.vd_create("u0", GIB))  # every replica of u0 gains a volume in place
    assert m.resources.pool_usage() == _recount(m)
    _ok(await ops.vd_delete("u0", 1))
    _ok(await ops.vd_confirm_deleted("u0", 1))
    assert m.resources.pool_usage() == _recount(m)
    node = next(r.node for r in m.resources_of_rd("u1"))
    _ok(await ops.rsc_delete("u1", node))
    _ok(await ops.confirm_deleted("u1", node))
    assert m.resources.pool_usage() == _recount(m)
    before = dict(m.resources.pool_usage())
    bad = await ops.autoplace("u2", PlaceRequest(place_count=9))  # refused: rolled back
    assert bad[0].is_error() and m.resources.pool_usage() == before == _recount(m)
    ops.store.close()
    again = Store(tmp_path / "c.db")
    try:
        assert again.model.resources.pool_usage() == before
    finally:
        again.close()
