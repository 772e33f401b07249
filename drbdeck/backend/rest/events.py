"""A tiny async broadcaster of observed-state changes, served as server-sent events.

Why: a remote console wants DRBD state changes pushed, not polled. The runtime calls
``publish(event)``; every ``/v1/events/drbd`` client has its own bounded queue, and a client
too slow to keep up is dropped (it reconnects and re-reads the lists) rather than letting
memory grow without bound or slowing the runtime down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

QUEUE_LIMIT = 1000
HEARTBEAT_S = 15.0
_CLOSED = object()


class Broadcaster:
    """Fan-out of JSON-able events to subscribers; ``publish`` never blocks."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self._subs: set[asyncio.Queue[Any]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, event: dict[str, Any]) -> None:
        for q in list(self._subs):
            if q.qsize() >= self.limit:  # too slow: end its stream (one slot is reserved)
                self._subs.discard(q)
                _end(q)
            else:
                q.put_nowait(event)

    def close(self) -> None:
        """End every stream (controller shutdown)."""
        for q in list(self._subs):
            _end(q)
        self._subs.clear()

    async def subscribe(self, heartbeat_s: float = HEARTBEAT_S
                        ) -> AsyncIterator[dict[str, Any] | None]:
        """Yield events; None every ``heartbeat_s`` of silence (keeps proxies from closing)."""
        q: asyncio.Queue[Any] = asyncio.Queue(self.limit + 1)
        self._subs.add(q)
        try:
            while True:
                try:
                    item = await asyncio.wait_for(q.get(), heartbeat_s)
                except TimeoutError:
                    yield None
                    continue
                if item is _CLOSED:
                    return
                yield item
        finally:
            self._subs.discard(q)


def _end(q: asyncio.Queue[Any]) -> None:
    if q.full():
        q.get_nowait()
    q.put_nowait(_CLOSED)


async def stream(request: web.Request, events: Broadcaster) -> web.StreamResponse:
    """``GET /v1/events/drbd``: ``event: drbd`` / ``data: <json>`` records."""
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                       "Cache-Control": "no-cache"})
    await resp.prepare(request)
    try:
        await resp.write(b": drbdeck event stream\n\n")
        async for ev in events.subscribe():
            if ev is None:
                await resp.write(b": keep-alive\n\n")
                continue
            data = json.dumps(ev, separators=(",", ":"))
            await resp.write(f"event: drbd\ndata: {data}\n\n".encode())
    except ConnectionError:
        pass  # the client went away; its subscription ended with the generator
    return resp
