"""Storage pool delete / modify and storage pool definition delete (linstor.md §1, §6).

Why separate from ``ops_node``: these are the pool's life-cycle end and its property
changes, with refusals that protect data — a pool that volumes still use cannot be
deleted, and its backing (``StorDriver/StorPoolName``) cannot be pointed elsewhere under
them — while ``ops_node`` only creates. Each function returns (answers, nodes to update).
"""

from __future__ import annotations

from collections.abc import Iterable

from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import props
from drbdeck.backend.controller.model import Resource, StorPool
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.ops_node import Result, check_backing
from drbdeck.backend.controller.store import Transaction

BACKING = "StorDriver/StorPoolName"


def _users(tx: Transaction, pool: StorPool) -> list[Resource]:
    """Replicas on ``pool``'s node that hold volumes in it."""
    return [r for r in tx.model.resources_on_node(pool.node)
            if r.storage_pool is not None and key(r.storage_pool) == key(pool.name)
            and not r.diskless]


def storage_pool_delete(tx: Transaction, node: str, name: str) -> Result:
    """``sp d NODE POOL``: refused while volumes use it (FAIL_IN_USE), as LINSTOR."""
    n = tx.model.node(node)
    pool = tx.model.pools.get((key(n.name), key(name)))
    if pool is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_STOR_POOL,
                             f"Storage pool '{name}' on node '{n.name}' not found.",
                             obj_refs={"Node": n.name, "StorPool": name})], set()
    users = _users(tx, pool)
    if users:
        shown = ", ".join(sorted(r.rd for r in users)[:10])
        raise rc.error(rc.FAIL_IN_USE,
                       f"The specified storage pool '{pool.name}' on node '{n.name}' can not "
                       "be deleted as volumes are still using it.",
                       details=f"Resources using it: {shown}"
                       + (" …" if len(users) > 10 else ""),
                       correction="Delete (or move) those resources first.",
                       Node=n.name, StorPool=pool.name)
    tx.delete(pool)
    return [ans.deleted(rc.MASK_STOR_POOL, ans.sp_phrase(pool.name, n.name), pool.uuid,
                        Node=n.name, StorPool=pool.name)], set()


def storage_pool_modify(tx: Transaction, node: str, name: str, override: dict[str, str],
                        delete: Iterable[str]) -> Result:
    """``sp sp NODE POOL KEY VALUE`` / ``sp m``: properties of one pool."""
    pool = tx.model.pool(node, name)
    dels = list(delete)
    props.check_all(props.Kind.STOR_POOL, override)
    changes_backing = (BACKING in override and override[BACKING] != pool.backing) \
        or BACKING in dels
    if changes_backing and _users(tx, pool):
        raise rc.error(rc.FAIL_IN_USE,
                       f"The property '{BACKING}' of storage pool '{pool.name}' on node "
                       f"'{pool.node}' cannot change while volumes use the pool.",
                       Node=pool.node, StorPool=pool.name)
    if BACKING in dels:
        raise rc.error(rc.FAIL_MISSING_PROPS,
                       f"The property '{BACKING}' of storage pool '{pool.name}' cannot be "
                       "deleted: the pool needs its VG, VG/thinpool or directory.",
                       Node=pool.node, StorPool=pool.name)
    if BACKING in override:
        check_backing(pool.provider, override[BACKING], pool.node, pool.name)
    tx.edit(pool)
    pool.props.update(override)
    for k in dels:
        pool.props.pop(k, None)
    if changes_backing:  # new backing: the old capacity figures no longer apply
        pool.free_kib = pool.total_kib = pool.extent_kib = None
    out = [ans.props_set(rc.MASK_MOD, rc.MASK_STOR_POOL, sorted(override))] if override else []
    out.append(ans.modified(rc.MASK_STOR_POOL, ans.sp_phrase(pool.name, pool.node), pool.uuid,
                            Node=pool.node, StorPool=pool.name))
    return out, {pool.node}


def storage_pool_dfn_delete(tx: Transaction, name: str) -> Result:
    """``spd d NAME``: refused while any node still has a pool of that name."""
    spd = tx.model.spds.get(name)
    if spd is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_STOR_POOL_DFN,
                             f"Storage pool definition '{name}' not found.",
                             obj_refs={"StorPoolDfn": name})], set()
    on = sorted(p.node for (_n, pk), p in tx.model.pools.items() if pk == key(name))
    if on:
        raise rc.error(rc.FAIL_IN_USE,
                       f"Storage pool definition '{spd.name}' is still used by storage pools "
                       f"on: {', '.join(on)}.", correction="Delete those storage pools first.",
                       StorPoolDfn=spd.name)
    tx.delete(spd)
    return [ans.deleted(rc.MASK_STOR_POOL_DFN, f"storage pool definition '{spd.name}'",
                        spd.uuid, StorPoolDfn=spd.name)], set()
