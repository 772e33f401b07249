"""One running resync and DRBD's progress statistics for it.

The kernel keeps "sync marks" (time, amount left) advanced every 3 s; ``dbdt1``/``eta`` come
from the newest window, ``dbdt`` from the whole run. The same figures feed events2
``--statistics`` lines and ``status --json``, so they are computed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: DRBD_SYNC_MARK_STEP: progress events at most this often (simulated seconds)
MARK_STEP = 3.0
#: status --json's "estimated-seconds-to-finish" when there was no recent progress
ETA_UNKNOWN = 987654321


@dataclass(eq=False)
class Resync:
    """A resync from ``source`` to ``target`` of one volume (both ends reference it)."""

    source: Any  # DrbdKernel
    target: Any  # DrbdKernel
    resource: str
    volume: int
    source_node_id: int
    target_node_id: int
    total_kib: int
    kind: str  # "full" | "bitmap"
    started: float  # network time
    left_kib: int = 0
    marks: list[tuple[float, int]] = field(default_factory=list)
    last_report: float = 0.0
    now: float = 0.0
    carry: float = 0.0  # sub-KiB progress not yet applied
    counted_kib: int = 0  # already added to the sent/received counters

    def uncounted_kib(self) -> int:
        """KiB moved since the counters were last updated (and mark them counted)."""
        delta = self.total_kib - self.left_kib - self.counted_kib
        self.counted_kib += delta
        return delta

    def __post_init__(self) -> None:
        self.left_kib = self.total_kib
        self.marks = [(self.started, self.total_kib)]
        self.last_report = self.started
        self.now = self.started

    @property
    def link(self) -> frozenset[str]:
        return frozenset((self.source.name, self.target.name))

    def done_percent(self) -> float:
        if self.total_kib <= 0:
            return 100.0
        return 100.0 * (self.total_kib - self.left_kib) / self.total_kib

    def _window(self) -> tuple[float, int]:
        """(seconds, KiB) over the newest mark window (previous mark → now)."""
        t0, left0 = self.marks[0]
        for t, left in reversed(self.marks):
            if self.now - t >= 1.0:
                t0, left0 = t, left
                break
        return self.now - t0, left0 - self.left_kib

    def dbdt1(self) -> float | None:
        dt, db = self._window()
        if dt <= 0 or db <= 0:
            return None
        return db / 1024 / dt

    def dbdt(self) -> float:
        dt = self.now - self.started
        return (self.total_kib - self.left_kib) / 1024 / dt if dt > 0 else 0.0

    def eta(self) -> float | None:
        rate = self.dbdt1()
        if rate is None:
            return None
        return self.left_kib / 1024 / rate

    def dbdt1_text(self) -> str:
        r = self.dbdt1()
        return f"{(r or 0.0):.2f}"

    def eta_text(self) -> str:
        e = self.eta()
        return "nan" if e is None else f"{e:.0f}"

    def mark(self) -> None:
        """Advance the sync marks (kept at 8, like the kernel)."""
        self.marks.append((self.now, self.left_kib))
        del self.marks[:-8]

    def json_details(self) -> list[tuple[str, Any]]:
        """The sync-details block of ``status --json`` (sectors / ms / MiB/s)."""
        dt1, db1 = self._window()
        t0, left0 = self.marks[0]
        eta = self.eta()
        return [
            ("rs-total", self.total_kib * 2),
            ("rs-dt-start-ms", int((self.now - self.started) * 1000)),
            ("rs-paused-ms", 0),
            ("rs-dt0-ms", int((self.now - t0) * 1000)),
            ("rs-db0-sectors", (left0 - self.left_kib) * 2),
            ("rs-dt1-ms", int(dt1 * 1000)),
            ("rs-db1-sectors", db1 * 2),
            ("rs-failed", 0),
            ("rs-same-csum", 0),
            ("want", 0.0),
            ("db0/dt0 [MiB/s]", _rate(left0 - self.left_kib, self.now - t0)),
            ("db1/dt1 [MiB/s]", self.dbdt1() or 0.0),
            ("estimated-seconds-to-finish", ETA_UNKNOWN if eta is None else round(eta)),
            ("db/dt [MiB/s]", self.dbdt()),
            ("percent-resync-done", self.done_percent()),
        ]


def _rate(kib: int, dt: float) -> float:
    return kib / 1024 / dt if dt > 0 and kib > 0 else 0.0
