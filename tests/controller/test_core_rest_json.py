"""Our REST JSON read back through python-linstor 1.29.1's own response classes.

Every public property of each response object is read; a KeyError means a field the
client requires is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend.controller import rest_json as J
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store

L = pytest.importorskip("linstor.responses")
_LEGACY = {"data_v0", "number"}  # VolumeState's v0 accessors read pre-1.0 fields


def _read_all(obj: Any) -> None:
    for attr in dir(type(obj)):
        if attr.startswith("_") or attr in _LEGACY:
            continue
        if isinstance(getattr(type(obj), attr, None), property):
            getattr(obj, attr)


@pytest.fixture
async def ops(tmp_path: Path) -> Operations:
    o = Operations(Store(tmp_path / "c.db"))
    await o.node_create("alpha", "10.0.0.1", ssh_port=2222)
    await o.node_create("beta", "10.0.0.2")
    await o.storage_pool_create("alpha", "pool1", "LVM_THIN",
                                {"StorDriver/StorPoolName": "vg0/thin0"})
    await o.rd_create("r1", peer_slots=4)
    await o.vd_create("r1", 1024 * 1024)
    await o.rsc_create("r1", ["alpha"], storage_pool="pool1")
    await o.rsc_create("r1", ["beta"], drbd_diskless=True)
    return o


async def test_node_and_pools(ops: Operations) -> None:
    n = L.Node(J.node_json(ops.model.node("alpha"), "ONLINE"))
    _read_all(n)
    assert (n.name, n.type, n.connection_status) == ("alpha", "SATELLITE", "ONLINE")
    assert n.net_interfaces[0].address == "10.0.0.1"
    for p in ops.model.pools.values():
        sp = L.StoragePool(J.storage_pool_json(p))
        _read_all(sp)
    thin = L.StoragePool(J.storage_pool_json(ops.model.pool("alpha", "pool1")))
    assert thin.provider_kind == "LVM_THIN" and thin.supports_snapshots
    assert thin.properties["StorDriver/StorPoolName"] == "vg0/thin0"
    dl = J.storage_pool_json(ops.model.pool("beta", "DfltDisklessStorPool"))
    assert dl["free_capacity"] == dl["total_capacity"] == (1 << 63) - 1


async def test_rd_and_vd(ops: Operations) -> None:
    rd = L.ResourceDefinition(J.rd_json(ops.model.rd("r1"), with_volume_definitions=True))
    _read_all(rd)
    assert rd.drbd_data.peer_slots == 4 and rd.drbd_data.secret
    assert rd.resource_group_name == "DfltRscGrp"
    (vd,) = rd.volume_definitions
    _read_all(vd)
    assert vd.size == 1024 * 1024 and vd.number == 0
    fresh = J.rd_json(ops.model.rd("r1").__class__("r2"))
    assert L.ResourceDefinition(fresh).drbd_data is None  # no DRBD data yet


async def test_resources_and_volumes(ops: Operations) -> None:
    for r in ops.model.resources.values():
        rj = J.resource_json(ops.model, r, in_use=False,
                             connections={"x": {"connected": False, "message": "Connecting"}},
                             disk_states={0: "UpToDate"})
        res = L.Resource(rj)
        _read_all(res)
        _read_all(res.layer_data)
        assert res.layer_data.layer_stack == ["DRBD", "STORAGE"]
        drbd = res.layer_data.drbd_resource
        _read_all(drbd)
        assert drbd.node_id == r.node_id and drbd.peer_slots == 4
        for v in res.volumes:
            _read_all(v)
            _read_all(v.drbd_data)
            _read_all(v.drbd_data.drbd_volume_definition)
            assert v.drbd_data.drbd_volume_definition.minor == 1000
            assert v.device_path == "/dev/drbd1000"
    beta = J.resource_json(ops.model, ops.model.resource("r1", "beta"))
    assert set(beta["flags"]) == {"DISKLESS", "DRBD_DISKLESS"}
    assert beta["volumes"][0]["provider_kind"] == "DISKLESS"
