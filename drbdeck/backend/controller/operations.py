"""The controller's async Python API: one method per operation (the same set as REST).

Why a facade: every operation runs the same way — validate and change the model in ONE
store transaction (an error leaves nothing behind, in the DB or in memory), answer with
LINSTOR's ApiCallRc list, add "No active connection to satellite" warnings for affected
nodes that are not connected, and then tell the reconciler which nodes to update. The
reconciler registers itself in ``on_change``; no SSH happens here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import ops_node, ops_place, ops_pool, ops_rd, ops_rsc, ops_spawn
from drbdeck.backend.controller.model import ClusterModel, Node
from drbdeck.backend.controller.ops_node import Result
from drbdeck.backend.controller.store import Store, Transaction
from drbdeck.backend.placement import PlaceRequest

log = logging.getLogger(__name__)
ChangeHook = Callable[[set[str]], Any]


class Operations:
    """``await ops.node_create(...)`` → list[ApiCallRc]. Errors come back as entries too."""

    def __init__(self, store: Store, *, default_ssh_port: int = 22,
                 is_connected: Callable[[str], bool] = lambda node: False) -> None:
        self.store = store
        self.default_ssh_port = default_ssh_port
        self.is_connected = is_connected
        self.on_change: list[ChangeHook] = []
        #: the ControllerRuntime that owns the node links, when there is one (set by it):
        #: operations that need the nodes themselves (adoption) find it here
        self.runtime: Any = None
        self._lock = asyncio.Lock()

    @property
    def model(self) -> ClusterModel:
        return self.store.model

    async def _run(self, op_mask: int, obj_mask: int,
                   fn: Callable[[Transaction], Result], *, warn: bool = True) -> list[rc.ApiCallRc]:
        async with self._lock:
            try:
                with self.store.transaction() as tx:
                    entries, nodes = fn(tx)
            except rc.ApiError as exc:
                return [e.with_context(op_mask, obj_mask) for e in exc.entries]
            except Exception as exc:  # a bug or a DB failure: nothing was stored
                log.exception("operation failed")
                return [rc.ApiCallRc(rc.FAIL_IMPL_ERROR,
                                     f"Internal error: {type(exc).__name__}: {exc}",
                                     details="Nothing was changed; see the controller log.")
                        .with_context(op_mask, obj_mask)]
            for e in entries:
                e.with_context(op_mask, obj_mask)
            if warn:
                for name in sorted(nodes):
                    node = self.model.nodes.get(name)
                    if node is not None and node.has_connection \
                            and not self.is_connected(node.name):
                        entries.append(ans.not_connected(node.name, op_mask, obj_mask))
        # outside the lock: a slow reconciler hook must not hold up the next API call
        if nodes:
            for hook in list(self.on_change):
                res = hook(set(nodes))
                if asyncio.iscoroutine(res):
                    await res
        return entries

    async def transact(self, op_mask: int, obj_mask: int,
                       fn: Callable[[Transaction], Result], *,
                       warn: bool = True) -> list[rc.ApiCallRc]:
        """Run a composite operation ``fn`` the way every method here runs: one store
        transaction under the API lock, LINSTOR's answers, offline warnings, then the
        change hooks. For callers that build several objects as one step (adoption)."""
        return await self._run(op_mask, obj_mask, fn, warn=warn)

    # ---- nodes -----------------------------------------------------------------------
    async def node_create(self, name: str, address: str, node_type: str | None = None, *,
                          ssh_host: str | None = None, ssh_port: int | None = None,
                          ssh_user: str | None = None,
                          props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_NODE, lambda tx: ops_node.node_create(
            tx, name, address, node_type, ssh_host=ssh_host, ssh_port=ssh_port,
            ssh_user=ssh_user, node_props=props, default_ssh_port=self.default_ssh_port),
            warn=False)

    async def node_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_NODE,
                               lambda tx: ops_node.node_delete(tx, name), warn=False)

    async def node_modify(self, name: str, *, override: dict[str, str] | None = None,
                          delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_NODE, lambda tx: ops_node.node_modify(
            tx, name, dict(override or {}), list(delete)))

    async def controller_modify(self, *, override: dict[str, str] | None = None,
                                delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_CTRL_CONF,
                               lambda tx: ops_node.controller_modify(
                                   tx, dict(override or {}), list(delete)))

    def node_list(self, names: Iterable[str] | None = None) -> list[Node]:
        wanted = {n.upper() for n in names} if names else None
        return sorted((n for k, n in self.model.nodes.items() if wanted is None or k in wanted),
                      key=lambda n: n.name.upper())

    # ---- storage pools ---------------------------------------------------------------
    async def storage_pool_create(self, node: str, name: str, provider: str,
                                  props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_STOR_POOL,
                               lambda tx: ops_node.storage_pool_create(tx, node, name,
                                                                       provider, props))

    async def pool_report(self, node: str, name: str, *, free_kib: int | None,
                          total_kib: int | None, extent_kib: int | None) -> list[rc.ApiCallRc]:
        """For the node layer: capacity as reported by the node (no answer text)."""
        return await self._run(rc.MASK_MOD, rc.MASK_STOR_POOL, lambda tx: ops_node.pool_report(
            tx, node, name, free_kib=free_kib, total_kib=total_kib, extent_kib=extent_kib),
            warn=False)

    async def storage_pool_dfn_create(self, name: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_STOR_POOL_DFN,
                               lambda tx: ops_node.storage_pool_dfn_create(tx, name))

    async def storage_pool_delete(self, node: str, name: str) -> list[rc.ApiCallRc]:
        """``sp d``: refused (FAIL_IN_USE) while volumes use the pool."""
        return await self._run(rc.MASK_DEL, rc.MASK_STOR_POOL,
                               lambda tx: ops_pool.storage_pool_delete(tx, node, name),
                               warn=False)

    async def storage_pool_modify(self, node: str, name: str, *,
                                  override: dict[str, str] | None = None,
                                  delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_STOR_POOL, lambda tx: (
            ops_pool.storage_pool_modify(tx, node, name, dict(override or {}), list(delete))))

    async def storage_pool_set_property(self, node: str, name: str, key: str,
                                        value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.storage_pool_modify(node, name, delete=[key])
        return await self.storage_pool_modify(node, name, override={key: value})

    async def storage_pool_dfn_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_STOR_POOL_DFN,
                               lambda tx: ops_pool.storage_pool_dfn_delete(tx, name))

    # ---- resource / volume definitions ----------------------------------------------
    async def rd_create(self, name: str, *, port: int | None = None,
                        peer_slots: int | None = None, resource_group: str | None = None,
                        layers: Sequence[str] | None = None,
                        props: dict[str, str] | None = None,
                        secret: str | None = None) -> list[rc.ApiCallRc]:
        """``secret``: the DRBD shared secret (LINSTOR's ``drbd_secret``); generated when
        not given. Stored, rendered into the .res files, never shown or logged."""
        return await self._run(rc.MASK_CRT, rc.MASK_RSC_DFN, lambda tx: ops_rd.rd_create(
            tx, name, port=port, peer_slots=peer_slots, resource_group=resource_group,
            layers=layers, rd_props=props, secret=secret))

    async def rd_modify(self, name: str, *, override: dict[str, str] | None = None,
                        delete: Sequence[str] = (), peer_slots: int | None = None,
                        port: int | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_RSC_DFN, lambda tx: ops_rd.rd_modify(
            tx, name, override=override, delete=delete, peer_slots=peer_slots, port=port))

    async def rd_set_property(self, name: str, key: str,
                              value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.rd_modify(name, delete=[key])
        return await self.rd_modify(name, override={key: value})

    async def rd_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_RSC_DFN,
                               lambda tx: ops_rd.rd_delete(tx, name))

    async def vd_create(self, rd: str, size_kib: int, *, number: int | None = None,
                        minor: int | None = None, gross: bool = False,
                        props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_VLM_DFN, lambda tx: ops_rd.vd_create(
            tx, rd, size_kib, number=number, minor=minor, gross=gross, vd_props=props))

    async def vd_modify(self, rd: str, number: int, *, override: dict[str, str] | None = None,
                        delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_VLM_DFN, lambda tx: ops_rd.vd_modify(
            tx, rd, number, override=override, delete=delete))

    async def vd_set_property(self, rd: str, number: int, key: str,
                              value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.vd_modify(rd, number, delete=[key])
        return await self.vd_modify(rd, number, override={key: value})

    async def vd_delete(self, rd: str, number: int) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_VLM_DFN,
                               lambda tx: ops_rd.vd_delete(tx, rd, number))

    async def vd_confirm_deleted(self, rd: str, number: int) -> list[rc.ApiCallRc]:
        """For the reconciler: every node has removed volume ``number`` of ``rd``."""
        return await self._run(rc.MASK_DEL, rc.MASK_VLM_DFN,
                               lambda tx: ops_rd.vd_confirm_deleted(tx, rd, number),
                               warn=False)

    async def mark_initial_synced(self, pairs: Iterable[tuple[str, int]]
                                  ) -> list[rc.ApiCallRc]:
        """For the runtime: persist "initial sync done" for (rd, vnr) pairs."""
        items = list(pairs)
        return await self._run(rc.MASK_MOD, rc.MASK_VLM_DFN,
                               lambda tx: ops_rd.mark_initial_synced(tx, items), warn=False)

    async def rg_create(self, name: str, *, place_count: int | None = None,
                        storage_pools: Sequence[str] = (), description: str = "",
                        props: dict[str, str] | None = None,
                        peer_slots: int | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_RSC_GRP, lambda tx: ops_rd.rg_create(
            tx, name, place_count=place_count, storage_pools=storage_pools,
            description=description, rg_props=props, peer_slots=peer_slots))

    async def rg_spawn(self, rg: str, rd: str, sizes_kib: Sequence[int], *,
                       request: PlaceRequest | None = None, definitions_only: bool = False,
                       external_name: str | None = None) -> list[rc.ApiCallRc]:
        """``rg spawn RG RSC SIZE…``: RD in the group, one VD per size, auto-placed with
        the group's settings — all in one transaction."""
        return await self._run(rc.MASK_CRT, rc.MASK_RSC_DFN, lambda tx: ops_spawn.rg_spawn(
            tx, rg, rd, list(sizes_kib), request=request, definitions_only=definitions_only,
            external_name=external_name, is_online=self.is_connected))

    async def rg_modify(self, name: str, *, override: dict[str, str] | None = None,
                        delete: Sequence[str] = (), place_count: int | None = None,
                        storage_pools: Sequence[str] | None = None,
                        description: str | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_RSC_GRP, lambda tx: ops_spawn.rg_modify(
            tx, name, override=dict(override or {}), delete=list(delete),
            place_count=place_count, storage_pools=storage_pools, description=description))

    async def rg_set_property(self, name: str, key: str,
                              value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.rg_modify(name, delete=[key])
        return await self.rg_modify(name, override={key: value})

    async def rg_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_RSC_GRP,
                               lambda tx: ops_spawn.rg_delete(tx, name))

    # ---- resources -------------------------------------------------------------------
    async def rsc_create(self, rd: str, nodes: Sequence[str], *, node_id: int | None = None,
                         storage_pool: str | None = None, diskless: bool = False,
                         drbd_diskless: bool = False, tcp_port: int | None = None,
                         props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_CRT, rc.MASK_RSC, lambda tx: ops_rsc.rsc_create(
            tx, rd, nodes, node_id=node_id, storage_pool=storage_pool, diskless=diskless,
            drbd_diskless=drbd_diskless, tcp_port=tcp_port, rsc_props=props,
            is_online=self.is_connected))

    async def autoplace(self, rd: str, request: PlaceRequest) -> list[rc.ApiCallRc]:
        """``r c RSC --auto-place N``: choose nodes (placement) and create the replicas in
        one transaction; FAIL_NOT_ENOUGH_NODES changes nothing."""
        return await self._run(rc.MASK_CRT, rc.MASK_RSC, lambda tx: ops_place.autoplace(
            tx, rd, request, is_online=self.is_connected))

    async def make_available(self, rd: str, node: str, *,
                             diskful: bool = False) -> list[rc.ApiCallRc]:
        """``r mkavail NODE RSC``: a DRBD client on ``node`` unless it holds a replica."""
        return await self._run(rc.MASK_CRT, rc.MASK_RSC, lambda tx: ops_place.make_available(
            tx, rd, node, diskful=diskful, is_online=self.is_connected))

    async def rsc_modify(self, rd: str, node: str, *, override: dict[str, str] | None = None,
                         delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_MOD, rc.MASK_RSC, lambda tx: ops_rsc.rsc_modify(
            tx, rd, node, dict(override or {}), list(delete)))

    async def rsc_delete(self, rd: str, node: str) -> list[rc.ApiCallRc]:
        return await self._run(rc.MASK_DEL, rc.MASK_RSC,
                               lambda tx: ops_rsc.rsc_delete(tx, rd, node))

    async def confirm_deleted(self, rd: str, node: str) -> list[rc.ApiCallRc]:
        """For the reconciler: ``node`` has removed its replica of ``rd``."""
        return await self._run(rc.MASK_DEL, rc.MASK_RSC,
                               lambda tx: ops_rsc.confirm_deleted(tx, rd, node), warn=False)
