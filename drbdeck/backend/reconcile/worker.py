"""One node's reconciliation worker: apply on demand, full sync on every (re)connect.

The controller stores a change and *kicks* the worker of every affected node; kicks that
arrive while a run is in progress coalesce into one more run, so a burst of 1,000 API
calls costs a few applies, not 1,000. The first run after each connect is a full sync
(files regenerated, unknown ones removed, everything adjusted): the node may have
rebooted, or been changed by hand, while we could not see it. A run with failed steps is
retried with exponential backoff (apply is idempotent, so retrying is always safe); a node
that is offline is simply waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

from drbdeck.backend.reconcile.apply import ApplyReport, apply
from drbdeck.backend.reconcile.desired import NodeDesired
from drbdeck.backend.satellite import LinkState, LinkStatus, NodeLink, SatelliteError
from drbdeck.backend.satellite.errors import NodeOffline

log = logging.getLogger(__name__)

ReportListener = Callable[[ApplyReport], None]


class NodeWorker:
    """Runs ``apply`` for one node; see the module docstring."""

    def __init__(self, link: NodeLink, get_desired: Callable[[], NodeDesired], *,
                 retry_min: float = 1.0, retry_max: float = 60.0,
                 on_report: ReportListener | None = None,
                 rng: random.Random | None = None) -> None:
        self.link = link
        self.get_desired = get_desired
        self.retry_min, self.retry_max = retry_min, retry_max
        self.on_report = on_report
        self.last_report: ApplyReport | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._rng = rng or random.Random()
        self._kick = asyncio.Event()
        self._need_full = True
        #: resources whose steps failed in the last run: adjusted again on the next one
        self._again: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._remove_listener: Callable[[], None] | None = None
        self._waiters: list[asyncio.Future[ApplyReport]] = []

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._remove_listener = self.link.add_listener(self._on_status)
        self._task = asyncio.create_task(self._loop(), name=f"reconcile {self.link.node}")
        self.kick()

    async def stop(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for f in self._waiters:
            f.cancel()
        self._waiters.clear()

    def kick(self) -> None:
        """Something changed for this node: apply soon (coalesces with other kicks)."""
        self._kick.set()

    async def sync(self, timeout: float | None = None) -> ApplyReport:
        """Kick, and wait for the report of a run that started after this call."""
        fut: asyncio.Future[ApplyReport] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        self.kick()
        async with asyncio.timeout(timeout):
            return await fut

    def _on_status(self, _link: NodeLink, state: LinkState) -> None:
        if state.status == LinkStatus.ONLINE:
            self._need_full = True
            self.kick()

    def _delay(self, attempt: int) -> float:
        cap = min(self.retry_max, self.retry_min * 2 ** max(attempt - 1, 0))
        return self._rng.uniform(self.retry_min, max(cap, self.retry_min))

    async def _loop(self) -> None:
        attempts = 0
        while True:
            await self._kick.wait()
            self._kick.clear()
            if self.link.status != LinkStatus.ONLINE:
                continue  # the ONLINE listener kicks us again
            waiters, self._waiters = self._waiters, []
            full = self._need_full
            self._need_full = False
            try:
                report = await apply(self.link, self.get_desired(), full_sync=full,
                                     again=frozenset(self._again))
            except NodeOffline as exc:
                self._need_full = True
                self.last_error = str(exc)
                self._waiters = waiters + self._waiters
                continue
            except (SatelliteError, RuntimeError, ValueError) as exc:
                log.warning("%s: reconcile failed: %s", self.link.node, exc)
                self.last_error = str(exc)
                # the run stopped part-way (a file may be in place, its adjust not run):
                # the next run regenerates and adjusts everything
                self._need_full = True
                for f in waiters:
                    if not f.done():
                        f.set_exception(exc)
                attempts += 1
                self._retry_later(attempts)
                continue
            self.runs += 1
            self._again = set(report.failed)
            self.last_report, self.last_error = report, None
            if self.on_report is not None:
                try:
                    self.on_report(report)
                except Exception:
                    log.exception("%s: report listener failed", self.link.node)
            for f in waiters:
                if not f.done():
                    f.set_result(report)
            if report.ok:
                attempts = 0
            else:
                attempts += 1
                self._retry_later(attempts)

    def _retry_later(self, attempts: int) -> None:
        delay = self._delay(attempts)
        loop = asyncio.get_running_loop()
        loop.call_later(delay, self._kick.set)


__all__ = ["NodeWorker", "ReportListener"]
