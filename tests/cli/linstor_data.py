"""Canned REST answers in the shapes of linstor.md §7 (what the controller will send)."""

from __future__ import annotations

from typing import Any

NODES: list[dict[str, Any]] = [
    {"name": "beta", "type": "SATELLITE", "connection_status": "OFFLINE",
     "net_interfaces": [{"name": "default", "address": "10.0.0.2", "satellite_port": 3366,
                         "satellite_encryption_type": "PLAIN"}]},
    {"name": "alpha", "type": "COMBINED", "connection_status": "ONLINE",
     "net_interfaces": [{"name": "default", "address": "10.0.0.1", "satellite_port": 3366,
                         "satellite_encryption_type": "PLAIN"}]},
    {"name": "ctl", "type": "CONTROLLER", "connection_status": "OFFLINE",
     "net_interfaces": [{"name": "default", "address": "10.43.7.254", "satellite_port": 3370,
                         "satellite_encryption_type": "PLAIN"}]},
    {"name": "gamma", "type": "SATELLITE", "connection_status": "HOST_KEY_MISMATCH",
     "net_interfaces": [{"name": "default", "address": "10.0.0.3", "satellite_port": 3366,
                         "satellite_encryption_type": "PLAIN"}]},
    {"name": "delta", "type": "SATELLITE", "connection_status": "ONLINE", "flags": ["EVICTED"],
     "net_interfaces": []},
]  # fmt: skip

STORAGE_POOLS: list[dict[str, Any]] = [
    {"storage_pool_name": "pool1", "node_name": "alpha", "provider_kind": "LVM",
     "props": {"StorDriver/StorPoolName": "vg0"}, "free_capacity": 976563,
     "total_capacity": 10485760, "free_space_mgr_name": "alpha;pool1",
     "supports_snapshots": False},
    {"storage_pool_name": "DfltDisklessStorPool", "node_name": "alpha",
     "provider_kind": "DISKLESS", "supports_snapshots": False,
     "free_space_mgr_name": "alpha;DfltDisklessStorPool"},
    {"storage_pool_name": "thin", "node_name": "alpha", "provider_kind": "LVM_THIN",
     "props": {"StorDriver/StorPoolName": "vg0/thin0"}, "free_capacity": 52428800,
     "total_capacity": 52428800, "supports_snapshots": True,
     "reports": [{"ret_code": -9223372036854775807, "message": "thin pool nearly full"}]},
]  # fmt: skip

RESOURCE_DEFINITIONS: list[dict[str, Any]] = [
    {"name": "legacy", "resource_group_name": "DfltRscGrp",
     "layer_data": [{"type": "DRBD", "data": {"peer_slots": 4, "al_stripes": 1,
                                              "al_stripe_size_kib": 32, "port": 15500,
                                              "transport_type": "IP", "secret": "s"}},
                    {"type": "STORAGE"}],
     "volume_definitions": [
         {"volume_number": 10, "size_kib": 1371956,
          "layer_data": [{"type": "DRBD", "data": {"resource_name_suffix": "",
                                                   "volume_number": 10, "minor_number": 9100}},
                         {"type": "STORAGE"}]}]},
    {"name": "backups", "resource_group_name": "DfltRscGrp", "flags": ["DELETE"],
     "layer_data": [{"type": "DRBD"}, {"type": "STORAGE"}],
     "volume_definitions": [
         {"volume_number": 0, "size_kib": 41943040, "flags": ["GROSS_SIZE"],
          "layer_data": [{"type": "DRBD", "data": {"minor_number": 1000}}]},
         {"volume_number": 1, "size_kib": 10240, "flags": ["DELETE"]}]},
]  # fmt: skip


def _volume(
    disk: str | None, pool: str = "pool1", repl: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if disk is not None:
        state["disk_state"] = disk
    if repl is not None:
        state["replication_states"] = repl
    return {
        "volume_number": 0, "storage_pool_name": pool, "provider_kind": "LVM",
        "allocated_size_kib": 10489856, "state": state,
        "layer_data_list": [
            {"type": "DRBD", "data": {
                "drbd_volume_definition": {"volume_number": 0, "minor_number": 1000},
                "device_path": "/dev/drbd1000", "backing_device": "/dev/vg0/backups_00000",
                "allocated_size_kib": 10489856, "usable_size_kib": 10485760}},
            {"type": "STORAGE", "data": {}},
        ],
        **extra,
    }  # fmt: skip


def _resource(
    name: str, node: str, volumes: list[dict[str, Any]], *, conns: dict[str, Any] | None = None,
    flags: list[str] | None = None, in_use: bool = False,
) -> dict[str, Any]:
    return {
        "name": name, "node_name": node, "flags": flags or [], "create_timestamp": 1700000000000,
        "state": {"in_use": in_use},
        "layer_object": {
            "type": "DRBD", "resource_name_suffix": "", "children": [{"type": "STORAGE"}],
            "drbd": {"node_id": 0, "tcp_ports": [7000], "peer_slots": 7, "al_stripes": 1,
                     "al_size": 32, "flags": [], "connections": conns or {}},
        },
        "volumes": volumes,
    }  # fmt: skip


OK = {"connected": True, "message": "Connected"}
RESOURCES: list[dict[str, Any]] = [
    _resource("backups", "alpha", [_volume("UpToDate", repl={
        "beta": {"replication_state": "Established"},
        "gamma": {"replication_state": "Established"}})],
        conns={"beta": OK, "gamma": OK}, in_use=True),
    _resource("backups", "beta", [_volume("SyncTarget(42.00%)", repl={
        "alpha": {"replication_state": "SyncTarget", "done_percentage": 42.0}})],
        conns={"alpha": OK, "gamma": {"connected": False, "message": "Connecting"}}),
    _resource("backups", "gamma", [_volume("Diskless", pool="DfltDisklessStorPool")],
              flags=["DRBD_DISKLESS", "TIE_BREAKER"]),
    _resource("first", "alpha", [_volume(None)]),
    _resource("first", "bravo", [_volume("UpToDate")], flags=["DELETE"]),
    _resource("first", "charlie", [_volume("Diskless")]),
    _resource("first", "delta", [_volume("Inconsistent")]),
]  # fmt: skip

CONTROLLER_PROPS = {"TcpPortAutoRange": "7000-7999", "MinorNrAutoRange": "1000-49999"}
VERSION = {"version": "1.28.0", "git_hash": "drbdeck", "build_time": "2026-11-23T00:00:00",
           "rest_api_version": "1.28.0"}  # fmt: skip

MASK_ERROR = 0xC000000000000000
MASK_WARN = 0x8000000000000000


def signed(code: int) -> int:
    """An unsigned 64-bit ret_code as the signed number JSON carries."""
    return code - (1 << 64) if code >= 1 << 63 else code


RC_CREATED_NODE = {"ret_code": 20709377, "message": "New node 'alpha' registered.",
                   "details": "Node 'alpha' UUID is: 1234", "obj_refs": {"Node": "alpha"}}
RC_NOT_CONNECTED = {"ret_code": -9223372036834589718,
                    "message": "No active connection to satellite 'beta'",
                    "details": "The controller is trying to (re-) establish a connection to the "
                               "satellite.", "obj_refs": {"Node": "beta"}}
RC_NOT_ENOUGH_NODES = {"ret_code": -4611686018407201820,
                       "message": "Not enough available nodes",
                       "details": "Not enough nodes fulfilling the following auto-place "
                                  "criteria:\n * has a deployed storage pool named [pool1]",
                       "correction": "Add nodes or storage pools.",
                       "error_report_ids": ["5F3A-000001"]}  # fmt: skip
