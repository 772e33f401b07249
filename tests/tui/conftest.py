"""Fixtures for the console tests (tests/tui): a deterministic ConsoleBackend.

``fixed_backend``: a real Store in tmp_path with objects created through Operations,
DrbdStates fed from fixed events2 lines, fixed link states and host figures, log lines
with fixed times — and no runtime, no SSH, no timers of its own. Same screen every run,
which is what snapshot tests need. Other console tests may use it too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.satellite import CommandLog, LinkState
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.backend import Listeners
from drbdeck.tui.eventlog import EventLog
from drbdeck.tui.metrics import NodeMetrics

#: 2026-01-02 03:04:05 UTC: every fixed time in the fixtures
T0 = 1767323045.0
NODES = ("alpha", "bravo", "charlie", "delta")
STATUS = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE", "delta": "OFFLINE"}


def _res(name: str, role: str, vols: list[tuple[int, int, str, str]],
         conns: list[tuple[int, str, str, str, list[tuple[int, str, str, str]]]]) -> list[str]:
    """events2 ``exists`` lines: vols (vnr, minor, disk, client), conns (peer id, name,
    connection, role, [(vnr, replication, peer disk, extra)])."""
    out = [f"exists resource name:{name} role:{role} suspended:no force-io-failures:no "
           "may_promote:no promotion_score:10101"]
    for vnr, minor, disk, client in vols:
        out.append(f"exists device name:{name} volume:{vnr} minor:{minor} disk:{disk} "
                   f"client:{client} quorum:yes")
    for pid, peer, conn, prole, pds in conns:
        out.append(f"exists connection name:{name} peer-node-id:{pid} conn-name:{peer} "
                   f"connection:{conn} role:{prole}")
        for vnr, repl, pdisk, extra in pds:
            out.append(f"exists peer-device name:{name} peer-node-id:{pid} conn-name:{peer} "
                       f"volume:{vnr} replication:{repl} peer-disk:{pdisk} "
                       f"peer-client:no resync-suspended:no{extra}")
    return out


def events2_lines() -> dict[str, list[str]]:
    """web: healthy on 3 nodes, Primary on alpha; db: bravo resyncing from alpha (42.5 %);
    tmp: alpha ↔ bravo not connected (degraded); arch: on charlie and the offline delta."""
    ok = [(0, "Established", "UpToDate", "")]
    sync_src = [(0, "SyncSource", "Inconsistent", " done:42.50")]
    sync_tgt = [(0, "SyncTarget", "UpToDate", " done:42.50")]
    lines = {
        "alpha": [
            *_res("web", "Primary", [(0, 1000, "UpToDate", "no")],
                  [(1, "bravo", "Connected", "Secondary", ok),
                   (2, "charlie", "Connected", "Secondary", ok)]),
            *_res("db", "Secondary", [(0, 1001, "UpToDate", "no")],
                  [(1, "bravo", "Connected", "Secondary", sync_src)]),
            *_res("tmp", "Secondary", [(0, 1002, "UpToDate", "no")],
                  [(1, "bravo", "Connecting", "Unknown", [(0, "Off", "DUnknown", "")]),
                   (2, "charlie", "Connected", "Secondary", ok)]),
        ],
        "bravo": [
            *_res("web", "Secondary", [(0, 1000, "UpToDate", "no")],
                  [(0, "alpha", "Connected", "Primary", ok),
                   (2, "charlie", "Connected", "Secondary", ok)]),
            *_res("db", "Secondary", [(0, 1001, "Inconsistent", "no")],
                  [(0, "alpha", "Connected", "Secondary", sync_tgt)]),
            *_res("tmp", "Secondary", [(0, 1002, "UpToDate", "no")],
                  [(0, "alpha", "Connecting", "Unknown", [(0, "Off", "DUnknown", "")]),
                   (2, "charlie", "Connected", "Secondary", ok)]),
        ],
        "charlie": [
            *_res("web", "Secondary", [(0, 1000, "UpToDate", "no")],
                  [(0, "alpha", "Connected", "Primary", ok),
                   (1, "bravo", "Connected", "Secondary", ok)]),
            *_res("tmp", "Secondary", [(0, 1002, "Diskless", "yes")],
                  [(0, "alpha", "Connected", "Secondary", ok),
                   (1, "bravo", "Connected", "Secondary", ok)]),
            *_res("arch", "Secondary", [(0, 1003, "UpToDate", "no")],
                  [(3, "delta", "Connecting", "Unknown", [(0, "Off", "DUnknown", "")])]),
        ],
        "delta": [],
    }
    return lines


async def _build(ops: Operations) -> None:
    """The objects, through the controller's own operations (answers checked)."""
    async def ok(coro: Any) -> None:
        answers = await coro
        errors = [a for a in answers if a.is_error()]
        assert not errors, [a.message for a in errors]

    for i, n in enumerate(NODES):
        await ok(ops.node_create(n, f"10.0.0.{i + 1}", "Combined", ssh_port=22))
        await ok(ops.storage_pool_create(n, "pool1", "LVM",
                                         {"StorDriver/StorPoolName": "vg0"}))
        await ok(ops.pool_report(n, "pool1", free_kib=(80 - 15 * i) * 1024 * 1024,
                                 total_kib=100 * 1024 * 1024, extent_kib=4096))
    for j, (rd, size, nodes) in enumerate((
            ("web", 10, ["alpha", "bravo", "charlie"]), ("db", 20, ["alpha", "bravo"]),
            ("tmp", 1, ["alpha", "bravo"]), ("arch", 20, ["charlie", "delta"]))):
        await ok(ops.rd_create(rd, port=7000 + j))
        await ok(ops.vd_create(rd, size * 1024 * 1024, minor=1000 + j))
        await ok(ops.rsc_create(rd, nodes, storage_pool="pool1"))
    await ok(ops.rsc_create("tmp", ["charlie"], drbd_diskless=True))


