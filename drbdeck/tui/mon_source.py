"""The local events2 source of ``drbdeck mon``: spawn ``drbdsetup events2``, feed a DrbdState.

Why drbdmon's strictness here (drbd.md §5.1): a monitor that silently keeps a picture built
from a broken stream is worse than one that says so and starts over. So, like drbdmon, a line
that is not events2, a ``create/change/destroy/rename`` before ``exists -`` or an ``exists``
after it ends the current source; so does the child exiting. Either way the user is told in
the message log and the source is respawned after a delay, which brings a fresh initial dump.
Nothing a child prints can raise out of :meth:`EventsSource.run`.

``--statistics`` is asked for by default: real drbdsetup then adds ``dbdt1``/``eta`` to the
resync progress lines, so speed and ETA come from the kernel instead of being estimated from
``done:`` alone (drbd.md §7.6). Recorded streams and drbdmon's plain ``events2 all`` work too.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.mon_dirty import is_progress_line

__all__ = ["RESPAWN_DELAY_S", "EventsSource", "SourceStatus", "events2_argv"]

#: Pause between a source ending and the next spawn (drbdmon waits too, so a broken
#: drbdsetup does not spin a core).
RESPAWN_DELAY_S = 2.0
_READ_SIZE = 1 << 16
#: Live reads smaller than this wait _BATCH_WAIT_S for more data before being applied.
_BATCH_BYTES = _READ_SIZE
_BATCH_WAIT_S = 0.05
#: A line longer than this without a newline is garbage (real lines are < 1 KiB).
_MAX_LINE = 1 << 16

#: Called with (level, text); level is "info", "warn" or "error".
MessageSink = Callable[[str, str], None]


def events2_argv(drbdsetup: str, statistics: bool = True) -> list[str]:
    """The command line of the source: drbdmon's ``events2 all`` (+ ``--statistics``)."""
    argv = [drbdsetup, "events2", "all"]
    if statistics:
        argv.append("--statistics")
    return argv


@dataclass
class SourceStatus:
    """What the header shows about the source."""

    phase: str = "starting"  # starting | reading | live | waiting | stopped
    pid: int | None = None
    spawns: int = 0
    lines: int = 0
    since: float = 0.0  # time.time() of the last phase change
    retry_at: float | None = None  # time.monotonic() of the next spawn while waiting


class _Hint(Protocol):
    progress_line: bool


class _StreamError(Exception):
    """The stream broke one of drbdmon's rules; the message says which."""


