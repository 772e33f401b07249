"""python-linstor 1.29.1 (LINSTOR's own client) against drbdeck's REST server.

Every call must succeed and every response object must parse, reading the fields the
linstor CLI reads — a missing required field raises KeyError inside python-linstor.
"""

from __future__ import annotations

import pytest

from tests.conftest import require_module
from tests.rest.conftest import Server

linstor = require_module("linstor")


def _ok(replies: list) -> list:
    """No error entries (warnings such as "not connected" are fine, as in LINSTOR)."""
    assert replies, "empty answer"
    for r in replies:
        assert not r.is_error(), str(r)
    return replies


@pytest.fixture
def lin(server: Server):
    with linstor.Linstor(server.url) as client:
        yield client


def _cluster(lin) -> None:
    for i, name in enumerate(("alpha", "beta", "gamma")):
        _ok(lin.node_create(name, "SATELLITE", f"10.0.0.{i + 1}"))
        _ok(lin.storage_pool_create(name, "pool1", "LVM", "vg0"))
        _ok(lin.storage_pool_create(name, "thin1", "LVM_THIN", "vg0/thin0"))


def test_version_handshake(lin) -> None:
    info = lin.controller_version()
    assert info.rest_api_version == "1.28.0"


def test_node_create_list_delete(lin, server: Server) -> None:
    replies = _ok(lin.node_create("alpha", "SATELLITE", "10.0.0.1",
                                  property_dict={"Aux/rack": "r1"}))
    assert replies[0].is_success() and "registered" in replies[0].message
    _ok(lin.node_create("ctrl", "CONTROLLER", "10.0.0.9"))
    nodes = lin.node_list_raise().nodes
    assert [(n.name, n.type, n.connection_status) for n in nodes] == [
        ("alpha", "SATELLITE", "OFFLINE"), ("ctrl", "CONTROLLER", "OFFLINE")]
    alpha = nodes[0]
    assert alpha.net_interfaces[0].address == "10.0.0.1"
    assert alpha.props["Aux/rack"] == "r1"
    only = lin.node_list_raise(filter_by_nodes=["ALPHA"]).nodes
    assert [n.name for n in only] == ["alpha"]
    _ok(lin.node_delete("ctrl"))
    assert [n.name for n in lin.node_list_raise().nodes] == ["alpha"]
    assert "CTRL" not in server.ops.model.nodes


def test_node_create_twice_is_an_error(lin) -> None:
    _ok(lin.node_create("alpha", "SATELLITE", "10.0.0.1"))
    replies = lin.node_create("alpha", "SATELLITE", "10.0.0.1")
    assert replies[0].is_error()
    assert "already exists" in (replies[0].cause or "")


def test_storage_pools(lin) -> None:
    _cluster(lin)
    pools = lin.storage_pool_list_raise(filter_by_nodes=["alpha"]).storage_pools
    by_name = {p.name: p for p in pools}
    assert set(by_name) == {"DfltDisklessStorPool", "pool1", "thin1"}
    assert by_name["pool1"].provider_kind == "LVM"
    assert by_name["pool1"].properties["StorDriver/StorPoolName"] == "vg0"
    assert by_name["thin1"].provider_kind == "LVM_THIN"
    assert by_name["thin1"].is_thin()
    assert not by_name["pool1"].supports_snapshots()
    assert by_name["DfltDisklessStorPool"].is_diskless()
    assert by_name["pool1"].node_name == "alpha"
    every = lin.storage_pool_list_raise().storage_pools
    assert len(every) == 9


def test_storage_pool_bad_backing_is_refused(lin) -> None:
    _ok(lin.node_create("alpha", "SATELLITE", "10.0.0.1"))
    replies = lin.storage_pool_create("alpha", "thin1", "LVM_THIN", "vg0")
    assert replies[0].is_error()
    assert "VG/thinpool" in replies[0].message or "<vg>/<thinpool>" in replies[0].message


def test_rd_vd_create_list_modify_delete(lin, server: Server) -> None:
    _ok(lin.resource_dfn_create("r1", port=7001, peer_slots=4))
    _ok(lin.volume_dfn_create("r1", 1048576, minor_nr=1001))
    _ok(lin.volume_dfn_create("r1", 2048, volume_nr=3))
    rd = lin.resource_dfn_list_raise(query_volume_definitions=True).resource_definitions[0]
    assert rd.name == "r1" and rd.resource_group_name == "DfltRscGrp"
    assert rd.drbd_data.peer_slots == 4 and rd.drbd_data.secret == ""  # never listed
    assert [(v.number, v.size) for v in rd.volume_definitions] == [(0, 1048576), (3, 2048)]
    assert rd.volume_definitions[0].drbd_data.minor == 1001
    _ok(lin.resource_dfn_modify("r1", {"Aux/foo": "bar"}, peer_slots=5))
    rd = lin.resource_dfn_list_raise(filter_by_resource_definitions=["r1"]) \
        .resource_definitions[0]
    assert rd.properties["Aux/foo"] == "bar" and rd.drbd_data.peer_slots == 5
    _ok(lin.resource_dfn_modify("r1", {}, delete_props=["Aux/foo"]))
    _ok(lin.volume_dfn_modify("r1", 0, set_properties={"AllowLargerVolumeSize": "true"}))
    assert server.ops.model.rds["r1"].volumes[0].props == {"AllowLargerVolumeSize": "true"}
    _ok(lin.resource_dfn_delete("r1"))
    assert lin.resource_dfn_list_raise().resource_definitions == []