class FixedBackend:
    """A ConsoleBackend with fixed data; ``ops`` is a real Operations over a real Store."""

    description = "fixed test backend"

    def __init__(self, store: Store, states: dict[str, DrbdState],
                 status: dict[str, str]) -> None:
        self.store = store
        self.status = dict(status)
        self.ops = Operations(store, is_connected=lambda n: self.status.get(n) == "ONLINE")
        self.ops.on_change.append(lambda _n: self.listeners.fire("model"))
        self._states = states
        self.command_log = CommandLog()
        self.event_log = EventLog()
        self.readonly = False
        self.listeners = Listeners()
        self.res_files: dict[tuple[str, str], str] = {}
        self.links: dict[str, LinkState] = {}  # none: the views use node_status only
        self.accepted: list[tuple[str, int, str]] = []
        self._metrics = {n: NodeMetrics(at=T0 + 1e9, load1=0.25 * i, mem_percent=30.0 + i,
                                        cpu_percent=5.0 * i, rx_bytes_s=1024.0 * 1024,
                                        tx_bytes_s=2048.0, cpus=4)
                         for i, n in enumerate(NODES) if status.get(n) == "ONLINE"}

    @property
    def model(self) -> Any:
        return self.store.model

    @property
    def states(self) -> Mapping[str, DrbdState]:
        return self._states

    @property
    def metrics(self) -> Mapping[str, NodeMetrics]:
        return self._metrics

    def node_status(self, name: str) -> str:
        return self.status.get(name, "OFFLINE")

    def link_state(self, name: str) -> LinkState | None:
        return self.links.get(name)

    def add_listener(self, cb: Callable[[str, str | None, str | None], None]
                     ) -> Callable[[], None]:
        return self.listeners.add(cb)

    async def query_storage(self, node: str) -> tuple[list[Any], list[Any]]:
        return [], []

    async def host_key(self, host: str, port: int) -> str:
        return "SHA256:fixedfixedfixedfixedfixedfixedfixedfixedfix"

    async def accept_host_key(self, host: str, port: int, fingerprint: str) -> str:
        self.accepted.append((host, port, fingerprint))
        return fingerprint

    async def read_res_file(self, resource: str, node: str) -> str:
        try:
            return self.res_files[(resource, node)]
        except KeyError:
            raise RuntimeError(f"{node}: no such file") from None

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def feed(self, node: str, line: str) -> None:
        """Feed one events2 line to ``node`` and tell listeners (as a live stream would)."""
        st = self._states[node]
        st.feed(line)


def make_fixed_backend(path: Path) -> FixedBackend:
    """Build it (outside a running event loop: sync tests and fixtures)."""
    store = Store(path / "console.db")
    backend = FixedBackend(store, {}, STATUS)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_build(backend.ops))
    finally:
        loop.close()
    return _finish(backend)


async def amake_fixed_backend(path: Path) -> FixedBackend:
    """Build it inside a running event loop (async tests)."""
    backend = FixedBackend(Store(path / "console.db"), {}, STATUS)
    await _build(backend.ops)
    return _finish(backend)


def _finish(backend: FixedBackend) -> FixedBackend:
    states = {}
    for node, lines in events2_lines().items():
        st = DrbdState(node, clock=lambda: T0)
        if STATUS[node] == "ONLINE":
            st.feed_many(lines)
            st.feed("exists -")
        states[node] = st
    backend._states = states
    for node in states:
        states[node].add_listener(lambda rsc, node=node: backend.listeners.fire(
            "state", node, rsc))
    backend.command_log.record("alpha", ["drbdadm", "adjust", "web"], 0, 0.12)
    backend.command_log.record("bravo", ["drbdadm", "adjust", "db"], 10, 0.31,
                               b"db: Failure: (114) Lower device is already claimed")
    backend.command_log.record("charlie", ["lvs", "--reportformat", "json"], 0, 0.05)
    # fixed times: the entries' clock is the wall clock, so they are replaced in place
    ring = backend.command_log._entries
    for i, e in enumerate(list(ring)):
        ring[i] = dataclasses.replace(e, timestamp=T0 + 4 + i)
    backend.event_log.add("rd_create(web) → New resource definition 'web' created.",
                          source="ops", at=T0 + 1)
    backend.event_log.add("bravo db/0: disk Outdated→Inconsistent", source="drbd",
                          level="warning", at=T0 + 2)
    backend.event_log.add("delta: SSH OFFLINE (connection refused)", source="link",
                          level="warning", at=T0 + 3)
    return backend


@pytest.fixture
def fixed_backend(tmp_path: Path) -> Iterator[FixedBackend]:
    backend = make_fixed_backend(tmp_path)
    try:
        yield backend
    finally:
        backend.store.close()


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time = UTC, so clock texts are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
