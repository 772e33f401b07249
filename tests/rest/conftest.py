"""A real drbdeck REST server (aiohttp, temp SQLite store) on a free port, in a thread.

Why a thread: python-linstor and the drbdeck CLI are synchronous HTTP clients; the
server needs its own running event loop while a test blocks on them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.rest import Broadcaster, bound_port, create_app, start


@dataclass
class Server:
    port: int
    ops: Operations
    store: Store
    loop: asyncio.AbstractEventLoop
    events: Broadcaster

    @property
    def url(self) -> str:
        return f"linstor://127.0.0.1:{self.port}"

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop (e.g. an operation) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


def run_server(db: Path, observed: Callable[[str, str], Any] | None = None) -> Iterator[Server]:
    store = Store(db)
    ops = Operations(store)
    events = Broadcaster()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        runner = await start(create_app(ops, observed=observed, events=events),
                             "127.0.0.1", 0)
        box["port"] = bound_port(runner)
        box["stop"] = asyncio.Event()
        ready.set()
        await box["stop"].wait()
        await runner.cleanup()

    t = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    t.start()
    assert ready.wait(10), "REST server did not start"
    try:
        yield Server(box["port"], ops, store, loop, events)
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        t.join(10)
        loop.close()
        store.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from run_server(tmp_path / "drbdeck.db")
