"""The command log: every command drbdeck sends to a node, newest last.

Operators of an agentless system need to see exactly what was run where (and how it
ended) to trust it; the console shows this log and can filter it. The log is a bounded
ring so a long-running controller never grows without limit.
"""

from __future__ import annotations

import logging
import shlex
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 2000


def stderr_tail(stderr: bytes | str, limit: int = STDERR_TAIL_BYTES) -> str:
    """The last ``limit`` characters of stderr, decoded and stripped (what errors show)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


@dataclass(frozen=True)
class CommandLogEntry:
    """One finished (or failed to finish) command on one node."""

    node: str
    argv: tuple[str, ...]
    exit_status: int | None  # None: killed, timed out, or the connection was lost
    duration: float  # seconds
    stderr_tail: str = ""
    timestamp: float = field(default_factory=time.time)  # wall clock when it finished
    timed_out: bool = False
    error: str = ""  # why there is no exit status (timeout, connection lost, ...)
    seq: int = 0
    command: str = ""  # the exact command line sent (shlex.join(argv) unless composite)

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.error


Listener = Callable[[CommandLogEntry], None]


class CommandLog:
    """A bounded ring of ``CommandLogEntry`` with listeners (the console's live view)."""

    def __init__(self, maxlen: int = 10_000) -> None:
        if maxlen < 1:
            raise ValueError(f"command log maxlen must be at least 1, got {maxlen}")
        self._entries: deque[CommandLogEntry] = deque(maxlen=maxlen)
        self._listeners: list[Listener] = []
        self._seq = 0

    def record(
        self,
        node: str,
        argv: list[str] | tuple[str, ...],
        exit_status: int | None,
        duration: float,
        stderr: bytes | str = b"",
        *,
        timed_out: bool = False,
        error: str = "",
        command: str | None = None,
    ) -> CommandLogEntry:
        """Append an entry and tell every listener; a failing listener is logged, not raised."""
        self._seq += 1
        entry = CommandLogEntry(
            node=node,
            argv=tuple(argv),
            exit_status=exit_status,
            duration=duration,
            stderr_tail=stderr_tail(stderr),
            timed_out=timed_out,
            error=error,
            seq=self._seq,
            command=command if command is not None else shlex.join(argv),
        )
        self._entries.append(entry)
        for cb in list(self._listeners):
            try:
                cb(entry)
            except Exception:
                log.exception("command log listener %r failed", cb)
        return entry

    def add_listener(self, cb: Listener) -> Callable[[], None]:
        """Call ``cb(entry)`` for each new entry; returns a function that removes it."""
        self._listeners.append(cb)

        def remove() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return remove

    def entries(
        self,
        *,
        node: str | None = None,
        failed: bool | None = None,
        contains: str | None = None,
        since_seq: int = 0,
    ) -> list[CommandLogEntry]:
        """Entries oldest first, filtered by node, success/failure and a command substring."""
        out = []
        for e in self._entries:
            if e.seq <= since_seq or (node is not None and e.node != node):
                continue
            if failed is not None and failed == e.ok:
                continue
            if contains and contains not in e.command:
                continue
            out.append(e)
        return out

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[CommandLogEntry]:
        return iter(list(self._entries))

    def clear(self) -> None:
        self._entries.clear()
