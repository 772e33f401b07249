"""ResourceList: the drbdmon-style live resource view (a Line-API ScrollView).

Why Line API: with thousands of resources and a full-rate events2 stream, only the visible
lines may be painted, and only the ones that changed (tui.md §3). Data flow:

* :meth:`ResourceList.mark_dirty` is called from DrbdState listeners at full event rate; it
  only adds a name to a set (O(1)).
* A timer at :attr:`REPAINT_HZ` (≤ 4 Hz) rebuilds the rows of the dirty resources
  (:mod:`~drbdeck.widgets.resource_rows`, no Textual) and refreshes only their lines. Only
  when a row's severity or height changes is the order (problem-first) recomputed.
* ``render_line`` paints from a per-(resource, line) Strip cache.

Node links are polled on the same timer: a node going OFFLINE marks its resources dirty,
so their rows turn *stale* instead of freezing silently.
"""

from __future__ import annotations

import gc
import time
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drbdeck.widgets.glyphs import ALERT, WARN, Glyphs, glyphs
from drbdeck.widgets.lineview import blank, crop, set_virtual_size, text_strip
from drbdeck.widgets.resource_rows import (
    Row,
    RowContext,
    all_resource_names,
    build_row,
    model_signatures,
)
from drbdeck.widgets.row_order import RowOrder

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel
    from drbdeck.collectors.drbdstate import DrbdState

__all__ = ["ResourceList"]

_MAX_NAME_WIDTH = 40


