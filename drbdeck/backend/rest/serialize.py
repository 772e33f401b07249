"""Model objects → LINSTOR v1 JSON (JsonGenTypes), the shapes python-linstor 1.29.1 reads.

Why hand-built dicts: python-linstor raises KeyError on a missing *required* field
(linstor.md §7) and the ``r l`` path decodes one object per replica, so every object
carries exactly the required fields plus the non-empty optional ones (LINSTOR's
NON_EMPTY) — nothing more, which keeps ``view/resources`` of 30,000 replicas small.

Observed state (disk states, connections) is not in the model: an optional
``ObservedProvider`` ``(rd_name, node_name) -> dict | None`` supplies it in the shape of
``drbdeck.backend.runtime.observed`` (``in_use``, ``volumes{vnr: {disk_state,
replication_states}}``, ``connections{peer: {connected, message}}``). Without one, or when
it returns None, disks are "Unknown" and connections not connected — what LINSTOR shows
for a satellite it cannot reach.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drbdeck.backend.controller.allocation import peer_slots_for_new_resource
from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    Provider,
    Resource,
    ResourceDfn,
    ResourceGroup,
    StorPool,
    StorPoolDfn,
    VolumeDfn,
)
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.volumes import gross_kib

#: (rd name, node name) → observed dict (see the module docstring) or None
ObservedProvider = Callable[[str, str], "dict[str, Any] | None"]
#: node name → LINSTOR ConnectionStatus name (OFFLINE, ONLINE, CONNECTED, …)
NodeStatus = Callable[[str], str]

AL_STRIPES = 1
AL_STRIPE_SIZE_KIB = 32


def _put(out: dict[str, Any], name: str, value: Any) -> None:
    """NON_EMPTY: only set fields that carry something."""
    if value:
        out[name] = value


def node(n: Node, status: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": n.name,
        "type": n.type.value,
        "connection_status": status,
        "uuid": n.uuid,
        "net_interfaces": [{
            "name": "default", "address": n.address, "satellite_port": 3366,
            "satellite_encryption_type": "PLAIN", "is_active": True,
        }],
    }
    _put(out, "props", dict(n.props))
    _put(out, "flags", sorted(n.flags))
    if n.has_connection:
        out["resource_layers"] = ["DRBD", "STORAGE"]
        out["storage_providers"] = ["DISKLESS", "LVM", "LVM_THIN", "FILE", "FILE_THIN"]
    ssh: dict[str, Any] = {"host": n.ssh_host, "port": n.ssh_port}
    if n.ssh_user:
        ssh["user"] = n.ssh_user
    out["ssh"] = ssh  # drbdeck's extension; python-linstor ignores unknown keys
    return out


def storage_pool(p: StorPool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "storage_pool_name": p.name,
        "node_name": p.node,
        "provider_kind": p.provider.value,
        "uuid": p.uuid,
        "free_space_mgr_name": f"{p.node};{p.name}",
        "supports_snapshots": p.provider in (Provider.LVM_THIN, Provider.FILE_THIN),
    }
    _put(out, "props", dict(p.props))
    if p.provider is Provider.DISKLESS:
        out["free_capacity"] = (1 << 63) - 1
        out["total_capacity"] = (1 << 63) - 1
    else:
        if p.free_kib is not None:
            out["free_capacity"] = p.free_kib
        if p.total_kib is not None:
            out["total_capacity"] = p.total_kib
    traits: dict[str, str] = {}
    if p.provider in (Provider.LVM, Provider.FILE):
        traits["Provisioning"] = "Fat"
    elif p.provider in (Provider.LVM_THIN, Provider.FILE_THIN):
        traits["Provisioning"] = "Thin"
    if p.extent_kib:
        traits["AllocationGranularity"] = str(p.extent_kib)
    _put(out, "static_traits", traits)
    return out


def storage_pool_dfn(d: StorPoolDfn) -> dict[str, Any]:
    out: dict[str, Any] = {"storage_pool_name": d.name, "uuid": d.uuid}
    _put(out, "props", dict(d.props))
    return out


def resource_group(g: ResourceGroup) -> dict[str, Any]:
    out: dict[str, Any] = {"name": g.name, "uuid": g.uuid}
    _put(out, "description", g.description)
    _put(out, "props", dict(g.props))
    sf: dict[str, Any] = {}
    if g.place_count is not None:
        sf["place_count"] = g.place_count
    _put(sf, "storage_pool_list", list(g.storage_pools))
    _put(out, "select_filter", sf)
    return out


def volume_definition(rd: ResourceDfn, vd: VolumeDfn) -> dict[str, Any]:
    out: dict[str, Any] = {"volume_number": vd.number, "size_kib": vd.size_kib,
                           "uuid": vd.uuid}
    _put(out, "flags", sorted(vd.flags))
    _put(out, "props", dict(vd.props))
    if vd.minor is not None:
        out["layer_data"] = [
            {"type": "DRBD", "data": {"resource_name_suffix": "", "rsc_name_suffix": "",
                                      "volume_number": vd.number, "minor_number": vd.minor}},
            {"type": "STORAGE"},
        ]
    return out


def resource_definition(rd: ResourceDfn, with_vds: bool = False,
                        model: ClusterModel | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rd.name, "resource_group_name": rd.resource_group,
                           "uuid": rd.uuid}
    _put(out, "external_name", rd.external_name)
    _put(out, "props", dict(rd.props))
    _put(out, "flags", sorted(rd.flags))
    # drbdeck always stacks DRBD on storage; before the RD's DRBD data exists (linstor.md
    # §1 timing) the peer slots shown are the ones a first replica would get.
    peer_slots = rd.peer_slots if rd.peer_slots is not None else (
        peer_slots_for_new_resource(model, rd) if model is not None else 7)
    drbd: dict[str, Any] = {"peer_slots": peer_slots, "al_stripes": AL_STRIPES,
                            "al_stripe_size_kib": AL_STRIPE_SIZE_KIB,
                            # never the real secret (a credential): python-linstor reads
                            # the key, so it is present but empty
                            "transport_type": "IP", "secret": ""}
    if rd.port is not None:
        drbd["port"] = rd.port
    layers: list[dict[str, Any]] = [{"type": "DRBD", "data": drbd}]
    layers.append({"type": "STORAGE"})
    out["layer_data"] = layers
    if with_vds:
        _put(out, "volume_definitions", [volume_definition(rd, vd) for vd in
                                         sorted(rd.volumes.values(), key=lambda v: v.number)])
    return out


class ResourceView:
    """Serialises replicas for ``view/resources`` with per-call caches.

    Why a class: a listing of 30,000 replicas looks up the same RDs, pools and peer lists
    again and again; the caches live for one request, so nothing goes stale.
    """

    def __init__(self, model: ClusterModel, observed: ObservedProvider | None = None) -> None:
        self.model = model
        self.observed = observed
        self._peers: dict[str, list[Resource]] = {}
        self._gross: dict[tuple[str, int], int] = {}

    def _peers_of(self, rd: str) -> list[Resource]:
        k = key(rd)
        peers = self._peers.get(k)
        if peers is None:
            peers = self._peers[k] = self.model.resources.of_rd(k)
        return peers

    def _gross_of(self, rd: ResourceDfn, vd: VolumeDfn) -> int:
        k = (key(rd.name), vd.number)
        g = self._gross.get(k)
        if g is None:
            g = self._gross[k] = gross_kib(self.model, rd, vd)
        return g

    def resource(self, r: Resource, observed: dict[str, Any] | None = None) -> dict[str, Any]:
        """One replica; ``observed`` as the provider returned it (None: nothing known)."""
        rd = self.model.rds.get(r.rd)
        obs = observed or {}
        conns_obs: dict[str, Any] = obs.get("connections") or {}
        conns: dict[str, Any] = {}
        for peer in self._peers_of(r.rd):
            if peer is r or (r.diskless and peer.diskless):
                continue
            c = conns_obs.get(peer.node)
            conns[peer.node] = c if c is not None else {"connected": False,
                                                        "message": "Connecting"}
        drbd: dict[str, Any] = {"node_id": r.node_id,
                                "peer_slots": rd.peer_slots if rd else 7,
                                "al_stripes": AL_STRIPES, "al_size": AL_STRIPE_SIZE_KIB}
        if r.tcp_port is not None:
            drbd["tcp_ports"] = [r.tcp_port]
        _put(drbd, "connections", conns)
        out: dict[str, Any] = {
            "name": r.rd, "node_name": r.node, "uuid": r.uuid,
            "layer_object": {"type": "DRBD", "rsc_name_suffix": "",
                             "children": [{"type": "STORAGE"}],
                             "drbd": drbd},
            "state": {"in_use": bool(obs.get("in_use"))},
        }
        if r.create_ts_ms:
            out["create_timestamp"] = r.create_ts_ms
        _put(out, "props", dict(r.props))
        _put(out, "flags", sorted(r.flags))
        if rd is not None:
            out["volumes"] = self._volumes(r, rd, obs)
        return out

    def _volumes(self, r: Resource, rd: ResourceDfn, obs: dict[str, Any]) -> list[Any]:
        observed_vols: dict[Any, Any] = obs.get("volumes") or {}
        pool = None
        if r.storage_pool is not None:
            pool = self.model.pools.get((key(r.node), key(r.storage_pool)))
        kind = pool.provider.value if pool is not None else "DISKLESS"
        vols = []
        for vnr in sorted(r.volumes):
            v = r.volumes[vnr]
            vd = rd.volumes.get(vnr)
            if vd is None:
                continue
            minor = vd.minor if vd.minor is not None else 0
            device = f"/dev/drbd{minor}"
            if r.diskless:
                allocated = usable = 0
            else:
                allocated = v.allocated_kib or self._gross_of(rd, vd)
                usable = vd.size_kib
            ov = observed_vols.get(vnr) or observed_vols.get(str(vnr)) or {}
            state_text = str(ov.get("disk_state") or "Unknown")
            drbd_data: dict[str, Any] = {
                "drbd_volume_definition": {"volume_number": vnr, "minor_number": minor},
                "device_path": device, "allocated_size_kib": allocated,
                "usable_size_kib": usable,
            }
            _put(drbd_data, "backing_device", v.backing_device)
            state: dict[str, Any] = {"disk_state": state_text}
            _put(state, "replication_states", ov.get("replication_states"))
            vol: dict[str, Any] = {
                "volume_number": vnr, "provider_kind": kind, "device_path": device,
                "allocated_size_kib": allocated, "usable_size_kib": usable,
                "state": state,
                "layer_data_list": [{"type": "DRBD", "data": drbd_data},
                                    {"type": "STORAGE", "data": {}}],
            }
            _put(vol, "storage_pool_name", v.storage_pool or r.storage_pool)
            vols.append(vol)
        return vols
