"""Resource-group life cycle: ``rg spawn RG RSC SIZE…`` (RD + VDs + auto-place), ``rg m``
/ ``rg sp``, ``rg d``.

Why one function over three operations: LINSTOR runs the steps one after another and can
leave an RD without replicas when placement fails; here they run in the caller's single
transaction, so "Not enough available nodes" (or a bad size) leaves nothing behind. The
RD joins the group, so the group's place count, storage pools and properties apply
through the same merge ``autoplace`` uses for ``r c --auto-place``.
"""

from __future__ import annotations

from collections.abc import Sequence

from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, ops_place, ops_rd, props
from drbdeck.backend.controller.model import DEFAULT_RG
from drbdeck.backend.controller.ops_node import Result
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.placement import PlaceRequest


def rg_spawn(tx: Transaction, rg_name: str, rd_name: str, sizes_kib: Sequence[int], *,
             request: PlaceRequest | None = None, definitions_only: bool = False,
             external_name: str | None = None,
             is_online: ops_place.IsOnline) -> Result:
    rg = tx.model.rg(rg_name)
    if not sizes_kib:
        raise rc.error(rc.FAIL_INVLD_VLM_SIZE,
                       "No volume size given: spawn needs one size per volume, e.g. "
                       f"'rg spawn {rg.name} {rd_name} 10G'.", RscGrp=rg.name)
    entries, nodes = ops_rd.rd_create(tx, rd_name, resource_group=rg.name,
                                      external_name=external_name)
    for size in sizes_kib:
        got, touched = ops_rd.vd_create(tx, rd_name, size)
        entries += got
        nodes |= touched
    if not definitions_only:
        got, touched = ops_place.autoplace(tx, rd_name, request or PlaceRequest(),
                                           is_online=is_online)
        entries += got
        nodes |= touched
    return entries, nodes


def rg_delete(tx: Transaction, name: str) -> Result:
    """``rg d NAME``: refused for DfltRscGrp and while resource definitions use the group."""
    rg = tx.model.rgs.get(name)
    if rg is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_RSC_GRP,
                             f"Resource group '{name}' not found.",
                             obj_refs={"RscGrp": name})], set()
    if rg.name.upper() == DEFAULT_RG.upper():
        raise rc.error(rc.FAIL_IN_USE, f"The default resource group '{rg.name}' cannot be "
                       "deleted.", RscGrp=rg.name)
    users = sorted(rd.name for rd in tx.model.rds.values()
                   if rd.resource_group.upper() == rg.name.upper())
    if users:
        raise rc.error(rc.FAIL_IN_USE,
                       f"Resource group '{rg.name}' is still used by resource definitions: "
                       f"{', '.join(users[:10])}" + (" …" if len(users) > 10 else "") + ".",
                       correction="Delete those resource definitions first.", RscGrp=rg.name)
    tx.delete(rg)
    return [ans.deleted(rc.MASK_RSC_GRP, f"resource group '{rg.name}'", rg.uuid,
                        RscGrp=rg.name)], set()


def rg_modify(tx: Transaction, name: str, *, override: dict[str, str],
              delete: Sequence[str], place_count: int | None = None,
              storage_pools: Sequence[str] | None = None,
              description: str | None = None) -> Result:
    """``rg sp RG KEY [VALUE]`` / ``rg m RG [--place-count N] [-s POOL…]``.

    The group's settings apply to RDs spawned or placed later; its ``DrbdOptions/*``
    props reach the running resources of every RD in the group (their nodes are updated).
    """
    rg = tx.model.rg(name)
    props.check_all(props.Kind.RSC_GRP, override)
    if place_count is not None and not 1 <= place_count <= 32:
        raise rc.error(rc.FAIL_INVLD_PLACE_COUNT,
                       f"Invalid place count '{place_count}': must be 1 to 32.", RscGrp=rg.name)
    pools = [names.storage_pool_name(p) for p in storage_pools] \
        if storage_pools is not None else None
    tx.edit(rg)
    rg.props.update(override)
    for k in delete:
        rg.props.pop(k, None)
    if place_count is not None:
        rg.place_count = place_count
    if pools is not None:
        rg.storage_pools = pools
    if description is not None:
        rg.description = description
    out = [ans.props_set(rc.MASK_MOD, rc.MASK_RSC_GRP, sorted(override))] if override else []
    out.append(ans.modified(rc.MASK_RSC_GRP, f"resource group '{rg.name}'", rg.uuid,
                            RscGrp=rg.name))
    nodes: set[str] = set()
    if any(k.startswith("DrbdOptions/") for k in [*override, *delete]):
        for rd in tx.model.rds.values():
            if rd.resource_group.upper() == rg.name.upper():
                nodes |= {r.node for r in tx.model.resources_of_rd(rd.name)}
    return out, nodes