class EventsSource:
    """Runs the events2 child for as long as :meth:`run` runs, respawning it as needed.

    ``on_change`` is called (no arguments) when :attr:`status` changes, so a UI can update
    its header without polling.
    """

    def __init__(
        self,
        state: DrbdState,
        argv: list[str],
        *,
        on_message: MessageSink,
        on_change: Callable[[], None] | None = None,
        respawn_delay: float = RESPAWN_DELAY_S,
    ) -> None:
        self.state = state
        self.argv = argv
        self.status = SourceStatus()
        self._say = on_message
        self._on_change = on_change
        self._delay = respawn_delay
        self._proc: asyncio.subprocess.Process | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        #: optional object whose ``progress_line`` is set before each live line is fed
        #: (see :class:`~drbdeck.tui.mon_dirty.DirtyFilter`)
        self.hint: _Hint | None = None

    # -- control -------------------------------------------------------------------------

    async def run(self) -> None:
        """Spawn, read, and respawn until :meth:`stop` (or cancellation)."""
        try:
            while not self._stopping:
                self._wake.clear()
                await self._one_run()
                if self._stopping:
                    break
                if self._wake.is_set():
                    continue  # R was pressed: start over at once
                self._set_phase("waiting", retry_at=time.monotonic() + self._delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._delay)
        finally:
            await self._kill()
            self._set_phase("stopped")

    def respawn(self) -> None:
        """Start over now (key ``R``): end the current child, skip the delay."""
        self._say("info", "Reinitializing: restarting the events source")
        self._wake.set()
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.terminate()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await self._kill()

    # -- one child -----------------------------------------------------------------------

    async def _one_run(self) -> None:
        self.status.spawns += 1
        # Our own pipe for stdout (not asyncio's transport): the reader then decides when
        # it wants to be woken, so a storm of small writes costs a wake-up per batch.
        rfd, wfd = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=wfd,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            os.close(rfd)
            self._say("error", f"Cannot start {' '.join(self.argv)}: {exc.strerror or exc}")
            return
        finally:
            os.close(wfd)
        os.set_blocking(rfd, False)
        self._proc = proc
        self.state.reset()
        self._set_phase("reading", pid=proc.pid)
        err_task = asyncio.ensure_future(self._collect_stderr(proc))
        ours = True  # did we end it (bad data, R, stop) rather than the child itself?
        grace = 0.0
        try:
            await self._read(rfd)
            ours = self._wake.is_set() or self._stopping
            grace = 0.0 if ours else 1.0  # end of file: the child is probably exiting
        except _StreamError as exc:
            self._say("error", f"Invalid events2 data: {exc}; restarting the source")
        except (OSError, ValueError) as exc:
            self._say("error", f"Reading the events source failed: {exc}")
        finally:
            os.close(rfd)
            await self._kill(grace)
            stderr = await err_task
            self._proc = None
        if ours:
            return
        code = proc.returncode
        if code is not None and code < 0:
            detail = f" (killed by signal {-code})"
        else:
            detail = f" (exit code {code})" if code else ""
        if stderr:
            detail += f": {stderr}"
        self._say("warn", f"The external process that provides DRBD events exited{detail}")

    async def _read(self, fd: int) -> None:
        state = self.state
        feed = state.feed
        partial = ""
        status = self.status
        decode = codecs.getincrementaldecoder("utf-8")("replace").decode  # split characters
        while True:
            chunk = await _read_fd(fd)
            if not chunk:
                return
            if state.initial_done and len(chunk) < _BATCH_BYTES:
                # A live stream arrives in small writes; let a few accumulate so a storm
                # costs one wake-up per batch rather than one per write (≤ 50 ms later).
                await asyncio.sleep(_BATCH_WAIT_S)
                with contextlib.suppress(BlockingIOError):
                    chunk += os.read(fd, _READ_SIZE)
            text = partial + decode(chunk)
            lines = text.split("\n")
            partial = lines.pop()
            if len(partial) > _MAX_LINE:
                raise _StreamError(f"a line longer than {_MAX_LINE} characters")
            status.lines += len(lines)
            if state.initial_done:
                # Live phase: every line must be a state change, never a dump line (one
                # substring search per chunk keeps the common case cheap).
                if "exists" in text:
                    for line in lines:
                        if _action(line) == "exists":
                            raise _StreamError(f"'exists' after the initial dump: {_short(line)}")
                bad = state.malformed
                hint = self.hint
                if hint is None:
                    for line in lines:
                        if line:
                            feed(line)
                else:
                    for line in lines:
                        if line:
                            hint.progress_line = is_progress_line(line)
                            feed(line)
                    hint.progress_line = False
                if state.malformed != bad:
                    raise _StreamError(_malformed(state))
            else:
                for line in lines:
                    if not line:
                        continue
                    if state.initial_done:
                        if _action(line) == "exists":
                            raise _StreamError(f"'exists' after the initial dump: {_short(line)}")
                    elif _action(line) not in ("exists", "call", "response"):
                        raise _StreamError(
                            f"{_action(line)!r} before the initial dump ended: {_short(line)}"
                        )
                    bad = state.malformed
                    feed(line)
                    if state.malformed != bad:
                        raise _StreamError(_malformed(state))
                    if state.initial_done and status.phase == "reading":
                        self._set_phase("live")

    async def _collect_stderr(self, proc: asyncio.subprocess.Process) -> str:
        """The child's stderr (the last few hundred characters), for the exit message."""
        if proc.stderr is None:
            return ""
        data = b""
        with contextlib.suppress(OSError, ValueError):
            while chunk := await proc.stderr.read(4096):
                data = (data + chunk)[-400:]
        return " ".join(data.decode("utf-8", "replace").split())

    async def _kill(self, grace: float = 0.0) -> None:
        """End the child and reap it. ``grace``: first give a child that closed its stdout
        this long to exit by itself — signalling it makes Popen poll (reap) it behind
        asyncio's child watcher, which then reports exit code 255 instead of the real one.
        """
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if grace > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), grace)
            if proc.returncode is not None:
                return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 2.0)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    def _set_phase(self, phase: str, pid: int | None = None, retry_at: float | None = None) -> None:
        st = self.status
        st.phase = phase
        st.since = time.time()
        st.retry_at = retry_at
        if pid is not None:
            st.pid = pid
        if self._on_change is not None:
            self._on_change()


def _wake_once(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


async def _read_fd(fd: int) -> bytes:
    """Read what the non-blocking pipe ``fd`` has; wait (without polling) if it has nothing.

    Returns ``b""`` at end of file.
    """
    while True:
        try:
            return os.read(fd, _READ_SIZE)
        except BlockingIOError:
            pass
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_reader(fd, _wake_once, ready)
        try:
            await ready
        finally:
            loop.remove_reader(fd)


def _after_ts(line: str) -> str:
    """The line without a ``--timestamps`` prefix (a real drbdsetup never adds one here)."""
    if line[:1].isdigit():
        return line.partition(" ")[2]
    return line


def _action(line: str) -> str:
    return _after_ts(line).partition(" ")[0]


def _short(line: str) -> str:
    line = line.rstrip("\r\n")
    return repr(line if len(line) <= 120 else line[:120] + "…")


def _malformed(state: DrbdState) -> str:
    if state.last_malformed is None:
        return "unreadable line"
    line, why = state.last_malformed
    return f"{why}: {_short(line)}"


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists (tests check that children are reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
