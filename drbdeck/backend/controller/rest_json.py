"""Model objects as LINSTOR's REST v1 JSON (linstor.md §7 "Response objects").

Why: python-linstor and the ``linstor`` CLI read these field names, some of them required
(``layer_object``, DRBD ``secret``/``peer_slots``, ``connections[*].connected``). Observed
state (connection status, disk states) is passed in by the caller; this module only knows
the stored model. Empty fields are left out, as the server's NON_EMPTY serialiser does.
"""

from __future__ import annotations

from typing import Any

from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    Provider,
    Resource,
    ResourceDfn,
    StorPool,
    VolumeDfn,
)
from drbdeck.backend.controller.volumes import gross_kib

LONG_MAX = (1 << 63) - 1
AL_STRIPES = 1
AL_STRIPE_SIZE_KIB = 32
_THIN = (Provider.LVM_THIN, Provider.FILE_THIN)


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], {}, "")}


def node_json(node: Node, connection_status: str = "OFFLINE") -> dict[str, Any]:
    """``connection_status`` must be a ConnectionStatus name (the CLI crashes otherwise)."""
    return _drop_empty({
        "name": node.name, "type": node.type.value, "flags": sorted(node.flags),
        "props": dict(node.props), "uuid": node.uuid,
        "net_interfaces": [{
            "name": "default", "address": node.address, "satellite_port": node.ssh_port,
            "satellite_encryption_type": "SSH", "is_active": True,
        }],
        "connection_status": connection_status,
        "storage_providers": [p.value for p in Provider],
        "resource_layers": ["DRBD", "STORAGE"],
    })


def storage_pool_json(pool: StorPool) -> dict[str, Any]:
    props = dict(pool.props)
    if pool.extent_kib:
        props["StorDriver/internal/AllocationGranularity"] = str(pool.extent_kib)
    free, total = pool.free_kib, pool.total_kib
    if pool.provider is Provider.DISKLESS:
        free = total = LONG_MAX
    out = _drop_empty({
        "storage_pool_name": pool.name, "node_name": pool.node,
        "provider_kind": pool.provider.value, "props": props, "uuid": pool.uuid,
        "free_space_mgr_name": f"{pool.node};{pool.name}",
        "static_traits": {"Provisioning": "Thin" if pool.provider in _THIN else "Fat",
                          "SupportsSnapshots": str(pool.provider in _THIN).lower()},
    })
    out["supports_snapshots"] = pool.provider in _THIN
    if free is not None:
        out["free_capacity"] = free
    if total is not None:
        out["total_capacity"] = total
    return out


def vd_json(vd: VolumeDfn) -> dict[str, Any]:
    layer: list[dict[str, Any]] = [{"type": "DRBD"}, {"type": "STORAGE"}]
    if vd.minor is not None:
        layer[0]["data"] = {"resource_name_suffix": "", "volume_number": vd.number,
                            "minor_number": vd.minor}
    out = _drop_empty({"volume_number": vd.number, "flags": sorted(vd.flags),
                       "props": dict(vd.props), "uuid": vd.uuid, "layer_data": layer})
    out["size_kib"] = vd.size_kib
    out["volume_number"] = vd.number
    return out


def rd_json(rd: ResourceDfn, with_volume_definitions: bool = False) -> dict[str, Any]:
    drbd: dict[str, Any] = {"type": "DRBD"}
    if rd.drbd_initialized:
        drbd["data"] = _drop_empty({
            "peer_slots": rd.peer_slots, "al_stripes": AL_STRIPES,
            "al_stripe_size_kib": AL_STRIPE_SIZE_KIB, "port": rd.port,
            "transport_type": "IP", "secret": rd.secret,
        })
    out = _drop_empty({
        "name": rd.name, "external_name": rd.external_name, "props": dict(rd.props),
        "flags": sorted(rd.flags), "resource_group_name": rd.resource_group, "uuid": rd.uuid,
        "layer_data": [drbd, {"type": "STORAGE"}],
    })
    if with_volume_definitions:
        out["volume_definitions"] = [vd_json(v) for v in sorted(rd.volumes.values(),
                                                                key=lambda v: v.number)]
    return out


def resource_json(model: ClusterModel, r: Resource, *, in_use: bool | None = None,
                  connections: dict[str, dict[str, Any]] | None = None,
                  disk_states: dict[int, str] | None = None,
                  with_volumes: bool = True) -> dict[str, Any]:
    """One replica as ``/v1/view/resources`` shows it. ``connections``: peer name →
    {"connected": bool, "message": str}; ``disk_states``: vnr → DRBD disk state label."""
    rd = model.rd(r.rd)
    drbd = {
        "node_id": r.node_id, "tcp_ports": [r.tcp_port] if r.tcp_port is not None else [],
        "peer_slots": rd.peer_slots, "al_stripes": AL_STRIPES, "al_size": AL_STRIPE_SIZE_KIB,
        "flags": [], "connections": connections or {},
    }
    out = _drop_empty({
        "name": rd.name, "node_name": r.node, "props": dict(r.props),
        "flags": sorted(r.flags), "uuid": r.uuid, "create_timestamp": r.create_ts_ms,
        # rsc_name_suffix is what python-linstor's ResourceLayerData reads
        "layer_object": {"type": "DRBD", "rsc_name_suffix": "", "drbd": drbd,
                         "children": [{"type": "STORAGE", "rsc_name_suffix": ""}]},
    })
    out["state"] = {} if in_use is None else {"in_use": in_use}
    if with_volumes:
        out["volumes"] = [_volume_json(model, rd, r, vd, (disk_states or {}).get(vd.number))
                          for vd in sorted(rd.volumes.values(), key=lambda v: v.number)]
    return out


def _volume_json(model: ClusterModel, rd: ResourceDfn, r: Resource, vd: VolumeDfn,
                 disk_state: str | None) -> dict[str, Any]:
    vol = r.volumes.get(vd.number)
    pool = model.pools.get((r.node.upper(), (r.storage_pool or "").upper()))
    device = f"/dev/drbd{vd.minor}" if vd.minor is not None else None
    allocated = 0 if r.diskless else (vol.allocated_kib if vol and vol.allocated_kib
                                      else gross_kib(model, rd, vd))
    drbd_data = _drop_empty({
        "type": "DRBD",
        "drbd_volume_definition": {"resource_name_suffix": "", "volume_number": vd.number,
                                   "minor_number": vd.minor},
        "device_path": device, "backing_device": vol.backing_device if vol else None,
        "disk_state": disk_state,
    })
    drbd_data["device_path"] = device or ""
    drbd_data["allocated_size_kib"] = allocated
    drbd_data["usable_size_kib"] = vd.size_kib
    state: dict[str, Any] = {"disk_state": disk_state} if disk_state else {}
    return _drop_empty({
        "volume_number": vd.number, "storage_pool_name": r.storage_pool,
        "provider_kind": pool.provider.value if pool else None, "device_path": device,
        "allocated_size_kib": allocated, "usable_size_kib": vd.size_kib,
        "props": dict(vd.props), "uuid": vd.uuid, "state": state,
        "layer_data_list": [{"type": "DRBD", "data": drbd_data},
                            {"type": "STORAGE", "data": _drop_empty({
                                "type": "STORAGE", "volume_number": vd.number,
                                "device_path": vol.backing_device if vol else None,
                                "allocated_size_kib": allocated,
                                "usable_size_kib": vd.size_kib})}],
    }) | {"volume_number": vd.number}
