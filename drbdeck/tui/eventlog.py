"""The event log: controller operations with their answers and observed state changes.

Why a ring with listeners (like the command log): the console appends at event rate, the
Log view subscribes, and a console left running for weeks must not grow without bound.
Anything with ``time, source, text, level`` is accepted (the forms append their own
answer lines). A line repeating an ``ops`` line's text within a few seconds is dropped, so
an answer the backend logged is not shown twice when a form logs it as well.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from drbdeck.tui.logline import LogLine

log = logging.getLogger(__name__)
Listener = Callable[[Any], None]
DEDUP_S = 5.0


class EventLog:
    """Bounded, append-only; ``append(line)``, ``add(...)``, ``add_listener(cb)``."""

    def __init__(self, maxlen: int = 5000) -> None:
        if maxlen < 1:
            raise ValueError(f"event log maxlen must be at least 1, got {maxlen}")
        self._lines: deque[Any] = deque(maxlen=maxlen)
        self._listeners: list[Listener] = []
        self._recent_ops: dict[str, float] = {}

    def append(self, line: Any) -> None:
        """Add one line (``time, source, text, level``) and tell every listener."""
        if self._duplicate(line):
            return
        self._lines.append(line)
        for cb in list(self._listeners):
            try:
                cb(line)
            except Exception:
                log.exception("event log listener %r failed", cb)

    def add(self, text: str, *, source: str = "console", level: str = "info",
            at: float | None = None) -> None:
        self.append(LogLine(time=time.time() if at is None else at, source=source,
                            text=text, level=level))

    def _duplicate(self, line: Any) -> bool:
        now = time.monotonic()
        text = str(getattr(line, "text", ""))
        if getattr(line, "source", "") == "ops":
            msg = text.rpartition(" → ")[2]
            self._recent_ops[msg] = now
            if len(self._recent_ops) > 200:
                self._recent_ops = {k: t for k, t in self._recent_ops.items()
                                    if now - t < DEDUP_S}
            return False
        for msg, t in self._recent_ops.items():
            if now - t < DEDUP_S and msg and text.endswith(msg):
                return True
        return False

    def add_listener(self, cb: Listener) -> Callable[[], None]:
        self._listeners.append(cb)

        def remove() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return remove

    def entries(self, contains: str | None = None) -> list[Any]:
        return [ln for ln in self._lines if not contains or contains in ln.text]

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._lines))

    def __len__(self) -> int:
        return len(self._lines)


__all__ = ["EventLog"]
