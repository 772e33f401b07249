"""The Nodes view: one DataTable row per node (a small table, so DataTable is right here).

Why a dirty flag and a 1 s timer: link, metrics and model changes arrive from the backend
at any rate; the table is refreshed at most once a second, and only the cells whose text
changed are updated (``update_cell``). Ages ("stale 25s") move on their own, so a refresh
also happens every few seconds without any change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from drbdeck.tui.views.nodefmt import COLUMNS, node_cells

REFRESH_S = 1.0
AGE_REFRESH_S = 5.0


class NodesTable(DataTable[Text]):
    """Nodes with SSH state, pools, resource counts and host figures."""

    HELP = ("One row per node: type and address, the SSH link (ONLINE, OFFLINE since when, "
            "reconnect attempts, host-key problems), storage pools with their fill level, "
            "the number of resources and the host's CPU, memory, load and network rates "
            "(stale figures are marked). Enter shows the node's resources.")
    class Chosen(Message):
        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    def __init__(self, backend: Any, *, clock: Callable[[], float] = time.time,
                 **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kw)
        self.backend = backend
        self._clock = clock
        self._dirty = True
        self._cells: dict[str, list[Text]] = {}
        self._last_full = 0.0

    def on_mount(self) -> None:
        for c in COLUMNS:
            self.add_column(c, key=c)
        self.refresh_rows()
        self.set_interval(REFRESH_S, self._tick)

    def mark_dirty(self) -> None:
        self._dirty = True

    def _tick(self) -> None:
        if not self.display:  # another view is shown: a DataTable update costs a repaint
            return  # (and a layout when a column widens); caught up in on_show
        now = self._clock()
        if self._dirty or now - self._last_full >= AGE_REFRESH_S:
            self.refresh_rows()

    def on_show(self) -> None:
        """Shown again (view 2): bring it up to date at once, not on the next tick."""
        if self._dirty or self._clock() - self._last_full >= AGE_REFRESH_S:
            self.refresh_rows()

    @property
    def cursor_node(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def refresh_rows(self) -> None:
        """Bring the table in line with the backend, touching only changed cells."""
        self._dirty = False
        now = self._last_full = self._clock()
        names = sorted((n.name for n in self.backend.model.nodes.values()), key=str.upper)
        rows = {n: node_cells(self.backend, n, now) for n in names}
        heights = {n: max(c.plain.count("\n") + 1 for c in cells) for n, cells in rows.items()}
        same_shape = (list(self._cells) == names and all(
            max(c.plain.count("\n") + 1 for c in self._cells[n]) == heights[n] for n in names))
        if not same_shape:
            keep = self.cursor_node
            self.clear()
            for n in names:
                self.add_row(*rows[n], key=n, height=heights[n])
            if keep in rows:
                self.move_cursor(row=names.index(keep))
        else:
            for n in names:
                for col, (old, new) in enumerate(zip(self._cells[n], rows[n], strict=True)):
                    if old != new:
                        self.update_cell(n, COLUMNS[col], new, update_width=True)
        self._cells = rows

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(str(event.row_key.value)))


__all__ = ["NodesTable"]
