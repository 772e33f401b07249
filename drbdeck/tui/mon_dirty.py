"""Which changed resources ``drbdeck mon`` hands to the resource list, and when.

Why a filter between DrbdState and the list: a resync storm is mostly ``change peer-device
… done:X`` lines for resources that are not on screen. Rebuilding a row costs far more than
applying a line, and the list must rebuild a row to learn whether its severity or height
changed (problem-first order). Here the cheap question is asked first: did anything other
than progress figures change (role, disk, quorum, connection, replication, peer disk)? If
so, the row goes to the list at once, as it may move or expand. If only progress changed,
the row goes to the list only while it is visible; off-screen rows are remembered and
handed over the moment they scroll into view (or the view changes), so what the user sees
is never older than one tick. drbdmon has the same economy: it renders only the visible
page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["DirtyFilter", "is_progress_line", "visible_names"]


class _ListLike(Protocol):
    """The part of ResourceList this filter needs (keeps the filter testable alone)."""

    @property
    def order(self) -> list[str]: ...

    def row(self, resource: str) -> object | None: ...

    def mark_dirty(self, resource: str | None = None) -> None: ...


def is_progress_line(line: str) -> bool:
    """True for a peer-device change that carries no state key (only progress figures).

    Such lines (``done:``, and with ``--statistics`` the counters, ``dbdt1``, ``eta``)
    cannot change a row's severity or height; every other line might.
    """
    return (
        line.startswith("change peer-device ")
        and " replication:" not in line
        and " peer-disk:" not in line
        and " peer-client:" not in line
        and " resync-suspended:" not in line
    )


class DirtyFilter:
    """Collects changed names from the DrbdState listener; :meth:`flush` forwards them.

    The events source sets :attr:`progress_line` before feeding each line (see
    :func:`is_progress_line`), so :meth:`note` knows what kind of change it is told about
    without looking at the resource. ``visible`` returns the names currently on screen.
    """

    def __init__(
        self, target: _ListLike, visible: Callable[[], set[str]], progress_every: int = 4
    ) -> None:
        self._target = target
        self._visible = visible
        self._changed: set[str] = set()
        self._progress: set[str] = set()
        self._all = False
        #: set by the source: the line being fed only moves progress figures
        self.progress_line = False
        #: progress-only changes of rows that were off screen, not yet forwarded
        self.deferred: set[str] = set()
        self.forwarded = 0
        #: progress-only rows are handed over on every n-th flush: the kernel reports a
        #: resync's progress every ≥ 3 s, so 1 Hz shows every step at a quarter of the paint work
        self.progress_every = progress_every
        self._ticks = 0

    def note(self, name: str | None) -> None:
        """The DrbdState listener: O(1), called for every line."""
        if name is None:
            self._all = True
        elif self.progress_line:
            self._progress.add(name)
        else:
            self._changed.add(name)

    def flush(self) -> None:
        """Forward what the list must repaint now (called on a timer)."""
        target = self._target
        if self._all:
            self._all = False
            self._changed.clear()
            self._progress.clear()
            self.deferred.clear()
            target.mark_dirty(None)
            self.forwarded += 1
            return
        if self._changed:
            changed, self._changed = self._changed, set()
            for name in changed:
                target.mark_dirty(name)
            self.forwarded += len(changed)
            self._progress -= changed
            self.deferred -= changed
        self._ticks += 1
        if self._ticks % self.progress_every or (not self._progress and not self.deferred):
            return
        if self._progress:
            self.deferred |= self._progress
            self._progress = set()
        now_visible = self.deferred & self._visible()
        for name in now_visible:
            target.mark_dirty(name)
        self.forwarded += len(now_visible)
        self.deferred -= now_visible


def visible_names(lst: _ListLike, top: int, height: int) -> set[str]:
    """Names of the rows between lines ``top`` and ``top + height`` of the list."""
    bottom = top + height
    out: set[str] = set()
    line = 0
    for name in lst.order:
        row = lst.row(name)
        lines = getattr(row, "lines", None)
        h = len(lines) if lines else 1
        if line + h > top:
            out.add(name)
        line += h
        if line >= bottom:
            break
    return out
