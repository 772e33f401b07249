"""What the console reads and drives: the ``ConsoleBackend`` protocol and its in-process
implementation over a ``ControllerRuntime``.

Why a protocol: the same console runs on the controller it hosts (``InProcessBackend``,
the default) or attached to a controller elsewhere (``RemoteBackend`` in
:mod:`drbdeck.tui.remote`, REST + the SSE event stream). Views and forms only use the
members below, so they cannot tell the two apart.

Change notification: ``add_listener(cb)`` calls ``cb(kind, node, resource)`` with kind
``"model"`` (an operation changed objects; node/resource None), ``"nodes"`` (nodes came or
went: re-read ``states``), ``"state"`` (a node's events2 changed ``resource``; None = all),
``"link"`` (a node's SSH status changed) or ``"metrics"`` (new host figures). ``"state"``
arrives at full event rate: listeners must be O(1) (mark dirty, repaint on a timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.satellite import CommandLog, LinkState, fetch_host_key
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.eventlog import EventLog
from drbdeck.tui.metrics import MetricsPoller, NodeMetrics
from drbdeck.tui.opslog import wrap_operations
from drbdeck.tui.statewatch import StateWatcher

log = logging.getLogger(__name__)
ChangeListener = Callable[[str, str | None, str | None], None]
#: Where the controller writes each resource's configuration on a node.
RES_DIR = "/var/lib/drbdeck.d"


class BackendError(Exception):
    """A backend request that cannot be answered (node offline, bad key …); the message
    is meant for the operator."""


@runtime_checkable
class ConsoleBackend(Protocol):
    """See the module docstring."""

    ops: Any  # the Operations method set (async, → list[ApiCallRc])
    command_log: CommandLog
    event_log: EventLog
    readonly: bool
    description: str  # "in-process, db /x.db" / "http://host:3370"

    @property
    def model(self) -> ClusterModel: ...

    @property
    def states(self) -> Mapping[str, DrbdState]: ...

    @property
    def metrics(self) -> Mapping[str, NodeMetrics]: ...

    def node_status(self, name: str) -> str: ...

    def link_state(self, name: str) -> LinkState | None: ...

    def add_listener(self, cb: ChangeListener) -> Callable[[], None]: ...

    async def query_storage(self, node: str) -> tuple[list[Any], list[Any]]: ...

    async def host_key(self, host: str, port: int) -> str: ...

    async def accept_host_key(self, host: str, port: int, fingerprint: str) -> str: ...

    async def read_res_file(self, resource: str, node: str) -> str: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Listeners:
    """A list of change listeners; a failing one is logged and skipped."""

    def __init__(self) -> None:
        self._cbs: list[ChangeListener] = []

    def add(self, cb: ChangeListener) -> Callable[[], None]:
        self._cbs.append(cb)

        def remove() -> None:
            if cb in self._cbs:
                self._cbs.remove(cb)

        return remove

    def fire(self, kind: str, node: str | None = None, resource: str | None = None) -> None:
        for cb in list(self._cbs):
            try:
                cb(kind, node, resource)
            except Exception:
                log.exception("console listener %r failed", cb)


class InProcessBackend:
    """The console on the controller it hosts: reads the runtime's objects directly."""

    def __init__(self, runtime: Any, *, readonly: bool = False, metrics: bool = True,
                 description: str = "in-process controller",
                 clock: Callable[[], float] = time.time) -> None:
        self.runtime = runtime
        self.ops = runtime.ops
        self.readonly = readonly
        self.description = description
        self.command_log: CommandLog = runtime.pool.command_log
        self.event_log = EventLog()
        self._clock = clock
        self._listeners = Listeners()
        self._watch = StateWatcher(self.event_log.append, clock)
        self._states: dict[str, DrbdState] = {}
        self._attached: dict[str, tuple[DrbdState, Callable[..., None], Callable[[], None]]] = {}
        self._unwrap = wrap_operations(self.ops, self.event_log.append, clock)
        self.ops.on_change.append(self._on_change)
        self._poller: MetricsPoller | None = (
            MetricsPoller(self._linked_nodes, self._fetch_metrics) if metrics else None)
        if self._poller is not None:
            self._poller.on_update.append(lambda n: self._listeners.fire("metrics", n))
        self._sync_nodes()

    # ---- reading ---------------------------------------------------------------------
    @property
    def model(self) -> ClusterModel:
        return self.runtime.model  # type: ignore[no-any-return]

    @property
    def states(self) -> Mapping[str, DrbdState]:
        return self._states

    @property
    def metrics(self) -> Mapping[str, NodeMetrics]:
        return self._poller.metrics if self._poller is not None else {}

    def node_status(self, name: str) -> str:
        return str(self.runtime.node_status(name))

    def link_state(self, name: str) -> LinkState | None:
        rt = self._node_rt(name)
        return rt.link.state if rt is not None else None

    def apply_error(self, rd: str, node: str) -> str | None:
        return self.runtime.apply_error(rd, node)  # type: ignore[no-any-return]

    def add_listener(self, cb: ChangeListener) -> Callable[[], None]:
        return self._listeners.add(cb)

    def _node_rt(self, name: str) -> Any:
        from drbdeck.backend.controller.names import key

        return self.runtime.nodes.get(key(name))

    def _link(self, node: str) -> Any:
        rt = self._node_rt(node)
        if rt is None:
            raise BackendError(f"node {node!r}: no SSH link (unknown node, or a controller/"
                               "auxiliary node)")
        return rt.link

    # ---- node requests ---------------------------------------------------------------
    async def query_storage(self, node: str) -> tuple[list[Any], list[Any]]:
        """The node's VGs and LVs (``collectors.lvm`` rows), for the storage-pool form."""
        link = self._link(node)
        try:
            vgs, lvs = await asyncio.gather(link.query_vgs(), link.query_lvs())
        except Exception as exc:
            raise BackendError(f"node {node!r}: cannot list its volume groups: {exc}") from exc
        return vgs, lvs

    async def host_key(self, host: str, port: int) -> str:
        """The SHA256 fingerprint ``host:port`` offers (nothing is trusted yet)."""
        try:
            _key, fp = await fetch_host_key(host, port,
                                            timeout=self.runtime.config.ssh.connect_timeout)
        except Exception as exc:
            raise BackendError(str(exc)) from exc
        return fp

    async def accept_host_key(self, host: str, port: int, fingerprint: str) -> str:
        """Pin the key ``host:port`` offers if it still has ``fingerprint``; links to that
        address waiting for the operator reconnect."""
        from drbdeck.backend.satellite import HostKeyStore

        try:
            key, fp = await fetch_host_key(host, port,
                                           timeout=self.runtime.config.ssh.connect_timeout)
        except Exception as exc:
            raise BackendError(str(exc)) from exc
        if fp != fingerprint:
            raise BackendError(f"{host}:{port} now offers {fp}, not the accepted "
                               f"{fingerprint}; nothing was pinned")
        pool = self.runtime.pool
        HostKeyStore(str(pool.config.known_hosts_path())).pin(host, port, key)
        for link in pool:
            if (link.endpoint.host, link.endpoint.port) == (host, port):
                with contextlib.suppress(Exception):
                    await link.accept_host_key(fp)
        self.event_log.add(f"host key of {host}:{port} accepted: {fp}", source="console")
        return fp

    async def read_res_file(self, resource: str, node: str) -> str:
        """The ``.res`` file the controller wrote to ``node`` for ``resource``."""
        link = self._link(node)
        try:
            data = await link.read_file(f"{RES_DIR}/{resource}.res")
        except Exception as exc:
            raise BackendError(f"{node}: cannot read {RES_DIR}/{resource}.res: {exc}") \
                from exc
        return bytes(data).decode("utf-8", "replace")

    async def _fetch_metrics(self, node: str) -> Any:
        """An offline node fails at once (NodeOffline): its last figures turn stale."""
        return await self._link(node).host_metrics()

    def _linked_nodes(self) -> list[str]:
        return [rt.name for rt in list(self.runtime.nodes.values())]

    # ---- wiring ----------------------------------------------------------------------
    def _on_change(self, _names: set[str]) -> None:
        self._sync_nodes()
        self._listeners.fire("model")

    def _sync_nodes(self) -> None:
        """Attach to node runtimes that appeared, detach from those that went."""
        live = {rt.name: rt for rt in list(self.runtime.nodes.values())}
        changed = False
        for name in list(self._attached):
            rt = live.get(name)
            if rt is None or rt.state is not self._attached[name][0]:
                state, cb, remove_link = self._attached.pop(name)
                with contextlib.suppress(ValueError):
                    state.remove_listener(cb)
                remove_link()
                self._watch.unwatch(name)
                changed = True
        for name, rt in live.items():
            if name in self._attached:
                continue

            def on_state(rsc: str | None, name: str = name) -> None:
                self._listeners.fire("state", name, rsc)

            def on_link(_link: Any, st: LinkState, name: str = name) -> None:
                self._link_changed(name, st)

            rt.state.add_listener(on_state)
            remove_link = rt.link.add_listener(on_link)
            self._attached[name] = (rt.state, on_state, remove_link)
            self._watch.watch(name, rt.state)
            changed = True
        if changed:
            self._states = {n: a[0] for n, a in self._attached.items()}
            self._listeners.fire("nodes")

    def _link_changed(self, node: str, st: LinkState) -> None:
        level = "info" if st.status == "ONLINE" else "warning"
        extra = f" ({st.error})" if st.error else ""
        self.event_log.add(f"{node}: SSH {st.status}{extra}", source="link", level=level)
        self._listeners.fire("link", node)

    async def start(self) -> None:
        """Start host-metrics polling (the runtime is started by its owner)."""
        self._sync_nodes()
        if self._poller is not None:
            self._poller.start()

    async def close(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
        self._unwrap()
        with contextlib.suppress(ValueError):
            self.ops.on_change.remove(self._on_change)
        for state, cb, remove_link in self._attached.values():
            with contextlib.suppress(ValueError):
                state.remove_listener(cb)
            remove_link()
        self._attached.clear()
        self._watch.close()


__all__ = ["RES_DIR", "BackendError", "ChangeListener", "ConsoleBackend", "InProcessBackend",
           "Listeners"]
