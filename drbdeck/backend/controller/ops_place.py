"""Auto-place (``r c RSC --auto-place N``) and make-available (``r mkavail NODE RSC``).

Why here and not in the placer: the placer is a pure function of plain values; this module
turns the model into those values (pools with reported capacity and node state, the RD's
replicas, where other resources live), merges the resource group's defaults, and then
creates the chosen replicas through ``ops_rsc.rsc_create`` in the caller's transaction —
so every auto-placed replica passes the same checks and allocation as a manual one, and
a refusal anywhere (not enough nodes, peer slots, free space) leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import ops_rsc
from drbdeck.backend.controller.model import ClusterModel, Provider, ResourceDfn
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.ops_node import DISKLESS_POOL, Result
from drbdeck.backend.controller.ops_rd import ensure_drbd_data
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.controller.volumes import gross_kib
from drbdeck.backend.placement import (
    Deployed,
    NotEnoughNodes,
    PlacementInputError,
    PlaceRequest,
    PoolCandidate,
    Weights,
    place,
)

IsOnline = Callable[[str], bool]
_THIN = (Provider.LVM_THIN, Provider.FILE_THIN)
_TIEBREAKER_PROP = "DrbdOptions/auto-add-quorum-tiebreaker"


def _candidates(m: ClusterModel, is_online: IsOnline) -> list[PoolCandidate]:
    """Every pool of every node, with its volume count; unreported capacity counts as 0
    free so a pool the node has never described is not chosen blindly."""
    vol_count = m.resources.pool_usage()
    out: list[PoolCandidate] = []
    for (nk, pk), p in sorted(m.pools.items()):
        node = m.nodes.get(nk)
        if node is None:
            continue
        out.append(PoolCandidate(
            node=node.name, pool=p.name, provider=p.provider.value,
            free_kib=p.free_kib or 0, total_kib=p.total_kib or 0,
            rsc_count=vol_count.get((nk, pk), 0),
            node_online=node.has_connection and is_online(node.name),
            node_props=dict(node.props), pool_props=dict(p.props),
            node_flags=frozenset(node.flags), thin=p.provider in _THIN,
            node_type=node.type.value))
    return out


def _deployed(m: ClusterModel, rd: ResourceDfn) -> list[Deployed]:
    out: list[Deployed] = []
    for r in sorted(m.resources_of_rd(rd.name), key=lambda x: key(x.node)):
        pool = m.pools.get((key(r.node), key(r.storage_pool or DISKLESS_POOL)))
        provider = pool.provider.value if pool is not None else (
            Provider.DISKLESS.value if r.diskless else Provider.LVM.value)
        out.append(Deployed(r.node, r.storage_pool or "", provider, r.diskless,
                            "DELETE" in r.flags))
    return out


def _placements(m: ClusterModel) -> dict[str, list[str]]:
    """node → names of the resources on it (do-not-place-with, tie-breaker load)."""
    out: dict[str, list[str]] = {}
    for nk, rds in m.resources.rd_names_by_node().items():
        node = m.nodes.get(nk)
        out[node.name if node is not None else nk] = rds
    return out


def _weights(m: ClusterModel) -> Weights:
    """Controller props ``Autoplacer/Weights/<Name>``; an unparsable value keeps the default
    (the props whitelist is the place that refuses bad values)."""
    w = Weights()
    for name, field_name in (("MaxFreeSpace", "max_free_space"),
                             ("MinRscCount", "min_rsc_count")):
        raw = m.controller_props.get(f"Autoplacer/Weights/{name}")
        if raw is None:
            continue
        try:
            w = dataclasses.replace(w, **{field_name: float(raw)})
        except ValueError:
            continue
    return w


def _auto_tiebreaker(m: ClusterModel, rd: ResourceDfn) -> bool:
    """``DrbdOptions/auto-add-quorum-tiebreaker`` through RD > RG > controller (default on)."""
    rg = m.rgs.get(rd.resource_group)
    for p in (rd.props, rg.props if rg is not None else {}, m.controller_props):
        if _TIEBREAKER_PROP in p:
            return p[_TIEBREAKER_PROP].lower() not in ("false", "no", "0")
    return True


def _merged(m: ClusterModel, rd: ResourceDfn, req: PlaceRequest) -> PlaceRequest:
    """The request filled from the RD's resource group and sized from the RD's VDs.

    The size is the backing (gross) size rsc_create's free-space check asks for, so a pool
    the placer accepts is never refused afterwards for metadata it did not count.
    """
    rg = m.rgs.get(rd.resource_group)
    size = sum(gross_kib(m, rd, vd) for vd in rd.volumes.values()
               if "OverrideVlmId" not in vd.props)
    out = dataclasses.replace(req, size_kib=size)
    if rg is not None:
        if rg.place_count is not None:
            out.resource_group_place_count = rg.place_count
        if not out.storage_pools and rg.storage_pools:
            out.storage_pools = list(rg.storage_pools)
    return out


def autoplace(tx: Transaction, rd_name: str, req: PlaceRequest, *,
              is_online: IsOnline) -> Result:
    """Place ``rd_name`` with LINSTOR's algorithm and create the replicas (all or none)."""
    m = tx.model
    rd = m.rd(rd_name)
    # peer slots decide the gross size; fix them now as the first replica would
    ensure_drbd_data(tx, rd)
    merged = _merged(m, rd, req)
    try:
        res = place(rd.name, merged, _candidates(m, is_online), _deployed(m, rd),
                    _placements(m), weights=_weights(m),
                    auto_tiebreaker=_auto_tiebreaker(m, rd))
    except NotEnoughNodes as exc:
        raise rc.error(rc.FAIL_NOT_ENOUGH_NODES, exc.message, details=exc.details,
                       RscDfn=rd.name) from None
    except PlacementInputError as exc:
        raise rc.error(rc.FAIL_INVLD_PLACE_COUNT if "count" in exc.field
                       else rc.FAIL_INVLD_CONF,
                       f"Invalid auto-place field '{exc.field}': {exc.rule}",
                       RscDfn=rd.name) from None
    out: list[rc.ApiCallRc] = [
        rc.ApiCallRc(rc.WARN_RSC_ALREADY_DEPLOYED | rc.MASK_CRT | rc.MASK_RSC, w.message,
                     details=w.details or None, obj_refs={"RscDfn": rd.name})
        for w in res.warnings]
    nodes: set[str] = set()

    def create(node: str, pool: str, diskless: bool) -> None:
        got, touched = ops_rsc.rsc_create(
            tx, rd.name, [node], storage_pool=pool, drbd_diskless=diskless,
            rsc_props={"StorPoolName": pool}, is_online=is_online)
        out.extend(e for e in got if not _is_no_volumes(e))
        nodes.update(touched)

    for node, pool in res.diskful:
        create(node, pool, False)
    for node in res.diskless:
        create(node, DISKLESS_POOL, True)
    if res.tiebreaker is not None:
        create(res.tiebreaker, DISKLESS_POOL, True)
        tb = m.resource(rd.name, res.tiebreaker)
        tx.edit(tb).flags.add("TIE_BREAKER")
        out.append(rc.ApiCallRc(
            rc.INFO_TIE_BREAKER_CREATED | rc.MASK_CRT | rc.MASK_RSC,
            f"Tie breaker resource '{rd.name}' created on {tb.node}",
            obj_refs={"RscDfn": rd.name, "Node": tb.node}))
    if not rd.volumes:
        out.append(_no_volumes(rd.name))
    return out, nodes


