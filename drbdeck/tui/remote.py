"""RemoteBackend: the console attached to a controller elsewhere, over REST + its events.

Why this split of sources: the object lists (nodes, pools, definitions, replicas) come from
REST and are re-read after every change made here and every few seconds (other clients
change them too); DRBD state comes pushed from ``/v1/events/drbd`` as each replica's
observed state, turned into per-node DrbdStates (:mod:`drbdeck.tui.remote_model`), so
the views work exactly as in-process. What a remote console cannot do: see the command
log of the nodes (it stays empty), read files or metrics from nodes, or pin host keys
into the controller's store — those answer with a clear ``BackendError``.
When the controller stops answering every node is reported OFFLINE, so the views mark
everything stale instead of freezing silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.satellite import CommandLog, LinkState, fetch_host_key
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.backend import BackendError, ChangeListener, Listeners
from drbdeck.tui.eventlog import EventLog
from drbdeck.tui.metrics import NodeMetrics
from drbdeck.tui.opslog import wrap_operations
from drbdeck.tui.remote_model import build_model, disk_of, observed_from_json, observed_lines
from drbdeck.tui.remote_ops import RemoteOps
from drbdeck.tui.statewatch import StateWatcher

log = logging.getLogger(__name__)
REFRESH_S = 5.0
RETRY_MAX_S = 10.0
TIMEOUT_S = 15.0


class RemoteBackend:
    """``await connect()`` (raises when the controller cannot be reached), then use."""

    def __init__(self, url: str, *, readonly: bool = False, refresh_s: float = REFRESH_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.url = url.rstrip("/")
        self.readonly = readonly
        self.description = f"remote controller {self.url}"
        self.refresh_s = refresh_s
        self.command_log = CommandLog()
        self.event_log = EventLog()
        self._clock = clock
        self._listeners = Listeners()
        self._model = ClusterModel.initial()
        self._status: dict[str, str] = {}
        self._states: dict[str, DrbdState] = {}
        self._observed: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._watch = StateWatcher(self.event_log.append, clock)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._refresh_soon: asyncio.Event | None = None
        self.controller_ok = False
        self.ops = RemoteOps(self._request, after=self._changed_here)
        self._unwrap = wrap_operations(self.ops, self.event_log.append, clock)

    # ---- reading ---------------------------------------------------------------------
    @property
    def model(self) -> ClusterModel:
        return self._model

    @property
    def states(self) -> Mapping[str, DrbdState]:
        return self._states

    @property
    def metrics(self) -> Mapping[str, NodeMetrics]:
        return {}

    def node_status(self, name: str) -> str:
        if not self.controller_ok:
            return "OFFLINE"
        node = self._model.nodes.get(name)
        return self._status.get(node.name if node is not None else name, "OFFLINE")

    def link_state(self, name: str) -> LinkState | None:
        return None

    def add_listener(self, cb: ChangeListener) -> Callable[[], None]:
        return self._listeners.add(cb)

    # ---- HTTP ------------------------------------------------------------------------
    async def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        async with self._session.request(method, self.url + path,
                                         json=body if body is not None else None) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text.strip() else None
            except json.JSONDecodeError:
                return resp.status, text

    async def _get(self, path: str) -> Any:
        status, data = await self._request("GET", path)
        if status != 200:
            raise BackendError(f"GET {path}: HTTP {status}")
        return data

    # ---- life cycle ------------------------------------------------------------------
    async def connect(self) -> None:
        """First contact: the version and every list; raises BackendError on failure."""
        try:
            await self._get("/v1/controller/version")
            await self.refresh()
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(str(exc) or type(exc).__name__) from exc

    async def start(self) -> None:
        if self._tasks:
            return
        if not self.controller_ok:
            with contextlib.suppress(BackendError):
                await self.connect()
        self._refresh_soon = asyncio.Event()
        self._tasks = [asyncio.create_task(self._refresher(), name="remote refresh"),
                       asyncio.create_task(self._events(), name="remote events")]

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        self._watch.close()
        self._unwrap()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _changed_here(self) -> None:
        if self._refresh_soon is not None:
            self._refresh_soon.set()

    def _set_ok(self, ok: bool, why: str = "") -> None:
        if ok != self.controller_ok:
            self.controller_ok = ok
            self.event_log.add(f"controller {self.url}: " + ("reachable" if ok else
                                                              f"NOT reachable ({why})"),
                               source="link", level="info" if ok else "error")
            self._listeners.fire("link", None)

    async def _refresher(self) -> None:
        """Re-read the lists after each change made here, else every ``refresh_s``."""
        assert self._refresh_soon is not None
        while True:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            # that arrives as the event is set, and close() would wait forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.refresh_s):
                    await self._refresh_soon.wait()
            self._refresh_soon.clear()
            try:
                await self.refresh()
            except Exception as exc:
                self._set_ok(False, str(exc) or type(exc).__name__)

    async def refresh(self) -> None:
        nodes, pools, rds, rscs = await asyncio.gather(
            self._get("/v1/nodes"), self._get("/v1/view/storage-pools"),
            self._get("/v1/resource-definitions?with_volume_definitions=true"),
            self._get("/v1/view/resources"))
        model, status = build_model(nodes or [], pools or [], rds or [], rscs or [])
        old_status, self._status = self._status, status
        self._model = model
        self._set_ok(True)
        for n, st in status.items():
            if old_status and old_status.get(n) != st:
                self.event_log.add(f"{n}: {old_status.get(n, 'new')}→{st}", source="link",
                                   level="info" if st == "ONLINE" else "warning")
        observed = {}
        for r in rscs or []:
            if isinstance(r, dict) and r.get("name") and r.get("node_name"):
                observed[(str(r["node_name"]), str(r["name"]))] = observed_from_json(r)
        self._sync_states(observed)
        self._listeners.fire("model")

    def _sync_states(self, observed: dict[tuple[str, str], dict[str, Any] | None]) -> None:
        new_nodes = False
        for node in self._model.nodes.values():
            if node.has_connection and node.name not in self._states:
                st = DrbdState(node.name)
                st.feed("exists -")
                st.add_listener(lambda rsc, n=node.name: self._listeners.fire("state", n, rsc))
                self._states[node.name] = st
                self._watch.watch(node.name, st)
                new_nodes = True
        for gone in set(self._states) - {n.name for n in self._model.nodes.values()}:
            self._watch.unwatch(gone)
            del self._states[gone]
            new_nodes = True
        touched = {rsc for k, v in observed.items() if self._observed.get(k) != v
                   for rsc in (k[1],)}
        touched |= {k[1] for k in self._observed if k not in observed}
        self._observed = dict(observed)
        for rsc in touched:
            self._apply(rsc)
        if new_nodes:
            self._listeners.fire("nodes")

    def _apply(self, rsc: str) -> None:
        """Rewrite ``rsc`` in every node's DrbdState from the latest observations."""
        peers: dict[tuple[str, int], str] = {}
        roles: dict[str, str] = {}
        for (node, name), obs in self._observed.items():
            if name.upper() != rsc.upper() or obs is None:
                continue
            roles[node.upper()] = "Primary" if obs.get("in_use") else "Secondary"
            for vnr in (obs.get("volumes") or {}):
                disk = disk_of(obs, int(vnr))
                if disk is not None:
                    peers[(node.upper(), int(vnr))] = disk
        for node, st in self._states.items():
            obs = self._observed.get((node, rsc))
            lines = observed_lines(self._model, rsc, node, obs, peers, roles)
            if not lines and rsc not in st.resources:
                continue
            with self._watch.paused():
                if rsc in st.resources:
                    st.feed(f"destroy resource name:{rsc}")
                st.feed_many(lines)
            self._watch.recheck(node, rsc)

    # ---- the event stream ------------------------------------------------------------
    async def _events(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._stream()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._set_ok(False, str(exc) or type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX_S, delay * 2)

    async def _stream(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        async with self._session.get(self.url + "/v1/events/drbd",
                                     timeout=aiohttp.ClientTimeout(total=None,
                                                                   sock_read=60)) as resp:
            if resp.status != 200:
                raise BackendError(f"event stream: HTTP {resp.status}")
            await self.refresh()  # whatever happened while not listening
            async for raw in resp.content:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("data:"):
                    self.on_event(line[5:].strip())

    def on_event(self, data: str) -> None:
        """One ``event: drbd`` record: ``{"node", "resource", "observed"}``."""
        try:
            ev = json.loads(data)
            node, rsc = str(ev["node"]), ev.get("resource")
        except (ValueError, KeyError, TypeError):
            log.info("odd event from the controller: %r", data[:200])
            return
        if rsc is None:
            self._changed_here()  # a whole node changed: re-read
            return
        self._observed[(node, str(rsc))] = ev.get("observed")
        self._apply(str(rsc))

    # ---- node requests (not over REST) -----------------------------------------------
    async def query_storage(self, node: str) -> tuple[list[Any], list[Any]]:
        raise BackendError("listing a node's volume groups needs the controller's SSH link; "
                           "type the VG (or VG/thinpool) name, or run the console on the "
                           "controller host")

    async def host_key(self, host: str, port: int) -> str:
        try:
            _key, fp = await fetch_host_key(host, port)
        except Exception as exc:
            raise BackendError(str(exc)) from exc
        return fp

    async def accept_host_key(self, host: str, port: int, fingerprint: str) -> str:
        raise BackendError("host keys are pinned in the controller's own store: accept "
                           "this node's key with the console on the controller host")

    async def read_res_file(self, resource: str, node: str) -> str:
        raise BackendError("a remote console cannot read node files")


__all__ = ["RemoteBackend"]
