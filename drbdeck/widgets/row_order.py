"""Display order of the resource list's rows, with their line offsets (no Textual).

Why a class of its own: the order (problem-first, then name) and the first line of each
row are what the Line-API widget maps screen lines through, and keeping them right under
live changes is the subtle part — a resync starting or ending changes one row's severity
and height among ten thousand, which must not cost a full re-sort (see :meth:`reposition`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from drbdeck.widgets.rowparts import Row

__all__ = ["RowOrder", "sort_key"]


def sort_key(row: Row) -> tuple[int, str]:
    """Problem-first (alert, warn, ok), then by name."""
    return (-row.severity, row.name.lower())


class RowOrder:
    """All rows by name, the shown ones in order, and where each starts."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.order: list[str] = []  # shown resources, in display order
        self.starts: list[int] = []  # first line of each shown resource
        self.index: dict[str, int] = {}  # name -> position in order
        self.lines = 0
        self.problems_only = False

    def reorder(self) -> None:
        """Sort everything (after a full rebuild or a filter change)."""
        rows = self.rows.values()
        if self.problems_only:
            rows = [r for r in rows if r.severity > 0]
        ordered = sorted(rows, key=sort_key)
        self.order = [r.name for r in ordered]
        self._reindex()

    def reposition(self, moved: set[str]) -> None:
        """Move a few rows (changed severity/height, new, or removed from ``rows``) to their
        new places: O(N) list work in C plus O(k log N) key calls, no re-sort."""
        order, rows = self.order, self.rows
        for i in sorted((self.index[n] for n in moved if n in self.index), reverse=True):
            del order[i]

        def key(n: str) -> tuple[int, str]:
            return sort_key(rows[n])

        for n in moved:
            row = rows.get(n)
            if row is None or (self.problems_only and row.severity == 0):
                continue
            order.insert(bisect_left(order, sort_key(row), key=key), n)
        self._reindex()

    def locate(self, line: int) -> tuple[str, int] | None:
        """(resource, line within its row) of a virtual line, ``None`` past the end."""
        if not 0 <= line < self.lines:
            return None
        i = bisect_right(self.starts, line) - 1
        return self.order[i], line - self.starts[i]

    def start(self, name: str) -> int | None:
        i = self.index.get(name)
        return self.starts[i] if i is not None else None

    def _reindex(self) -> None:
        rows = self.rows
        self.index = {n: i for i, n in enumerate(self.order)}
        self.starts = list(accumulate((rows[n].height for n in self.order), initial=0))
        self.lines = self.starts.pop() if self.starts else 0
