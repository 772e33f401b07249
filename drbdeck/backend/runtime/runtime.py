"""ControllerRuntime: the store's Operations wired to node links and reconcile workers.

Why one object: every piece exists on its own (Operations stores changes, NodeWorker applies
a node's desired state, LinkPool keeps SSH connections, DrbdState follows events2); what the
controller adds is the wiring between them, and that wiring is what this module owns:

* ``Operations.on_change`` → kick the workers of the affected nodes; a node created or
  deleted gets its link, events2 model and worker created or removed.
* ``Operations.is_connected`` ← the node's link is ONLINE (offline nodes get LINSTOR's
  "No active connection to satellite" warning; the change waits for them).
* A link going ONLINE → full sync (the NodeWorker does it) and a capacity refresh.
* A volume definition flagged DELETE is confirmed (``ops.vd_confirm_deleted``) once every
  node with a live replica applied the change and no longer shows the device.
* A replica flagged DELETE is confirmed (``ops.confirm_deleted``) only when the node's
  apply succeeded for it AND the node's events2 no longer shows the resource.
* Storage pool capacity (free/total/extent size; ``capacity.measure``: ``vgs``/``lvs``,
  ``df`` for FILE pools) after each connect,
  each apply that changed something and each apply while a pool of the node has never
  been measured (a new ``sp c``), stored through ``ops.pool_report`` (one transaction, so
  a restarted controller shows the last known figures).
* The initial sync is remembered (``initial_done``, and persisted per volume definition as
  ``initial_synced`` through ``ops.mark_initial_synced``): a volume counts as done once any
  node reports it UpToDate, or the designated node ran the step. A restarted controller
  loads the flags from the store, so a replica that comes back fresh (a replaced disk, a
  node that lost its LV) is synced from its peers instead of being forced primary over
  the real data; the reconciler's own guard (fresh volumes, no UpToDate peer) stays as
  the second line of defence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from drbdeck.backend.controller.model import ClusterModel, Node
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.reconcile import ApplyReport, NodeDesired, NodeWorker
from drbdeck.backend.runtime.capacity import measure
from drbdeck.backend.runtime.desired_map import DISK_PROVIDERS, desired_for_node
from drbdeck.backend.runtime.observed import Observed, ObservedState
from drbdeck.backend.satellite import (
    LinkPool,
    LinkState,
    LinkStatus,
    LinkStream,
    NodeEndpoint,
    NodeLink,
    SatelliteError,
)
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import Config

log = logging.getLogger(__name__)

#: LinkStatus → LINSTOR's node connection status (linstor.md §8) for lists and REST.
NODE_STATUS = {
    LinkStatus.ONLINE: "ONLINE",
    LinkStatus.CONNECTING: "OFFLINE",
    LinkStatus.OFFLINE: "OFFLINE",
    LinkStatus.STOPPED: "OFFLINE",
    LinkStatus.AUTH_FAILED: "AUTHENTICATION_ERROR",
    LinkStatus.UNKNOWN_HOST_KEY: "UNKNOWN_HOST_KEY",
    LinkStatus.HOST_KEY_MISMATCH: "HOST_KEY_MISMATCH",
}


@dataclass
class NodeRuntime:
    """Everything the runtime keeps for one connected node."""

    name: str
    link: NodeLink
    state: DrbdState
    stream: LinkStream | None = None
    worker: NodeWorker | None = None
    #: resources passed as ``deleting`` to the apply that is running / ran last
    deleting_sent: set[str] = field(default_factory=set)
    #: deletes the node has applied successfully, awaiting the events2 ``destroy``
    deletes_applied: set[str] = field(default_factory=set)
    #: (rd, vnr) of volume definitions flagged DELETE in the desired state sent last
    vd_deletes_sent: set[tuple[str, int]] = field(default_factory=set)
    #: ... of which the node's apply went through: wait for the device to disappear
    vd_deletes_applied: set[tuple[str, int]] = field(default_factory=set)
    remove_listener: Callable[[], None] | None = None


class ControllerRuntime:
    """See the module docstring. ``await start()`` … ``await stop()``."""

    def __init__(self, store: Store, config: Config | None = None, *,
                 retry_min: float = 1.0, retry_max: float = 60.0) -> None:
        self.store = store
        self.config = config or Config()
        self.ops = Operations(store, default_ssh_port=self.config.ssh.port,
                              is_connected=self.is_connected)
        self.ops.runtime = self
        self.ops.on_change.append(self._on_change)
        self.pool = LinkPool(self.config.ssh)
        self.nodes: dict[str, NodeRuntime] = {}  # by node key
        self.initial_done: set[str] = set()  # "<RD key>/<vnr>"
        self.observed = ObservedState(self._state_of, self.is_connected)
        self.retry_min, self.retry_max = retry_min, retry_max
        self._tasks: set[asyncio.Task[None]] = set()
        self._confirming: set[tuple[str, str]] = set()
        self._vd_gone: dict[tuple[str, int], set[str]] = {}  # (rd key, vnr) → node keys
        self._to_persist: set[tuple[str, int]] = set()  # (rd name, vnr) marked done
        self._persisting = False
        self._started = False
        self._load_initial_done()

    # ---- queries ---------------------------------------------------------------------
    @property
    def model(self) -> ClusterModel:
        return self.store.model

    def is_connected(self, node: str) -> bool:
        rt = self.nodes.get(key(node))
        return rt is not None and rt.link.status == LinkStatus.ONLINE

    def node_status(self, node: str) -> str:
        """LINSTOR's connection status for ``node``; Controller/Auxiliary stay OFFLINE."""
        rt = self.nodes.get(key(node))
        if rt is None:
            return "OFFLINE"
        return NODE_STATUS.get(rt.link.status, "OFFLINE")

    def _state_of(self, node: str) -> DrbdState | None:
        rt = self.nodes.get(key(node))
        return rt.state if rt is not None else None

    def observe(self, rd: str, node: str) -> Observed | None:
        return self.observed(rd, node)

    def apply_error(self, rd: str, node: str) -> str | None:
        """The failed node step of ``rd`` on ``node`` in the latest apply (retried by the
        worker), or a node-wide failure; ``None`` when the last apply went through."""
        rt = self.nodes.get(key(node))
        if rt is None or rt.worker is None:
            return None
        if rt.worker.last_error:
            return rt.worker.last_error
        rep = rt.worker.last_report
        if rep is None:
            return None
        if rep.errors:
            return "; ".join(rep.errors)
        for name, rr in rep.resources.items():
            if key(name) == key(rd) and not rr.ok:
                cmd = f" ({rr.command})" if rr.command else ""
                return f"{rr.error}{cmd}"
        return None

    def worker(self, node: str) -> NodeWorker | None:
        rt = self.nodes.get(key(node))
        return rt.worker if rt is not None else None

    # ---- life cycle ------------------------------------------------------------------
    def _load_initial_done(self) -> None:
        for rd, vd in self.model.iter_vds():
            if vd.initial_synced:
                self.initial_done.add(f"{key(rd.name)}/{vd.number}")

    def _mark_done(self, rd_name: str, vnrs: Iterable[int]) -> None:
        """Remember (and queue for the store) that these volumes had their initial sync."""
        for v in vnrs:
            k = f"{key(rd_name)}/{v}"
            if k in self.initial_done:
                continue
            self.initial_done.add(k)
            self._to_persist.add((rd_name, v))
        if self._to_persist and not self._persisting and self._started:
            self._persisting = True
            self._spawn(self._persist(), "persist initial sync")

    async def _persist(self) -> None:
        try:
            while self._to_persist:
                batch, self._to_persist = self._to_persist, set()
                await self.ops.mark_initial_synced(sorted(batch))
        finally:
            self._persisting = False

    async def start(self) -> None:
        """Create a link, events2 model and worker for every Satellite/Combined node."""
        self._started = True
        self._load_initial_done()
        for node in list(self.model.nodes.values()):
            self._add_node(node)

    async def stop(self) -> None:
        self._started = False
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for name in list(self.nodes):
            await self._remove_node(name)

    # ---- nodes -----------------------------------------------------------------------
    def _endpoint(self, node: Node) -> NodeEndpoint:
        return NodeEndpoint(node.name, node.ssh_host or node.address, node.ssh_port,
                            node.ssh_user)

    def _add_node(self, node: Node) -> None:
        k = key(node.name)
        if not node.has_connection or k in self.nodes:
            return
        try:
            link = self.pool.add(self._endpoint(node))
        except (SatelliteError, ValueError) as exc:
            log.error("node %s: cannot create its link: %s", node.name, exc)
            return
        rt = NodeRuntime(node.name, link, DrbdState(node=node.name))
        self.nodes[k] = rt
        rt.state.add_listener(lambda rsc, rt=rt: self._on_state(rt, rsc))
        rt.remove_listener = link.add_listener(
            lambda _l, st, rt=rt: self._on_link(rt, st))
        link.start()
        rt.stream = link.watch_events2(rt.state)
        rt.worker = NodeWorker(link, lambda rt=rt: self._desired(rt),
                               retry_min=self.retry_min, retry_max=self.retry_max,
                               on_report=lambda rep, rt=rt: self._on_report(rt, rep))
        rt.worker.start()

    async def _remove_node(self, k: str) -> None:
        rt = self.nodes.pop(k, None)
        if rt is None:
            return
        if rt.worker is not None:
            await rt.worker.stop()
        if rt.remove_listener is not None:
            rt.remove_listener()
        if rt.stream is not None:
            await rt.stream.stop()
        with contextlib.suppress(SatelliteError):
            await self.pool.remove(rt.link.node)

    async def _on_change(self, names: set[str]) -> None:
        if not self._started:
            return
        for name in names:
            k = key(name)
            node = self.model.nodes.get(name)
            if node is None:
                await self._remove_node(k)
                continue
            if k not in self.nodes:
                self._add_node(node)
            rt = self.nodes.get(k)
            if rt is not None and rt.worker is not None:
                rt.worker.kick()

    # ---- reconciliation --------------------------------------------------------------
    def _desired(self, rt: NodeRuntime) -> NodeDesired:
        d = desired_for_node(self.model, rt.name, initial_done=self.initial_done)
        rt.deleting_sent = {n for n, r in d.resources.items() if r.deleting}
        rt.vd_deletes_sent = set()
        for n, r in d.resources.items():
            rd = self.model.rds.get(n)
            if rd is not None and not r.deleting:
                rt.vd_deletes_sent.update((rd.name, v.number) for v in rd.volumes.values()
                                          if "DELETE" in v.flags)
        return d

    def _on_report(self, rt: NodeRuntime, report: ApplyReport) -> None:
        for name, rr in report.resources.items():
            if rr.ok and any("primary --force" in a or "new-current-uuid" in a
                             for a in rr.actions):
                rd = self.model.rds.get(name)
                if rd is not None:
                    self._mark_done(rd.name, list(rd.volumes))
        if not report.errors:
            for name in rt.deleting_sent:
                rr = report.resources.get(name)
                if rr is None or rr.ok:
                    rt.deletes_applied.add(name)
            for rd_name, vnr in rt.vd_deletes_sent:
                rr = report.resources.get(rd_name)
                if rr is None or rr.ok:
                    rt.vd_deletes_applied.add((rd_name, vnr))
        self._check_deletes(rt)
        if report.changed or any(p.free_kib is None and p.provider in DISK_PROVIDERS
                                 for p in self.model.pools_of_node(rt.name)):
            self._spawn(self._refresh_capacity(rt), f"capacity {rt.name}")

    def _on_state(self, rt: NodeRuntime, rsc: str | None) -> None:
        names: Iterable[str] = rt.state.resources if rsc is None else (rsc,)
        for n in names:
            res = rt.state.resources.get(n)
            if res is None:
                continue
            for vnr, d in res.devices.items():
                if d.disk == "UpToDate" and f"{key(n)}/{vnr}" not in self.initial_done:
                    self._mark_done(n, [vnr])
        if rt.deletes_applied or rt.vd_deletes_applied:
            self._check_deletes(rt)

    def _on_link(self, rt: NodeRuntime, st: LinkState) -> None:
        if st.status == LinkStatus.ONLINE:
            self._spawn(self._refresh_capacity(rt), f"capacity {rt.name}")

    def _check_deletes(self, rt: NodeRuntime) -> None:
        if not rt.state.initial_done:
            return
        for name in list(rt.deletes_applied):
            if name in rt.state.resources:
                continue
            rt.deletes_applied.discard(name)
            job = (key(name), key(rt.name))
            if job in self._confirming:
                continue
            self._confirming.add(job)
            self._spawn(self._confirm(name, rt.name, job), f"confirm {name} {rt.name}")

        for rd_name, vnr in list(rt.vd_deletes_applied):
            res = rt.state.resources.get(rd_name)
            if res is not None and vnr in res.devices:
                continue
            rt.vd_deletes_applied.discard((rd_name, vnr))
            self._vd_gone.setdefault((key(rd_name), vnr), set()).add(key(rt.name))
            self._maybe_confirm_vd(rd_name, vnr)

    def _maybe_confirm_vd(self, rd_name: str, vnr: int) -> None:
        """Confirm a ``vd d`` once every node holding a live replica has dropped the
        volume (offline nodes hold it back, as LINSTOR's DELETE does)."""
        rd = self.model.rds.get(rd_name)
        vd = rd.volumes.get(vnr) if rd is not None else None
        k = (key(rd_name), vnr)
        if rd is None or vd is None or "DELETE" not in vd.flags:
            self._vd_gone.pop(k, None)
            return
        holders = {key(r.node) for r in self.model.resources_of_rd(rd_name)
                   if "DELETE" not in r.flags}
        if not holders <= self._vd_gone.get(k, set()):
            return
        self._vd_gone.pop(k, None)
        self._spawn(self.ops.vd_confirm_deleted(rd.name, vnr), f"confirm {rd.name}/{vnr}")

    async def _confirm(self, rd: str, node: str, job: tuple[str, str]) -> None:
        try:
            r = self.model.resources.get(job)
            if r is not None and "DELETE" in r.flags:
                await self.ops.confirm_deleted(rd, node)
        finally:
            self._confirming.discard(job)

    def _spawn(self, coro: object, name: str) -> None:
        if not self._started:
            close = getattr(coro, "close", None)
            if callable(close):
                close()
            return
        task = asyncio.create_task(coro, name=name)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- storage pool capacity -------------------------------------------------------
    async def _refresh_capacity(self, rt: NodeRuntime) -> None:
        """Ask the node about its pools (capacity.measure) and store what changed."""
        try:
            figures = await measure(rt.link, self.model.pools_of_node(rt.name))
        except (SatelliteError, ValueError, RuntimeError) as exc:
            log.info("%s: capacity query failed: %s", rt.name, exc)
            return
        for pool in self.model.pools_of_node(rt.name):
            new = figures.get(pool.name)
            if new is not None and (pool.free_kib, pool.total_kib, pool.extent_kib) != new:
                await self.ops.pool_report(pool.node, pool.name, free_kib=new[0],
                                           total_kib=new[1], extent_kib=new[2])

    async def refresh_capacity(self, node: str) -> None:
        """Query one node's pools now (tests, ``sp l`` with a refresh)."""
        rt = self.nodes.get(key(node))
        if rt is not None:
            await self._refresh_capacity(rt)


__all__ = ["NODE_STATUS", "ControllerRuntime", "NodeRuntime"]