class ResourceList(ScrollView, can_focus=True):
    """Resources, problem-first; one line when healthy, expanded when degraded."""

    DEFAULT_CSS = """
    ResourceList {
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("less_than_sign", "page(-1)", "Page up (drbdmon key)", show=False),
        Binding("greater_than_sign", "page(1)", "Page down (drbdmon key)", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Details"),
        Binding("p", "toggle_problems", "Problems only"),
    ]

    #: Repaint rate of the live view (Hz); events in between are coalesced.
    REPAINT_HZ: ClassVar[float] = 4.0

    #: "What am I looking at" for a `?` help screen.
    HELP: ClassVar[str | None] = (
        "Every resource, problems first: one line when healthy, expanded when degraded "
        "(disk states per node and volume, connections, quorum, and a resync bar with %, "
        "speed and ETA). ★ marks where it is Primary; ⊘ marks nodes that stopped answering "
        "(their state is stale). p shows problems only; Enter opens the resource.")

    problems_only: reactive[bool] = reactive(False)

    class Selected(Message):
        """Enter on a resource."""

        def __init__(self, resource: str) -> None:
            super().__init__()
            self.resource = resource

    class Highlighted(Message):
        """The cursor moved to another resource (``None``: the list is empty)."""

        def __init__(self, resource: str | None) -> None:
            super().__init__()
            self.resource = resource

    def __init__(
        self,
        *,
        ascii: bool | None = None,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._g: Glyphs = glyphs(ascii)
        self._clock = clock
        self._ctx = RowContext({}, g=self._g, clock=clock)
        self._ro = RowOrder()
        self._strips: dict[tuple[str, int], Strip] = {}
        #: what each absolute line showed when last painted: (resource, k, cached strip,
        #: cursor?); a tick refreshes only the visible lines whose entry would differ
        self._painted: dict[int, tuple[str | None, int, Strip | None, bool]] = {}
        self._dirty: set[str] = set()
        self._all_dirty = False
        self._cursor: str | None = None
        self._link: dict[str, str] = {}  # node -> last seen link status
        self._has_states = False
        self._sigs: dict[str, tuple[object, ...]] = {}
        #: repaint ticks that did work, and rows rebuilt in total (for tests/benchmarks)
        self.ticks = 0
        self.rows_built = 0

    # -- public API ------------------------------------------------------------------------

    def set_states(
        self,
        states: Mapping[str, DrbdState],
        model: ClusterModel | None = None,
        node_status: Callable[[str], str] | None = None,
    ) -> None:
        """Show ``states`` (cluster: one per node, with the model; mon: one, no model)."""
        old = self._ctx
        self._ctx = RowContext(states, model, node_status, g=self._g, clock=self._clock,
                               stale_since=old.stale_since)
        self._has_states = bool(states)
        sigs = model_signatures(model)
        same_shape = (
            bool(self._ro.rows)
            and states is old.states
            and (model is None) == (old.model is None)
            and (node_status is None) == (old.node_status is None)
        )
        if same_shape:
            # The console calls this again after every model change: rebuild only the
            # resources whose desired replicas changed, not all ten thousand rows.
            prev = self._sigs
            self._dirty.update(n for n in sigs.keys() | prev.keys() if sigs.get(n) != prev.get(n))
            self._sigs = sigs
            if self.is_mounted:
                self._tick()
            return
        self._sigs = sigs
        self._link = {n: self._ctx.status(n) for n in self._node_names()}
        now = self._clock()
        for n, st in self._link.items():
            if st != "ONLINE" and node_status is not None:
                self._ctx.stale_since.setdefault(n, now)
        self._rebuild_all()

    def mark_dirty(self, resource: str | None = None) -> None:
        """Note that ``resource`` (``None``: everything) changed; painted on the next tick."""
        if resource is None:
            self._all_dirty = True
        else:
            self._dirty.add(resource)

    @property
    def cursor_resource(self) -> str | None:
        """The resource under the cursor, ``None`` when the list is empty."""
        return self._cursor

    @property
    def counts(self) -> tuple[int, int, int]:
        """(resources, with alerts, with warnings) over all rows (not only the shown ones)."""
        alert = warn = 0
        for r in self._ro.rows.values():
            if r.severity == ALERT:
                alert += 1
            elif r.severity == WARN:
                warn += 1
        return len(self._ro.rows), alert, warn

    def row(self, resource: str) -> Row | None:
        """The current row of ``resource`` (its lines as Text), for tests and drill-downs."""
        return self._ro.rows.get(resource)

    @property
    def order(self) -> list[str]:
        """Shown resources in display order."""
        return list(self._ro.order)

    def move_cursor_to(self, resource: str) -> bool:
        if resource not in self._ro.index:
            return False
        self._set_cursor(resource)
        self.call_after_refresh(self._scroll_to_cursor)  # after a new size is laid out
        return True

    # -- Textual hooks ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(1.0 / self.REPAINT_HZ, self._tick, name="resource-list-repaint")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def watch_problems_only(self, _old: bool, new: bool) -> None:
        self._ro.problems_only = new
        self._ro.reorder()
        self._ordered()
        self.refresh()

    def _strip(self, text: Text) -> Strip:
        return text_strip(text, self.app.console, self.rich_style, self.app.no_color)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self._ro.order:
            if line == 0:
                strip = self._strip(Text(self._empty_text(), style="italic"))
                return crop(strip, scroll_x, width, line, base)
            return blank(width, base)
        hit = self._ro.locate(line)
        if hit is None:
            self._painted[line] = (None, 0, None, False)
            return blank(width, base)
        name, k = hit
        strip = self._strips.get((name, k))
        if strip is None:
            row = self._ro.rows[name]
            strip = self._strip(row.lines[k]) if k < row.height \
                else blank(0, base)
            self._strips[(name, k)] = strip
        self._painted[line] = (name, k, strip, name == self._cursor)
        if strip.cell_length > width > 1:  # cut: say so instead of hiding it
            strip = Strip.join([strip.crop(0, width - 1),
                                Strip([Segment(self._g.ellipsis, base)], 1)])
        if name == self._cursor and k == 0:
            strip = strip.extend_cell_length(width, base)
            strip = strip.apply_style(Style(reverse=True, bold=self.has_focus))
        return crop(strip, 0, width, line, base)

    def on_click(self, event: events.Click) -> None:
        """Click moves the cursor to the resource under the pointer; double-click opens it."""
        hit = self._ro.locate(int(self.scroll_offset.y) + event.y)
        if hit is None:
            return
        self._set_cursor(hit[0])
        if event.chain >= 2:
            self.action_select()

    # -- actions ---------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        if not self._ro.order:
            return
        i = self._ro.index.get(self._cursor or "", -1)
        i = max(0, min(len(self._ro.order) - 1, (0 if i < 0 else i + delta)))
        self._set_cursor(self._ro.order[i])

    def action_page(self, direction: int) -> None:
        if not self._ro.order:
            return
        i = max(0, self._ro.index.get(self._cursor or "", 0))
        page = max(1, self.scrollable_content_region.height - 1)
        target_line = self._ro.starts[i] + direction * page
        target_line = max(0, min(self._ro.lines - 1, target_line))
        j = bisect_right(self._ro.starts, target_line) - 1
        if j == i:
            j = max(0, min(len(self._ro.order) - 1, i + direction))
        self._set_cursor(self._ro.order[j])

    def action_jump(self, where: int) -> None:
        if self._ro.order:
            self._set_cursor(self._ro.order[where])

    def action_select(self) -> None:
        if self._cursor is not None:
            self.post_message(self.Selected(self._cursor))

    def action_toggle_problems(self) -> None:
        self.problems_only = not self.problems_only

    # -- internals -------------------------------------------------------------------------

    def _empty_text(self) -> str:
        if not self._has_states:
            return "No DRBD state yet."
        if any(not st.initial_done for st in self._ctx.states.values()) and not self._ro.rows:
            return "Reading initial DRBD status…"
        if self.problems_only and self._ro.rows:
            return "No resources with problems to display."
        return "No resources."

    def _node_names(self) -> list[str]:
        nodes = dict.fromkeys(self._ctx.states)
        if self._ctx.model is not None:
            for n in self._ctx.model.nodes.values():
                nodes.setdefault(n.name)
        return list(nodes)

    def _name_width(self, names: list[str]) -> int:
        longest = max((len(n) for n in names), default=8)
        return max(8, min(_MAX_NAME_WIDTH, longest))

    def _rebuild_all(self) -> None:
        self._all_dirty = False
        self._dirty.clear()
        names = all_resource_names(self._ctx)
        self._ctx.name_width = self._name_width(names)
        # Building ten thousand rows allocates a lot; the cyclic GC would scan the (huge)
        # DrbdState object graph several times meanwhile (60-80 % of the time, measured).
        # Rows hold no reference cycles, so pausing it for this loop is safe.
        paused = gc.isenabled()
        gc.disable()
        try:
            self._ro.rows = {n: build_row(n, self._ctx) for n in names}
        finally:
            if paused:
                gc.enable()
        self.rows_built += len(names)
        self._strips.clear()
        self._ro.reorder()
        self._ordered()
        self.refresh()

    def _exists(self, name: str) -> bool:
        model = self._ctx.model
        if model is not None and name in model.rds:
            return True
        return any(name in st.resources for st in self._ctx.states.values())

    def _poll_links(self) -> None:
        """Mark the resources of nodes whose link status changed (stale ⇄ live)."""
        ctx = self._ctx
        if ctx.node_status is None:
            return
        now = self._clock()
        for node in self._node_names():
            status = ctx.status(node)
            if status == self._link.get(node):
                continue
            self._link[node] = status
            if status == "ONLINE":
                ctx.stale_since.pop(node, None)
            else:
                ctx.stale_since.setdefault(node, now)
            st = ctx.states.get(node)
            if st is not None:
                self._dirty.update(st.resources)
            if ctx.model is not None:
                for r in ctx.model.resources_on_node(node):
                    self._dirty.add(ctx.model.rds[r.rd].name if r.rd in ctx.model.rds
                                    else r.rd)

    def _tick(self) -> None:
        self._poll_links()
        if self._all_dirty:
            self.ticks += 1
            self._rebuild_all()
            return
        if not self._dirty:
            return
        self.ticks += 1
        dirty, self._dirty = self._dirty, set()
        moved: set[str] = set()
        changed: list[str] = []
        top = int(self.scroll_offset.y)
        bottom = top + self.scrollable_content_region.height
        for name in dirty:
            old = self._ro.rows.get(name)
            if not self._exists(name):
                if old is not None:
                    del self._ro.rows[name]
                    moved.add(name)
                continue
            if len(name) > self._ctx.name_width and self._ctx.name_width < _MAX_NAME_WIDTH:
                self._all_dirty = True  # a longer name widens the column: repaint all
                self._dirty |= dirty
                return self._tick()
            row = build_row(name, self._ctx)
            self.rows_built += 1
            self._ro.rows[name] = row
            # On screen, keep the Strips of lines whose Text is unchanged (a resync moves
            # only the bar line; the name/role/disk line stays): only changed lines
            # repaint. Off screen, drop them: comparing would build Text nobody shows.
            old_h = old.height if old is not None else 0
            i = self._ro.index.get(name)
            start = self._ro.starts[i] if i is not None else -1
            keep = old is not None and old.built and start >= 0 \
                and start < bottom and start + old_h > top
            old_lines = old.lines if keep and old is not None else []
            for k in range(max(row.height, old_h)):
                if keep and k < row.height and k < old_h and row.lines[k] == old_lines[k]:
                    continue
                self._strips.pop((name, k), None)
            if old is None or old.severity != row.severity or old.height != row.height:
                moved.add(name)
            else:
                changed.append(name)
        if moved:
            at = self._ro.index.get(self._cursor or "")
            if len(moved) > 64:
                self._ro.reorder()
            else:
                self._ro.reposition(moved)
            self._ordered(at)
        self._refresh_changed_lines()

    def _refresh_changed_lines(self) -> None:
        """Refresh the visible lines that would paint differently from last time: another
        (resource, line) there after a reorder, or that line's Strip dropped because its
        Text changed. O(visible lines); unchanged lines are not repainted at all."""
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        painted, strips, cursor = self._painted, self._strips, self._cursor
        locate = self._ro.locate
        run_start = -1
        for line in range(top, top + height + 1):
            if line < top + height:
                hit = locate(line) if self._ro.order else None
                if hit is None:
                    now: tuple[str | None, int, Strip | None, bool] = (None, 0, None, False)
                else:
                    now = (hit[0], hit[1], strips.get(hit), hit[0] == cursor)
                was = painted.get(line)
                differs = was is None or was[0] != now[0] or was[1] != now[1] \
                    or was[3] != now[3] or now[2] is None or was[2] is not now[2]
                if differs and hit is None and was is not None and was[0] is None:
                    differs = False  # blank then, blank now
            else:
                differs = False
            if differs and run_start < 0:
                run_start = line
            elif not differs and run_start >= 0:
                self.refresh_lines(run_start, line - run_start)
                run_start = -1

    def _ordered(self, cursor_at: int | None = None) -> None:
        """After the order changed: new virtual height; keep the cursor on its resource,
        or at the same position when that resource is gone."""
        ro = self._ro
        # Lines never scroll sideways (overflow-x hidden; long ones end in an ellipsis).
        set_virtual_size(self, Size(0, max(ro.lines, 1)))
        if self._cursor in ro.index:
            return
        old = self._cursor
        if ro.order:
            at = 0 if cursor_at is None else min(cursor_at, len(ro.order) - 1)
            self._cursor = ro.order[at]
        else:
            self._cursor = None
        if self._cursor != old:
            self.post_message(self.Highlighted(self._cursor))

    def _set_cursor(self, name: str) -> None:
        old = self._cursor
        self._cursor = name
        for n in (old, name):
            i = self._ro.index.get(n) if n is not None else None
            if i is not None:
                self.refresh_lines(self._ro.starts[i], 1)
        self._scroll_to_cursor()
        if old != name:
            self.post_message(self.Highlighted(name))

    def _scroll_to_cursor(self) -> None:
        name = self._cursor
        start = self._ro.start(name) if name is not None else None
        if name is None or start is None:
            return
        rows = self._ro.rows[name].height
        height = self.scrollable_content_region.height or 1
        self.scroll_to_region(Region(0, start, 1, min(rows, height)),
                              animate=False, force=True, immediate=True)
