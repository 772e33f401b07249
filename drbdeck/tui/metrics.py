"""Host metrics per node for the Nodes view: CPU, memory, load and network rates.

Why polled this way: nodes are agentless, so the figures come from one ``cat`` of /proc
files over the node's link (``collectors.hostmetrics.PROC_ARGV``). A round runs once, and
only when it has finished is the next one scheduled (``call_later``) — a slow node can
never pile up overlapping polls. CPU % and network rates need two samples, so the previous
raw sample is kept per node. A node that fails keeps its last figures, marked with the
error and their age (the Nodes view shows them as stale).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from drbdeck.collectors.hostmetrics import HostMetrics, cpu_percent, net_rates

log = logging.getLogger(__name__)
POLL_S = 5.0
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class NodeMetrics:
    """What the Nodes view shows for one node; ``at`` is the wall time of the sample."""

    at: float
    load1: float
    mem_percent: float
    cpu_percent: float | None = None  # None until two samples exist
    rx_bytes_s: float | None = None
    tx_bytes_s: float | None = None
    cpus: int = 0
    error: str = ""  # the last poll failed with this (figures are from ``at``)


def derive(prev: tuple[float, HostMetrics] | None, at: float, cur: HostMetrics) -> NodeMetrics:
    """NodeMetrics from the current raw sample and the previous one (if any)."""
    cpu = rx = tx = None
    if prev is not None:
        cpu = cpu_percent(prev[1], cur)
        rates = net_rates(prev[1], cur, at - prev[0])
        rates = {n: r for n, r in rates.items() if n != "lo"}
        if rates:
            rx = sum(r[0] for r in rates.values())
            tx = sum(r[1] for r in rates.values())
    return NodeMetrics(at=at, load1=cur.load1, mem_percent=cur.mem_used_percent,
                       cpu_percent=cpu, rx_bytes_s=rx, tx_bytes_s=tx, cpus=cur.cpu_count)


class MetricsPoller:
    """``start()`` / ``stop()``; ``metrics[node]``; ``on_update(node)`` after each sample."""

    def __init__(self, nodes: Callable[[], list[str]],
                 fetch: Callable[[str], Awaitable[HostMetrics]], *,
                 interval: float = POLL_S, clock: Callable[[], float] = time.time) -> None:
        self._nodes = nodes
        self._fetch = fetch
        self.interval = interval
        self._clock = clock
        self.metrics: dict[str, NodeMetrics] = {}
        self._raw: dict[str, tuple[float, HostMetrics]] = {}
        self.on_update: list[Callable[[str], None]] = []
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._running = False

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._schedule(0.0)

    async def stop(self) -> None:
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _schedule(self, delay: float) -> None:
        if not self._running:
            return
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        if self._running:
            self._task = asyncio.create_task(self._round(), name="host metrics")

    async def _round(self) -> None:
        try:
            await self.poll_once()
        finally:
            self._schedule(self.interval)

    async def poll_once(self) -> None:
        """One sample of every node, concurrently (tests call this directly)."""
        names = list(self._nodes())
        for gone in set(self.metrics) - set(names):
            self.metrics.pop(gone, None)
            self._raw.pop(gone, None)
        await asyncio.gather(*(self._poll(n) for n in names))

    async def _poll(self, node: str) -> None:
        try:
            async with asyncio.timeout(TIMEOUT_S):
                cur = await self._fetch(node)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # offline, timeout, odd /proc: keep the last figures
            old = self.metrics.get(node)
            if old is not None:
                self.metrics[node] = NodeMetrics(**{**old.__dict__,
                                                    "error": str(exc) or type(exc).__name__})
            self._notify(node)
            return
        at = self._clock()
        self.metrics[node] = derive(self._raw.get(node), at, cur)
        self._raw[node] = (at, cur)
        self._notify(node)

    def _notify(self, node: str) -> None:
        for cb in list(self.on_update):
            try:
                cb(node)
            except Exception:
                log.exception("metrics listener failed")


__all__ = ["MetricsPoller", "NodeMetrics", "derive"]
