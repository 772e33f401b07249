"""Feed ``/v1/events/drbd`` from the runtime's per-node events2 models.

Why here: the runtime keeps one ``DrbdState`` per node and each has a listener hook; the
REST layer only needs "(node, resource) changed, here is what is observed now". Nodes come
and go with ``n c``/``n d``, so the listeners are (re)attached after every change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from drbdeck.backend.rest.events import Broadcaster


class _NodeRt(Protocol):
    name: str
    state: Any


class RuntimeLike(Protocol):
    nodes: dict[str, Any]

    def observe(self, rd: str, node: str) -> dict[str, Any] | None: ...


class EventFeed:
    """Publishes ``{"node", "resource", "observed"}`` per change (resource None: all)."""

    def __init__(self, runtime: RuntimeLike, events: Broadcaster) -> None:
        self.runtime = runtime
        self.events = events
        self._attached: dict[int, tuple[Any, Callable[[str | None], None]]] = {}

    def sync(self, _changed: object = None) -> None:
        """Attach to new nodes' states, detach from removed ones (an on_change hook)."""
        live = {id(rt.state): rt for rt in list(self.runtime.nodes.values())}
        for sid in list(self._attached):
            if sid not in live:
                state, cb = self._attached.pop(sid)
                with contextlib.suppress(ValueError):
                    state.remove_listener(cb)
        for sid, rt in live.items():
            if sid not in self._attached:
                cb = self._listener(rt.name)
                rt.state.add_listener(cb)
                self._attached[sid] = (rt.state, cb)

    def _listener(self, node: str) -> Callable[[str | None], None]:
        def changed(rsc: str | None) -> None:
            if not self.events.subscribers:
                return
            obs = self.runtime.observe(rsc, node) if rsc is not None else None
            self.events.publish({"node": node, "resource": rsc, "observed": obs})
        return changed

    def close(self) -> None:
        for state, cb in self._attached.values():
            with contextlib.suppress(ValueError):
                state.remove_listener(cb)
        self._attached.clear()
