"""A long-lived remote command whose stdout is delivered line by line, across reconnects.

``drbdsetup events2`` is the node's live state: it must run whenever the node is
connected, and the consumer must know when it restarted (its picture is stale and gets
rebuilt from the new ``exists`` lines). No pty is requested, so stderr stays separate
and no terminal processing mangles the lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import shlex
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncssh

from drbdeck.backend.satellite.commandlog import CommandLog
from drbdeck.backend.satellite.lines import LineSplitter

log = logging.getLogger(__name__)

READ_CHUNK = 65536
STDERR_KEEP = 4000


class _StreamHost(Protocol):
    """What a stream needs from its link (kept narrow so the stream can be tested alone)."""

    node: str
    command_log: CommandLog

    def wait_connection(self) -> Awaitable[asyncssh.SSHClientConnection]: ...

    def restart_delay(self, attempt: int) -> float: ...


class LinkStream:
    """One long-lived command on one node; created by ``NodeLink.stream``.

    ``on_line(line)`` gets every complete stdout line in order; ``on_start()`` is called
    each time the command (re)starts, before its first line. Exceptions from either are
    logged and do not stop the stream. With ``restart=False`` the stream ends when the
    command exits on its own (a lost connection still restarts it).
    """

    def __init__(
        self,
        host: _StreamHost,
        argv: list[str],
        on_line: Callable[[str], None],
        *,
        on_start: Callable[[], None] | None = None,
        restart: bool = True,
    ) -> None:
        self._host = host
        self.argv = tuple(argv)
        self.command = shlex.join(argv)
        self._on_line = on_line
        self._on_start = on_start
        self.restart = restart
        self.starts = 0  # how many times the command was started
        self.lines = 0  # lines delivered in total
        self.last_exit: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._main(), name=f"stream {self._host.node}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop the stream (closes the remote channel) and wait until it has ended."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.done.set()

    async def _main(self) -> None:
        failures = 0
        try:
            while True:
                conn = await self._host.wait_connection()
                try:
                    exited = await self._run_once(conn)
                except (asyncssh.Error, OSError) as exc:
                    # Connection lost mid-stream or the channel could not be opened: wait
                    # for the link to come back (or for a short pause if it never left).
                    log.info("%s: stream %s interrupted: %s", self._host.node, self.command, exc)
                    failures += 1
                    await asyncio.sleep(self._host.restart_delay(failures))
                    continue
                if exited and not self.restart:
                    return
                failures += 1
                await asyncio.sleep(self._host.restart_delay(failures))
        finally:
            self.done.set()

    async def _run_once(self, conn: asyncssh.SSHClientConnection) -> bool:
        """Run the command once; True if it exited on its own (clean EOF)."""
        splitter = LineSplitter()
        started = time.monotonic()
        stderr_tail = bytearray()
        # Not ``async with``: its exit waits for the channel to close, and OpenSSH keeps a
        # channel open until the remote process exits, which could be never.
        proc = await conn.create_process(self.command, encoding=None)
        try:
            proc.stdin.write_eof()
            self.starts += 1
            self._call(self._on_start)

            async def drain_stderr() -> None:
                while chunk := await proc.stderr.read(READ_CHUNK):
                    stderr_tail.extend(chunk)
                    del stderr_tail[:-STDERR_KEEP]

            err_task = asyncio.create_task(drain_stderr())
            try:
                while chunk := await proc.stdout.read(READ_CHUNK):
                    for line in splitter.feed(chunk):
                        self._deliver(line)
                tail = splitter.flush()
                if tail is not None:
                    self._deliver(tail)
                await proc.wait_closed()
            except BaseException:
                splitter.discard()
                err_task.cancel()
                raise
            with contextlib.suppress(asyncssh.Error, OSError):
                await err_task
            self.last_exit = proc.exit_status
        finally:
            proc.close()
        self._host.command_log.record(
            self._host.node,
            list(self.argv),
            proc.exit_status,
            time.monotonic() - started,
            bytes(stderr_tail),
            error="" if proc.exit_status is not None else "stream ended without exit status",
        )
        # Exited on its own (status or signal); None/None means the connection went away.
        return proc.exit_status is not None or proc.exit_signal is not None

    def _deliver(self, line: str) -> None:
        self.lines += 1
        try:
            self._on_line(line)
        except Exception:
            log.exception("%s: stream consumer failed on line %r", self._host.node, line)

    def _call(self, cb: Callable[[], None] | None) -> None:
        if cb is None:
            return
        try:
            cb()
        except Exception:
            log.exception("%s: stream start callback failed", self._host.node)


def full_jitter(base: float, cap: float, attempt: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    base = max(base, 0.01)
    ceiling = min(max(cap, base), base * (2 ** max(attempt - 1, 0)))
    return rng.uniform(0, ceiling)
