"""PlacementMatrix: resources × nodes, with a cell cursor and sticky headers (Line API).

Why Line API here too: with hundreds of nodes and thousands of resources the matrix is
millions of cells; only the visible window is rendered (rows from a per-resource Strip
cache, cropped to the horizontal scroll), the header row and the resource-name column stay
in place while the rest scrolls, and live changes repaint at ≤ 4 Hz.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drbdeck.widgets.glyphs import ALERT, OK, SEVERITY_STYLE, STYLE, WARN, Glyphs, glyphs
from drbdeck.widgets.lineview import blank, set_virtual_size, text_strip
from drbdeck.widgets.placement_cells import (
    CELL_WIDTH,
    CellMemo,
    matrix_legend,
    matrix_names,
    matrix_nodes,
    row_cells,
)

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel
    from drbdeck.collectors.drbdstate import DrbdState

__all__ = ["PlacementMatrix"]

_MAX_NAME = 24
_MAX_NODE = 10


class PlacementMatrix(ScrollView, can_focus=True):
    """Rows: resources; columns: nodes; Enter posts :class:`PlacementMatrix.Selected`."""

    DEFAULT_CSS = """
    PlacementMatrix {
        background: $surface;
        color: $text;
        overflow: auto auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Up", show=False),
        Binding("down", "move(0, 1)", "Down", show=False),
        Binding("left", "move(-1, 0)", "Left", show=False),
        Binding("right", "move(1, 0)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First node", show=False),
        Binding("end", "edge(1)", "Last node", show=False),
        Binding("ctrl+home", "top", "First resource", show=False),
        Binding("ctrl+end", "bottom", "Last resource", show=False),
        Binding("enter", "select", "Details"),
        Binding("l", "toggle_legend", "Legend"),
    ]

    REPAINT_HZ: ClassVar[float] = 4.0

    #: "What am I looking at" for a `?` help screen.
    HELP: ClassVar[str | None] = (
        "Resources × nodes: ● diskful, ○ diskless, ◇ tie-breaker, ★ Primary, syncing %, "
        "✗ problem. Arrows move (both ways); Enter opens the resource.")

    show_legend: reactive[bool] = reactive(True)

    class Selected(Message):
        """Enter on a cell: the resource (row) and the node (column)."""

        def __init__(self, resource: str, node: str) -> None:
            super().__init__()
            self.resource = resource
            self.node = node

    def __init__(
        self,
        *,
        ascii: bool | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._g: Glyphs = glyphs(ascii)
        self._model: ClusterModel | None = None
        self._states: Mapping[str, DrbdState] = {}
        self._status: Callable[[str], str] = lambda n: "ONLINE"
        self._rows: list[str] = []
        self._row_index: dict[str, int] = {}
        self._cols: list[str] = []
        self._name_w = 8
        self._col_w = CELL_WIDTH + 1
        # resource -> (cells strip, row severity, input fingerprint)
        self._cache: LRUCache[str, tuple[Strip, int, tuple[object, ...]]] = LRUCache(2048)
        self._link: dict[str, str] = {}
        self._styles: dict[str, Style] = {}
        self._memo: CellMemo = {}
        self._legend_cache: tuple[int, list[Text]] | None = None
        self._dirty: set[str] = set()
        self._all_dirty = False
        self.cursor_row = 0
        self.cursor_col = 0

    # -- public API ------------------------------------------------------------------------

    def set_data(
        self,
        model: ClusterModel | None,
        states: Mapping[str, DrbdState],
        node_status: Callable[[str], str] | None = None,
    ) -> None:
        """Show ``model``'s placement joined with the nodes' live ``states``."""
        self._model = model
        self._states = states
        if node_status is not None:
            self._status = self._safe(node_status)
        self._rebuild()

    def mark_dirty(self, resource: str | None = None) -> None:
        """Something changed (``resource``, or anything); repainted on the next tick."""
        if resource is None:
            self._all_dirty = True
        else:
            self._dirty.add(resource)

    @property
    def cursor_cell(self) -> tuple[str, str] | None:
        """(resource, node) under the cursor, ``None`` when the matrix is empty."""
        if not self._rows or not self._cols:
            return None
        return self._rows[self.cursor_row], self._cols[self.cursor_col]

    @property
    def rows(self) -> list[str]:
        return list(self._rows)

    @property
    def columns(self) -> list[str]:
        return list(self._cols)

    def move_cursor(self, resource: str, node: str | None = None) -> None:
        if resource in self._row_index:
            self.cursor_row = self._row_index[resource]
        if node is not None and node in self._cols:
            self.cursor_col = self._cols.index(node)
        self._follow_cursor()
        self.call_after_refresh(self._follow_cursor)  # after a new size has been laid out
        self.refresh()

    # -- geometry: line 0 is the header, the last line the legend --------------------------

    @property
    def _top(self) -> int:
        return 1

    @property
    def _bottom(self) -> int:
        return len(self._legend_lines()) if self.show_legend else 0

    def _legend_lines(self) -> list[Text]:
        """The legend, wrapped to the width (two lines at 80 columns)."""
        width = max(20, self.scrollable_content_region.width or self.size.width or 80)
        if self._legend_cache is None or self._legend_cache[0] != width:
            self._legend_cache = (width, matrix_legend(self._g, width)[:3])
        return self._legend_cache[1]

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - self._top - self._bottom)

    @property
    def _body_width(self) -> int:
        return max(1, self.scrollable_content_region.width - self._name_w)

    def _update_size(self) -> None:
        set_virtual_size(self, Size(self._name_w + len(self._cols) * self._col_w,
                                    len(self._rows) + self._top + self._bottom))

    # -- Textual hooks ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(1.0 / self.REPAINT_HZ, self._tick, name="placement-repaint")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_resize(self) -> None:
        self._update_size()

    def watch_show_legend(self) -> None:
        self._update_size()
        self.refresh()

    def _strip(self, text: Text) -> Strip:
        return text_strip(text, self.app.console, self.rich_style, self.app.no_color)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        height = self.scrollable_content_region.height
        if self.show_legend and y >= height - self._bottom:
            lines = self._legend_lines()
            k = y - (height - len(lines))
            if 0 <= k < len(lines):
                return self._strip(lines[k]).crop_extend(0, width, base)
        if not self._rows:
            if y == 1:
                msg = "No resources." if self._cols else "No nodes and no resources."
                return self._strip(Text(msg, "italic")).crop_extend(
                    0, width, base)
            return blank(width, base)
        idx = int(self.scroll_offset.y) + y - self._top
        if idx < 0 or idx >= len(self._rows):
            return blank(width, base)
        return self._row_strip(idx, width, base)

    def on_click(self, event: events.Click) -> None:
        """Click puts the cell cursor under the pointer; double-click selects the cell."""
        if not self._rows or not self._cols or event.y < self._top or event.x < self._name_w:
            return
        row = int(self.scroll_offset.y) + event.y - self._top
        col = (int(self.scroll_offset.x) + event.x - self._name_w) // self._col_w
        if row >= len(self._rows) or col >= len(self._cols):
            return
        self.action_move(col - self.cursor_col, row - self.cursor_row)
        if event.chain >= 2:
            self.action_select()

    # -- actions ---------------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        if not self._rows or not self._cols:
            return
        old_row = self.cursor_row
        before = self.scroll_offset
        self.cursor_col = max(0, min(len(self._cols) - 1, self.cursor_col + dx))
        self.cursor_row = max(0, min(len(self._rows) - 1, self.cursor_row + dy))
        self._follow_cursor()
        if self.scroll_offset != before:
            self.refresh()
            return
        # Only the header (column mark) and the two cursor rows need painting.
        width = self.scrollable_content_region.width
        top = int(self.scroll_offset.y)
        for y in {0, old_row - top + self._top, self.cursor_row - top + self._top}:
            self.refresh(Region(0, y, width, 1))

    def action_page(self, direction: int) -> None:
        self.action_move(0, direction * max(1, self._body_height - 1))

    def action_edge(self, direction: int) -> None:
        self.action_move(direction * len(self._cols), 0)

    def action_top(self) -> None:
        self.action_move(0, -len(self._rows))

    def action_bottom(self) -> None:
        self.action_move(0, len(self._rows))

    def action_select(self) -> None:
        cell = self.cursor_cell
        if cell is not None:
            self.post_message(self.Selected(*cell))

    def action_toggle_legend(self) -> None:
        self.show_legend = not self.show_legend

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _safe(fn: Callable[[str], str]) -> Callable[[str], str]:
        def status(node: str) -> str:
            try:
                return str(fn(node))
            except Exception:  # a broken backend must not break painting
                return "UNKNOWN"
        return status

    def _rebuild(self) -> None:
        self._all_dirty = False
        self._dirty.clear()
        cur = self.cursor_cell
        self._rows = matrix_names(self._model, self._states)
        self._row_index = {n: i for i, n in enumerate(self._rows)}
        self._cols = matrix_nodes(self._model, self._states)
        self._link = {n: self._status(n) for n in self._cols}
        self._memo.clear()
        longest = max((len(n) for n in self._rows), default=8)
        self._name_w = max(10, min(_MAX_NAME, longest) + 3)
        node_w = max((len(n) for n in self._cols), default=CELL_WIDTH)
        self._col_w = max(CELL_WIDTH, min(_MAX_NODE, node_w)) + 1
        self._cache.clear()
        if cur is not None:
            self.cursor_row = self._row_index.get(cur[0], min(self.cursor_row,
                                                              max(0, len(self._rows) - 1)))
            self.cursor_col = (self._cols.index(cur[1]) if cur[1] in self._cols
                               else min(self.cursor_col, max(0, len(self._cols) - 1)))
        else:
            self.cursor_row = min(self.cursor_row, max(0, len(self._rows) - 1))
            self.cursor_col = min(self.cursor_col, max(0, len(self._cols) - 1))
        self._update_size()
        self.refresh()

    def _tick(self) -> None:
        for node in self._cols:
            s = self._status(node)
            if s != self._link.get(node):
                self._link[node] = s
                self._cache.clear()  # a whole column changed
                self.refresh()
        if self._all_dirty:
            self._all_dirty = False
            self._dirty.clear()
            # Compare the actual row and column lists, not their counts: a delete plus a
            # create in the same tick keeps the counts (O(n log n), and mark_dirty() without
            # a name is rare: a stream restart, a link change).
            if (matrix_names(self._model, self._states) != self._rows
                    or matrix_nodes(self._model, self._states) != self._cols):
                self._rebuild()
            else:  # same resources and nodes (the common case): repaint the visible rows
                self._refresh_changed_rows()  # whose inputs changed
            return
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        known = self._row_index
        if any(n not in known for n in dirty) or any(
            not self._exists(n) for n in dirty
        ):
            self._rebuild()
            return
        top = int(self.scroll_offset.y)
        for n in dirty:
            self._cache.discard(n)
            i = known[n]
            if top <= i < top + self._body_height:
                width = self.scrollable_content_region.width
                self.refresh(Region(0, i - top + self._top, width, 1))

    def _row_fingerprint(self, name: str) -> tuple[object, ...]:
        """What a row's cells depend on: each node's events2 generation of the resource
        and the desired replicas' flags (link changes clear the whole cache)."""
        gens = tuple(
            rs.generation if (rs := st.resources.get(name)) is not None else -1
            for st in self._states.values()
        )
        m = self._model
        want = () if m is None else tuple(
            (r.node, tuple(sorted(r.flags))) for r in m.resources_of_rd(name))
        return gens, want

    def _refresh_changed_rows(self) -> None:
        top = int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        for i in range(top, min(len(self._rows), top + self._body_height)):
            name = self._rows[i]
            cached = self._cache.get(name)
            if cached is not None and cached[2] == self._row_fingerprint(name):
                continue
            self._cache.discard(name)
            self.refresh(Region(0, i - top + self._top, width, 1))

    def _exists(self, name: str) -> bool:
        if self._model is not None and name in self._model.rds:
            return True
        return any(name in st.resources for st in self._states.values())

    def _follow_cursor(self) -> None:
        sx, sy = int(self.scroll_offset.x), int(self.scroll_offset.y)
        h = self._body_height
        if self.cursor_row < sy:
            sy = self.cursor_row
        elif self.cursor_row >= sy + h:
            sy = self.cursor_row - h + 1
        left = self.cursor_col * self._col_w
        right = left + self._col_w
        if left < sx:
            sx = left
        elif right > sx + self._body_width:
            sx = right - self._body_width
        self.scroll_to(sx, sy, animate=False, immediate=True)

    def _header(self, width: int, base: Style) -> Strip:
        g = self._g
        head = Text(no_wrap=True)
        label = f"{len(self._rows)} rsc" if len(self._rows) else "resource"
        head.append(label[: self._name_w - 1].ljust(self._name_w), "bold")
        name_part = self._strip(head)
        cols = Text(no_wrap=True)
        for i, node in enumerate(self._cols):
            s = self._link.get(node, "ONLINE")
            shown = node if s == "ONLINE" else g.stale + node
            cw = self._col_w - 1
            if len(shown) > cw:
                shown = shown[: cw - 1] + g.ellipsis
            style = "bold underline" if i == self.cursor_col else "bold"
            if s != "ONLINE":
                style += " " + STYLE["alert"]
            cols.append(shown.center(cw), style)
            cols.append(" ")
        return self._join(name_part, self._strip(cols), width, base)

    def _join(self, left: Strip, right: Strip, width: int, base: Style) -> Strip:
        sx = int(self.scroll_offset.x)
        right = right.crop_extend(sx, sx + self._body_width, base)
        return Strip.join([left.crop_extend(0, self._name_w, base), right]).crop_extend(
            0, width, base)

    def _row_strip(self, idx: int, width: int, base: Style) -> Strip:
        name = self._rows[idx]
        cached = self._cache.get(name)
        fingerprint = self._row_fingerprint(name)
        if cached is not None and cached[2] != fingerprint:
            cached = None  # changed while off-screen (an unnamed mark_dirty skips those)
        if cached is None:
            link = self._link
            cells = row_cells(self._g, name, self._cols, self._model, self._states,
                              lambda n: link.get(n, "ONLINE"), self._memo)
            sev = max((c.severity for c in cells), default=OK)
            segs: list[Segment] = []
            pad = " " * ((self._col_w - 1 - CELL_WIDTH) // 2)
            rest = " " * (self._col_w - CELL_WIDTH - len(pad))
            for c in cells:
                style = self._styles.get(c.style)
                if style is None:
                    style = Style.parse(c.style)
                    if self.app.no_color:
                        style = style.without_color
                    self._styles[c.style] = style
                segs.append(Segment(pad + c.text + rest, base + style))
            strip = Strip(segs, len(cells) * self._col_w)
            cached = (strip, sev, fingerprint)
            self._cache[name] = cached
        strip, sev, _ = cached
        mark = {OK: " ", WARN: self._g.warn, ALERT: self._g.alert}[sev]
        label = Text(no_wrap=True)
        label.append(mark, SEVERITY_STYLE[sev])
        shown = name if len(name) <= self._name_w - 3 else name[: self._name_w - 4] + \
            self._g.ellipsis
        label.append(" " + shown.ljust(self._name_w - 2),
                     "bold reverse" if idx == self.cursor_row and self.has_focus else "bold")
        left = self._strip(label)
        if idx == self.cursor_row and self._cols:
            c0 = self.cursor_col * self._col_w
            strip = Strip.join([
                strip.crop(0, c0),
                strip.crop(c0, c0 + self._col_w - 1).apply_style(Style(reverse=True)),
                strip.crop(c0 + self._col_w - 1, strip.cell_length),
            ])
        return self._join(left, strip, width, base)
