"""Manual resource creation and deletion (``r c NODE RSC``, ``r d NODE RSC``).

Auto-place picks nodes with drbdeck.backend.placement and then calls ``rsc_create`` for
them, so every replica gets the same checks and allocation here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from drbdeck.backend.controller import allocation as al
from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, props
from drbdeck.backend.controller.model import NodeType, Provider, Resource, ResourceDfn
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.ops_node import DISKLESS_POOL, Result
from drbdeck.backend.controller.ops_rd import ensure_drbd_data
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.controller.volumes import add_volume, gross_kib

DEFAULT_POOL = "DfltStorPool"


def _pool_from_props(tx: Transaction, rd: ResourceDfn, node: str,
                     rsc_props: dict[str, str]) -> str | None:
    """``StorPoolName`` through resource > VD > RD > RG > node (linstor.md §3)."""
    m = tx.model
    chain: list[dict[str, str]] = [rsc_props]
    chain += [vd.props for vd in sorted(rd.volumes.values(), key=lambda v: v.number)]
    chain.append(rd.props)
    rg = m.rgs.get(rd.resource_group)
    if rg is not None:
        chain.append(rg.props)
    chain.append(m.node(node).props)
    for p in chain:
        if p.get("StorPoolName"):
            return p["StorPoolName"]
    return None


def _resolve_pool(tx: Transaction, rd: ResourceDfn, node: str, explicit: str | None,
                  diskless: bool, rsc_props: dict[str, str]) -> str:
    m = tx.model
    if diskless:
        name, is_default = explicit or DISKLESS_POOL, explicit is None
    elif explicit:
        name, is_default = explicit, False
    else:
        name = _pool_from_props(tx, rd, node, rsc_props)
        if name is None:
            peers = sorted({r.storage_pool for r in m.resources_of_rd(rd.name)
                            if not r.diskless and r.storage_pool})
            name = peers[0] if peers else DEFAULT_POOL
        is_default = True
    if (key(node), key(name)) not in m.pools:
        if is_default:
            raise rc.error(rc.FAIL_NOT_FOUND_DFLT_STOR_POOL,
                           f"The storage pool '{name}' for resource '{rd.name}' for volume "
                           f"number '0' is not deployed on node '{node}'.",
                           correction=f"Create storage pool '{name}' on node '{node}' or "
                                      "name a pool with --storage-pool.",
                           RscDfn=rd.name, Node=node, StorPool=name)
        raise rc.error(rc.FAIL_NOT_FOUND_STOR_POOL,
                       f"Storage pool '{name}' on node '{node}' not found.",
                       RscDfn=rd.name, Node=node, StorPool=name)
    return m.pools[(key(node), key(name))].name


def rsc_create(tx: Transaction, rd_name: str, nodes: Sequence[str], *,
               node_id: int | None = None, storage_pool: str | None = None,
               diskless: bool = False, drbd_diskless: bool = False,
               tcp_port: int | None = None, rsc_props: dict[str, str] | None = None,
               now_ms: int | None = None,
               is_online: Callable[[str], bool] | None = None) -> Result:
    """Create the replicas of ``rd_name`` on ``nodes`` (all or none).

    The free-space check runs only for online nodes with a reported free capacity, only
    for thick pools, and not when a VD adopts an existing LV (``OverrideVlmId``) — as in
    LINSTOR (linstor.md §1, §8).
    """
    m = tx.model
    rd = m.rd(rd_name)
    if not nodes:
        raise rc.error(rc.FAIL_NOT_FOUND_NODE, "No node given for the resource.",
                       RscDfn=rd.name)
    if "DELETE" in rd.flags:
        raise rc.error(rc.FAIL_IN_USE, f"Resource definition '{rd.name}' is being deleted.",
                       RscDfn=rd.name)
    pr = dict(rsc_props or {})
    props.check_all(props.Kind.RESOURCE, pr)
    seen: set[str] = set()
    out: list[rc.ApiCallRc] = []
    ensure_drbd_data(tx, rd)
    assert rd.peer_slots is not None
    stamp = now_ms if now_ms is not None else int(time.time() * 1000)
    for node_name in nodes:
        names.node_name(node_name)
        node = m.node(node_name)
        if key(node.name) in seen:
            raise rc.error(rc.FAIL_EXISTS_RSC, f"Node '{node.name}' is named twice.",
                           RscDfn=rd.name, Node=node.name)
        seen.add(key(node.name))
        if node.type not in (NodeType.SATELLITE, NodeType.COMBINED):
            raise rc.error(rc.FAIL_INVLD_NODE_TYPE,
                           f"Node '{node.name}' of type {node.type.value} cannot hold "
                           "resources.", RscDfn=rd.name, Node=node.name)
        if (key(rd.name), key(node.name)) in m.resources:
            raise rc.error(rc.FAIL_EXISTS_RSC,
                           f"A resource with the name '{rd.name}' already exists on node "
                           f"'{node.name}'.", RscDfn=rd.name, Node=node.name)
        no_disk = diskless or drbd_diskless
        pool_name = _resolve_pool(tx, rd, node.name, storage_pool, no_disk, pr)
        pool = m.pools[(key(node.name), key(pool_name))]
        # -d (DISKLESS, deprecated) and --drbd-diskless both mean a DRBD client here; a
        # DISKLESS pool implies it too. The JSON then lists DISKLESS and DRBD_DISKLESS.
        flags: set[str] = set()
        if no_disk or pool.provider is Provider.DISKLESS:
            flags = {"DISKLESS", "DRBD_DISKLESS"}
        nid = al.allocate_node_id(m, rd.name, node_id)
        port = al.allocate_port(m, rd.name, node.name, tcp_port)
        r = tx.put(Resource(node.name, rd.name, nid, pool.name, port, flags, dict(pr),
                            create_ts_ms=stamp))
        for vd in sorted(rd.volumes.values(), key=lambda v: v.number):
            add_volume(tx, r, rd, vd)
        if is_online is not None and is_online(node.name):
            _check_free_space(tx, rd, r)
        out.append(ans.created(rc.MASK_RSC, ans.rsc_phrase(rd.name, node.name), r.uuid,
                               "registered", RscDfn=rd.name, Node=node.name))
    diskful = sum(1 for r in m.resources_of_rd(rd.name) if not r.diskless)
    al.check_enough_peer_slots(rd.peer_slots, diskful, rd.name)
    if not rd.volumes:
        out.append(rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_CRT | rc.MASK_RSC,
                                f"No volumes have been defined for resource '{rd.name}'",
                                obj_refs={"RscDfn": rd.name}))
    return out, {r.node for r in m.resources_of_rd(rd.name)}


def _check_free_space(tx: Transaction, rd: ResourceDfn, r: Resource) -> None:
    m = tx.model
    if r.diskless or r.storage_pool is None:
        return
    pool = m.pools[(key(r.node), key(r.storage_pool))]
    if pool.provider not in (Provider.LVM, Provider.FILE) or pool.free_kib is None:
        return
    vds = [vd for vd in rd.volumes.values() if "OverrideVlmId" not in vd.props]
    need = sum(gross_kib(m, rd, vd) for vd in vds)
    if need > pool.free_kib:
        raise rc.error(rc.FAIL_NOT_ENOUGH_FREE_SPACE,
                       f"Not enough free space in storage pool '{pool.name}' on node "
                       f"'{r.node}' for resource '{rd.name}': needs {need} KiB, "
                       f"{pool.free_kib} KiB free.", RscDfn=rd.name, Node=r.node,
                       StorPool=pool.name)


def rsc_delete(tx: Transaction, rd_name: str, node: str) -> Result:
    """Mark DELETE; the replica goes when its node confirms (``confirm_deleted``)."""
    m = tx.model
    r = m.resources.get((key(rd_name), key(node)))
    if r is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_RSC,
                             f"Resource '{rd_name}' on node '{node}' not found.",
                             obj_refs={"RscDfn": rd_name, "Node": node})], set()
    tx.edit(r).flags.add("DELETE")
    return [rc.ApiCallRc(rc.DELETED | rc.MASK_DEL | rc.MASK_RSC,
                         f"Resource '{r.rd}' on node '{r.node}' marked for deletion.",
                         obj_refs={"RscDfn": r.rd, "Node": r.node, "UUID": r.uuid})], \
        {x.node for x in m.resources_of_rd(rd_name)}


def confirm_deleted(tx: Transaction, rd_name: str, node: str) -> Result:
    """The node has taken the replica down: drop it, and the RD if it was the last of a
    DELETE-flagged definition."""
    m = tx.model
    r = m.resources.get((key(rd_name), key(node)))
    if r is None or "DELETE" not in r.flags:
        return [], set()
    tx.delete(r)
    rd = m.rds.get(rd_name)
    if rd is not None and "DELETE" in rd.flags and not m.resources_of_rd(rd_name):
        tx.delete(rd)
    peers = {x.node for x in m.resources_of_rd(rd_name)}
    return [ans.deleted(rc.MASK_RSC, ans.rsc_phrase(r.rd, r.node), r.uuid,
                        RscDfn=r.rd, Node=r.node)], peers


def rsc_modify(tx: Transaction, rd_name: str, node: str, override: dict[str, str],
               delete: list[str]) -> Result:
    """``r sp NODE RSC KEY VAL``."""
    r = tx.model.resource(rd_name, node)
    props.check_all(props.Kind.RESOURCE, override)
    tx.edit(r)
    r.props.update(override)
    for k in delete:
        r.props.pop(k, None)
    out = [ans.props_set(rc.MASK_MOD, rc.MASK_RSC, sorted(override))] if override else []
    out.append(ans.modified(rc.MASK_RSC, ans.rsc_phrase(r.rd, r.node), r.uuid,
                            RscDfn=r.rd, Node=r.node))
    return out, {x.node for x in tx.model.resources_of_rd(rd_name)}
