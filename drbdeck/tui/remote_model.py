"""REST lists → ClusterModel, and observed state → events2 lines (for RemoteBackend).

Why rebuild a ClusterModel: every view and form reads ``backend.model``; building the same
dataclasses from LINSTOR's JSON lets them run unchanged on a remote controller. Why events2
lines: the controller's event stream carries each replica's *observed* state (disk
states, replication, connections, role); turning it into ``create`` lines for a
per-node DrbdState gives the widgets the very objects they read in-process.
Odd or missing fields never raise: they are skipped (the lists come from the network).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    NodeType,
    Provider,
    Resource,
    ResourceDfn,
    StorPool,
    Volume,
    VolumeDfn,
)

_SYNC = re.compile(r"^SyncTarget\((?P<pct>[0-9.]+)%\)$")
_TOKEN = re.compile(r"[^\s:]+")


def _enum(cls: Any, value: Any, default: Any) -> Any:
    try:
        return cls(str(value).upper())
    except ValueError:
        return default


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_model(nodes: Iterable[Any], pools: Iterable[Any], rds: Iterable[Any],
                resources: Iterable[Any]) -> tuple[ClusterModel, dict[str, str]]:
    """(model, node name → connection status) from the four REST lists."""
    m = ClusterModel.initial()
    status: dict[str, str] = {}
    for n in nodes:
        if not isinstance(n, dict) or not n.get("name"):
            continue
        nets = n.get("net_interfaces") or [{}]
        ssh = n.get("ssh") or {}
        node = Node(str(n["name"]), _enum(NodeType, n.get("type"), NodeType.SATELLITE),
                    str((nets[0] or {}).get("address", "")), str(ssh.get("host") or ""),
                    _int(ssh.get("port")) or 22, ssh.get("user"),
                    dict(n.get("props") or {}), set(n.get("flags") or []))
        m.nodes[node.name] = node
        status[node.name] = str(n.get("connection_status") or "OFFLINE")
    for p in pools:
        if not isinstance(p, dict) or not p.get("node_name") or not p.get("storage_pool_name"):
            continue
        prov = _enum(Provider, p.get("provider_kind"), Provider.LVM)
        free, total = _int(p.get("free_capacity")), _int(p.get("total_capacity"))
        if prov is Provider.DISKLESS:
            free = total = None
        sp = StorPool(str(p["node_name"]), str(p["storage_pool_name"]), prov,
                      dict(p.get("props") or {}), free, total)
        m.pools[(sp.node.upper(), sp.name.upper())] = sp
    for d in rds:
        if not isinstance(d, dict) or not d.get("name"):
            continue
        drbd: dict[str, Any] = {}
        for layer in d.get("layer_data") or []:
            if isinstance(layer, dict) and layer.get("type") == "DRBD":
                drbd = layer.get("data") or {}
        rd = ResourceDfn(str(d["name"]), str(d.get("resource_group_name") or "DfltRscGrp"),
                         _int(drbd.get("port")), _int(drbd.get("peer_slots")),
                         props=dict(d.get("props") or {}), flags=set(d.get("flags") or []))
        for v in d.get("volume_definitions") or []:
            vnr = _int(v.get("volume_number")) if isinstance(v, dict) else None
            if vnr is None:
                continue
            minor = None
            for layer in v.get("layer_data") or []:
                if isinstance(layer, dict) and layer.get("type") == "DRBD":
                    minor = _int((layer.get("data") or {}).get("minor_number"))
            rd.volumes[vnr] = VolumeDfn(vnr, _int(v.get("size_kib")) or 0, minor,
                                        dict(v.get("props") or {}), set(v.get("flags") or []))
        m.rds[rd.name] = rd
    for r in resources:
        if not isinstance(r, dict) or not r.get("name") or not r.get("node_name"):
            continue
        drbd = ((r.get("layer_object") or {}).get("drbd") or {})
        ports = drbd.get("tcp_ports") or [None]
        res = Resource(str(r["node_name"]), str(r["name"]), _int(drbd.get("node_id")) or 0,
                       props=dict(r.get("props") or {}), flags=set(r.get("flags") or []),
                       tcp_port=_int(ports[0]))
        for v in r.get("volumes") or []:
            vnr = _int(v.get("volume_number")) if isinstance(v, dict) else None
            if vnr is None:
                continue
            res.storage_pool = res.storage_pool or v.get("storage_pool_name")
            res.volumes[vnr] = Volume(vnr, v.get("storage_pool_name"),
                                      allocated_kib=_int(v.get("allocated_size_kib")))
        m.resources[(res.rd.upper(), res.node.upper())] = res
    return m, status


def _tok(value: Any) -> str:
    """A value safe inside an events2 token (no blanks, no colons)."""
    text = "".join(_TOKEN.findall(str(value)))
    return text or "Unknown"


def observed_lines(model: ClusterModel, rsc: str, node: str,
                   observed: dict[str, Any] | None,
                   peer_disks: dict[tuple[str, int], str] | None = None,
                   peer_roles: dict[str, str] | None = None) -> list[str]:
    """``create`` lines for ``rsc`` as ``node`` observes it (empty: not running there).

    The observed shape has no peer disk states; ``peer_disks[(peer, vnr)]`` supplies them
    from the peers' own observations (DUnknown when unknown)."""
    peer_disks = peer_disks or {}
    peer_roles = peer_roles or {}
    if not isinstance(observed, dict):
        return []
    name = _tok(rsc)
    mine = model.resources.get((rsc.upper(), node.upper()))
    replicas = {r.node.upper(): r for r in model.resources_of_rd(rsc)}
    ids = {k: r.node_id for k, r in replicas.items()}
    role = "Primary" if observed.get("in_use") else "Secondary"
    out = [f"create resource name:{name} role:{role} suspended:no"]
    vols = observed.get("volumes") or {}
    repl_by_peer: dict[str, dict[int, dict[str, Any]]] = {}
    minors = {}
    rd = model.rds.get(rsc)
    if rd is not None:
        minors = {v.number: v.minor for v in rd.volumes.values()}
    for key, vol in vols.items():
        try:
            vnr = int(key)
        except (TypeError, ValueError):
            continue
        if not isinstance(vol, dict):
            continue
        disk = str(vol.get("disk_state") or "DUnknown")
        if _SYNC.match(disk):
            disk = "Inconsistent"
        if disk in ("Unknown", "TieBreaker"):
            disk = "DUnknown" if disk == "Unknown" else "Diskless"
        client = "yes" if disk == "Diskless" and mine is not None and mine.diskless else "no"
        minor = minors.get(vnr)
        out.append(f"create device name:{name} volume:{vnr} minor:"
                   f"{minor if minor is not None else vnr} disk:{_tok(disk)} client:{client}")
        for peer, st in (vol.get("replication_states") or {}).items():
            if isinstance(st, dict):
                repl_by_peer.setdefault(str(peer), {})[vnr] = st
    conns = observed.get("connections") or {}
    for i, (peer, c) in enumerate(sorted(conns.items())):
        if not isinstance(c, dict):
            continue
        pid = ids.get(str(peer).upper(), 100 + i)
        state = "Connected" if c.get("connected") else _tok(c.get("message") or "Connecting")
        prole = peer_roles.get(str(peer).upper(), "Unknown") if state == "Connected" \
            else "Unknown"
        prep = replicas.get(str(peer).upper())
        pclient = "yes" if prep is not None and prep.diskless else "no"
        out.append(f"create connection name:{name} peer-node-id:{pid} conn-name:{_tok(peer)} "
                   f"connection:{state} role:{_tok(prole)}")
        for vnr, st in sorted(repl_by_peer.get(str(peer), {}).items()):
            repl = _tok(st.get("replication_state") or "Off")
            done = st.get("done_percentage")
            extra = f" done:{float(done):.2f}" if isinstance(done, int | float) else ""
            pdisk = _tok(peer_disks.get((str(peer).upper(), vnr), "DUnknown"))
            out.append(f"create peer-device name:{name} peer-node-id:{pid} "
                       f"conn-name:{_tok(peer)} volume:{vnr} replication:{repl} "
                       f"peer-disk:{pdisk} peer-client:{pclient}{extra}")
    return out


