"""The simulated replication network shared by all nodes of one emulated cluster.

It knows which kernel owns which address, which links are cut and how fast each link is,
and it drives every running resync from a single ticker: progress is arithmetic on a
shared clock, so 10,000 idle replicas cost nothing and 100 running resyncs cost one task.
Tests call :meth:`Network.step` with simulated seconds instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drbdeck.emulator.drbd.resync import MARK_STEP, Resync

if TYPE_CHECKING:
    from drbdeck.emulator.drbd.kernel import DrbdKernel

log = logging.getLogger(__name__)

#: 100 MiB/s, DRBD's usual c-max-rate ballpark and the emulator default
DEFAULT_RATE_KIB_S = 102400


@dataclass
class ResyncRecord:
    """A resync that was started (facts survive node restarts, for tests to assert)."""

    source: str
    target: str
    resource: str
    volume: int
    kind: str  # "full" | "bitmap"
    kib: int
    finished: bool = False


@dataclass
class Facts:
    """Cluster-wide counters the emulation records for later assertions."""

    create_md: Counter[tuple[str, str]] = field(default_factory=Counter)  # (node, path)
    connection_drops: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    resyncs: list[ResyncRecord] = field(default_factory=list)


def _link(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


class Network:
    """Links between node names, address → kernel registry, and the resync ticker."""

    def __init__(
        self,
        default_rate_kib_s: int = DEFAULT_RATE_KIB_S,
        tick_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        autotick: bool = True,
    ) -> None:
        self.default_rate_kib_s = default_rate_kib_s
        self.tick_s = tick_s
        self.clock = clock
        self.autotick = autotick
        self.now = 0.0  # simulated seconds
        self.facts = Facts()
        self._kernels: dict[str, DrbdKernel] = {}  # node name → kernel
        self._by_addr: dict[str, str] = {}  # address → node name
        self._cut: set[frozenset[str]] = set()
        self._down: set[str] = set()
        self._rates: dict[frozenset[str], int] = {}
        self.resyncs: set[Resync] = set()
        self._records: dict[int, ResyncRecord] = {}
        self._task: asyncio.Task[None] | None = None

    # -- registry ---------------------------------------------------------------------
    def register(self, kernel: DrbdKernel) -> None:
        self._kernels[kernel.name] = kernel
        self._by_addr[kernel.address] = kernel.name

    def unregister(self, kernel: DrbdKernel) -> None:
        if self._kernels.get(kernel.name) is kernel:
            del self._kernels[kernel.name]

    def kernel(self, name: str) -> DrbdKernel | None:
        return self._kernels.get(name)

    def kernel_at(self, address: str) -> DrbdKernel | None:
        name = self._by_addr.get(address)
        return self._kernels.get(name) if name is not None else None

    def kernels(self) -> list[DrbdKernel]:
        return list(self._kernels.values())

    # -- links ------------------------------------------------------------------------
    def link_up(self, a: str, b: str) -> bool:
        return _link(a, b) not in self._cut and a not in self._down and b not in self._down

    def cut(self, a: str, b: str) -> None:
        """Break the link a–b: connections over it fail on both ends (NetworkFailure)."""
        self._cut.add(_link(a, b))
        self._fail_between(a, b)

    def restore(self, a: str, b: str) -> None:
        """Mend the link a–b: both ends retry their Connecting connections."""
        self._cut.discard(_link(a, b))
        self._retry(a, b)

    def node_down(self, name: str) -> None:
        """Unplug a node from the network (all its links fail) without stopping it."""
        self._down.add(name)
        for other in list(self._kernels):
            if other != name:
                self._fail_between(name, other)

    def node_up(self, name: str) -> None:
        self._down.discard(name)
        for other in list(self._kernels):
            if other != name:
                self._retry(name, other)

    def set_rate(self, a: str, b: str, kib_s: int) -> None:
        """Resync bandwidth of the link a–b (shared by the resyncs running over it)."""
        if kib_s <= 0:
            raise ValueError(f"kib_s: {kib_s} must be > 0")
        self._rates[_link(a, b)] = kib_s

    def rate(self, a: str, b: str) -> int:
        return self._rates.get(_link(a, b), self.default_rate_kib_s)

    def _fail_between(self, a: str, b: str) -> None:
        ka, kb = self._kernels.get(a), self._kernels.get(b)
        if ka is not None:
            ka.link_failed(b)
        if kb is not None:
            kb.link_failed(a)

    def _retry(self, a: str, b: str) -> None:
        ka, kb = self._kernels.get(a), self._kernels.get(b)
        if ka is not None and kb is not None and self.link_up(a, b):
            ka.retry_connect(b)

    # -- resyncs ----------------------------------------------------------------------
    def start_resync(self, rs: Resync) -> None:
        rs.started = rs.now = rs.last_report = self.now
        rs.marks = [(self.now, rs.left_kib)]
        self.resyncs.add(rs)
        rec = ResyncRecord(
            rs.source.name, rs.target.name, rs.resource, rs.volume, rs.kind, rs.total_kib
        )
        self.facts.resyncs.append(rec)
        self._records[id(rs)] = rec
        self._ensure_ticker()

    def stop_resync(self, rs: Resync) -> None:
        self.resyncs.discard(rs)
        self._records.pop(id(rs), None)

    def step(self, dt: float) -> None:
        """Advance simulated time by ``dt`` seconds: move every resync forward."""
        if dt <= 0:
            return
        self.now += dt
        if not self.resyncs:
            return
        per_link: Counter[frozenset[str]] = Counter(rs.link for rs in self.resyncs)
        finished: list[Resync] = []
        for rs in list(self.resyncs):
            a, b = tuple(rs.link) if len(rs.link) == 2 else (rs.source.name,) * 2
            share = self.rate(a, b) / per_link[rs.link]
            rs.carry += share * dt
            moved = min(int(rs.carry), rs.left_kib)
            rs.carry -= int(rs.carry)
            rs.left_kib -= moved
            rs.now = self.now
            if rs.left_kib <= 0:
                finished.append(rs)
            elif self.now - rs.last_report >= MARK_STEP - 1e-9 and moved > 0:
                rs.last_report = self.now
                rs.source.resync_progress(rs)
                rs.mark()
        for rs in finished:
            rec = self._records.pop(id(rs), None)
            if rec is not None:
                rec.finished = True
            self.resyncs.discard(rs)
            rs.source.resync_finished(rs)

    def _ensure_ticker(self) -> None:
        if not self.autotick or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._tick())

    async def _tick(self) -> None:
        """Runs only while resyncs exist; an idle network has no task at all."""
        last = self.clock()
        while self.resyncs:
            await asyncio.sleep(self.tick_s)
            t = self.clock()
            try:
                self.step(t - last)
            except Exception:  # a bug must not freeze every resync of the cluster
                log.exception("resync ticker step failed")
            last = t

    async def close(self) -> None:
        """Stop the ticker (the cluster is shutting down)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