def test_resources_create_list_delete(lin, server: Server) -> None:
    _cluster(lin)
    _ok(lin.resource_dfn_create("r1"))
    _ok(lin.volume_dfn_create("r1", 1048576))
    _ok(lin.resource_create([linstor.ResourceData("alpha", "r1", storage_pool="pool1"),
                             linstor.ResourceData("beta", "r1", storage_pool="pool1")]))
    _ok(lin.resource_create([linstor.ResourceData("gamma", "r1", drbd_diskless=True)]))
    rscs = lin.resource_list_raise().resources
    assert [(r.name, r.node_name) for r in rscs] == [
        ("r1", "alpha"), ("r1", "beta"), ("r1", "gamma")]
    alpha = rscs[0]
    assert alpha.layer_data.layer_stack == ["DRBD", "STORAGE"]
    drbd = alpha.layer_data.drbd_resource
    assert drbd.node_id == 0
    assert {p: c.connected for p, c in drbd.connections.items()} == {
        "beta": False, "gamma": False}
    assert alpha.create_datetime is not None
    vol = alpha.volumes[0]
    assert vol.storage_pool_name == "pool1" and vol.storage_pool_driver_name == "LVM"
    assert vol.drbd_data.drbd_volume_definition.minor == 1000
    assert vol.drbd_data.device_path == "/dev/drbd1000"
    assert vol.drbd_data.usable_size == 1048576
    assert vol.drbd_data.allocated_size >= 1048576
    assert vol.state.disk_state == "Unknown"
    gamma = rscs[2]
    assert "DRBD_DISKLESS" in gamma.flags and gamma.volumes[0].state.disk_state == "Unknown"
    # the per-RD and per-node routes answer the same objects
    one = lin.resource_list_raise(filter_by_nodes=["beta"]).resources
    assert [(r.name, r.node_name) for r in one] == [("r1", "beta")]
    _ok(lin.resource_delete("gamma", "r1"))
    assert "DELETE" in server.ops.model.resources[("R1", "GAMMA")].flags
    flags = {r.node_name: r.flags for r in lin.resource_list_raise().resources}
    assert "DELETE" in flags["gamma"]


def test_resource_groups_and_controller_props(lin) -> None:
    groups = lin.resource_group_list_raise().resource_groups
    assert [g.name for g in groups] == ["DfltRscGrp"]
    _ok(lin.controller_set_prop("PeerSlotsNewResource", "4"))
    assert lin.controller_props()[0].properties["PeerSlotsNewResource"] == "4"
    _ok(lin.controller_del_prop("PeerSlotsNewResource"))
    assert "PeerSlotsNewResource" not in lin.controller_props()[0].properties


def test_missing_objects_answer_errors(lin) -> None:
    replies = lin.volume_dfn_create("nope", 1024)
    assert replies[0].is_error() and "not found" in replies[0].message
    replies = lin.resource_create([linstor.ResourceData("ghost", "nope")])
    assert replies[0].is_error()


def test_resource_group_create_and_vd_delete(lin, server: Server) -> None:
    _ok(lin.resource_group_create("rg1", place_count=3, storage_pool=["pool1"],
                                  description="three copies"))
    groups = {g.name: g for g in lin.resource_group_list_raise().resource_groups}
    assert groups["rg1"].select_filter.place_count == 3
    assert groups["rg1"].select_filter.storage_pool_list == ["pool1"]
    assert groups["rg1"].description == "three copies"
    _ok(lin.resource_dfn_create("r1", resource_group="rg1"))
    rd = lin.resource_dfn_list_raise().resource_definitions[0]
    assert rd.resource_group_name == "rg1"
    _ok(lin.volume_dfn_create("r1", 1024))
    _ok(lin.volume_dfn_delete("r1", 0))
    assert 0 not in server.ops.model.rds["r1"].volumes


def test_autoplace_body_from_python_linstor(lin, server: Server) -> None:
    """python-linstor's autoplace body is accepted and placed (the test server has no node
    layer, so the nodes are declared online and their pools report capacity)."""
    _cluster(lin)
    server.ops.is_connected = lambda node: True
    for name in ("alpha", "beta", "gamma"):
        server.call(server.ops.pool_report(name, "pool1", free_kib=100 * 1024 * 1024,
                                           total_kib=200 * 1024 * 1024, extent_kib=4096))
    _ok(lin.resource_dfn_create("r1"))
    _ok(lin.volume_dfn_create("r1", 1048576))
    replies = lin.resource_auto_place("r1", 2, storage_pool="pool1",
                                      do_not_place_with_regex="^x", diskless_on_remaining=True)
    _ok(replies)
    placed = {r.node: r.diskless for r in server.ops.model.resources_of_rd("r1")}
    assert sorted(placed.values()) == [False, False, True]  # 2 diskful + 1 on the remaining
    assert len(lin.resource_list_raise().resources) == 3


def test_make_available(lin, server: Server) -> None:
    _cluster(lin)
    _ok(lin.resource_dfn_create("r1"))
    _ok(lin.resource_make_available("alpha", "r1"))
    assert [r.node for r in server.ops.model.resources_of_rd("r1")] == ["alpha"]