def disk_of(observed: dict[str, Any] | None, vnr: int) -> str | None:
    """The events2 disk state a node's observed dict gives for volume ``vnr``."""
    if not isinstance(observed, dict):
        return None
    vols = observed.get("volumes") or {}
    vol = vols.get(vnr) or vols.get(str(vnr))
    if not isinstance(vol, dict):
        return None
    disk = str(vol.get("disk_state") or "DUnknown")
    if _SYNC.match(disk):
        return "Inconsistent"
    return {"Unknown": "DUnknown", "TieBreaker": "Diskless"}.get(disk, disk)


def observed_from_json(r: dict[str, Any]) -> dict[str, Any] | None:
    """The observed dict back from one ``view/resources`` entry (None: nothing known)."""
    vols: dict[int, Any] = {}
    for v in r.get("volumes") or []:
        if not isinstance(v, dict) or _int(v.get("volume_number")) is None:
            continue
        st = v.get("state") or {}
        vols[int(v["volume_number"])] = {"disk_state": st.get("disk_state") or "Unknown",
                                         "replication_states":
                                             st.get("replication_states") or {}}
    if not vols or all(v["disk_state"] in ("Unknown", "DUnknown") for v in vols.values()):
        return None
    drbd = (r.get("layer_object") or {}).get("drbd") or {}
    return {"in_use": bool((r.get("state") or {}).get("in_use")), "volumes": vols,
            "connections": dict(drbd.get("connections") or {})}


__all__ = ["build_model", "disk_of", "observed_from_json", "observed_lines"]