def _is_no_volumes(e: rc.ApiCallRc) -> bool:
    return e.is_warning() and e.code == rc.WARN_NOT_FOUND & rc.MASK_BITS_CODE \
        and e.message.startswith("No volumes have been defined")


def _no_volumes(rd: str) -> rc.ApiCallRc:
    return rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_CRT | rc.MASK_RSC,
                        f"No volumes have been defined for resource '{rd}'",
                        obj_refs={"RscDfn": rd})


def make_available(tx: Transaction, rd_name: str, node: str, *, diskful: bool = False,
                   is_online: IsOnline) -> Result:
    """Give ``node`` access to ``rd_name`` (Proxmox live migration): a DRBD client unless
    ``diskful``; nothing changes when the node already holds any replica."""
    m = tx.model
    rd = m.rd(rd_name)
    n = m.node(node)
    existing = m.resources.get((key(rd.name), key(n.name)))
    if existing is not None and "DELETE" not in existing.flags:
        return [rc.ApiCallRc(rc.MASK_INFO | rc.MASK_CRT | rc.MASK_RSC,
                             f"Resource '{rd.name}' is already available on node "
                             f"'{n.name}'.", obj_refs={"RscDfn": rd.name, "Node": n.name})
                ], set()
    return ops_rsc.rsc_create(tx, rd.name, [n.name], drbd_diskless=not diskful,
                              is_online=is_online)
