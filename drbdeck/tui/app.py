"""DrbdeckApp: the drbdmon-style console over a ConsoleBackend.

Why this shape: four live views behind number keys (Resources, Nodes, Placement, Log) in a
ContentSwitcher, a drill-down screen per resource (Enter, Esc back), and one command table
(:mod:`drbdeck.tui.commands`) for the keys, the footer, `?` help and the command palette.

Painting: the backend's change listener only marks widgets dirty (``mark_dirty`` is O(1));
each widget repaints on its own timer at ≤ 4 Hz, only what changed. A node that stops
answering is shown stale by the widgets (they ask ``node_status``), never frozen silently.
Read-only: ``check_action`` refuses every action that changes something, so those keys
are neither shown nor listed in help or the palette, and forms refuse to open.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Footer, Static

from drbdeck.tui.commands import COMMANDS, VIEW_TITLES, VIEWS, command_for
from drbdeck.tui.help import HelpScreen
from drbdeck.tui.keys import active_keys
from drbdeck.tui.views.detail import ResourceScreen
from drbdeck.tui.views.logpane import LogPane
from drbdeck.tui.views.nodes import NodesTable
from drbdeck.tui.views.summary import cluster_summary
from drbdeck.widgets.glyphs import STYLE
from drbdeck.widgets.placement import PlacementMatrix
from drbdeck.widgets.resource_list import ResourceList

log = logging.getLogger(__name__)
SUMMARY_S = 1.0
WIDE = 110  # columns from which the header lists every view


def _forms() -> Any:
    """The forms package, imported when the app is built (it pulls in the controller's
    validation and preview modules, which a plain ``import drbdeck.tui.app`` need not)."""
    from drbdeck.tui import forms

    return forms


class DrbdeckApp(App[int]):
    """``DrbdeckApp(backend, readonly=…, chaos=…, title=…)``; see the module docstring."""

    CSS_PATH = "app.tcss"
    BINDINGS = [c.binding() for c in COMMANDS]  # noqa: RUF012
    #: help texts that override a widget's own ``HELP`` (class name → text): the console's
    #: log says which logs it merges; the widgets carry their own texts otherwise
    WIDGET_HELP = {"LogView": LogPane.HELP}  # noqa: RUF012

    def __init__(self, backend: Any, *, readonly: bool = False, chaos: Any = None,
                 title: str = "drbdeck", clock: Callable[[], float] = time.time) -> None:
        """``clock`` (wall time) drives "since" and age texts; tests pin it."""
        super().__init__()
        self.clock = clock
        self.backend = backend
        self.readonly = bool(readonly or getattr(backend, "readonly", False))
        with contextlib.suppress(AttributeError):
            backend.readonly = self.readonly
        self.chaos = chaos
        self.title = title
        self.current_view = "resources"
        self._forms = _forms()
        self._remove_listener: Any = None
        self._summary_dirty = True
        self._summary = Text()
        self._scope_screen: Screen[Any] | None = None  # the palette asks for another screen

    # ---- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="app-header")
        with ContentSwitcher(initial="resources", id="views"):
            yield ResourceList(id="resources", clock=self.clock)
            yield NodesTable(self.backend, id="nodes", clock=self.clock)
            yield PlacementMatrix(id="placement")
            yield LogPane(self.backend, id="log")
        yield Footer()

    @property
    def resource_list(self) -> ResourceList:
        return self.query_one("#resources", ResourceList)

    @property
    def nodes_table(self) -> NodesTable:
        return self.query_one("#nodes", NodesTable)

    @property
    def placement(self) -> Any:
        return self.query_one("#placement")

    @property
    def log_pane(self) -> LogPane:
        return self.query_one("#log", LogPane)

    async def on_mount(self) -> None:
        self._set_states()
        self._remove_listener = self.backend.add_listener(self._on_backend)
        self.set_interval(SUMMARY_S, self._tick_summary)
        self._tick_summary()
        self.resource_list.focus()
        start = getattr(self.backend, "start", None)
        if callable(start):
            try:
                await start()
            except Exception as exc:
                log.exception("backend start")
                self.notify(str(exc), title="backend", severity="error")

    def on_resize(self) -> None:
        self._paint_header()

    async def on_unmount(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
        close = getattr(self.backend, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                await close()

    # ---- live data -------------------------------------------------------------------
    def _set_states(self) -> None:
        b = self.backend
        with contextlib.suppress(Exception):
            self.resource_list.set_states(b.states, b.model, b.node_status)
        with contextlib.suppress(Exception):
            self.placement.set_data(b.model, b.states, b.node_status)
        self._summary_dirty = True

    def _on_backend(self, kind: str, node: str | None, resource: str | None) -> None:
        """Backend change → mark dirty (O(1) for the full-rate ``state`` kind)."""
        if not self.is_mounted:
            return
        self._summary_dirty = True
        try:
            if kind == "state":
                self.resource_list.mark_dirty(resource)
                self.placement.mark_dirty(resource)
                screen = self.screen
                if isinstance(screen, ResourceScreen) and resource in (None, screen.resource):
                    screen.mark_dirty()
            elif kind in ("nodes", "model"):
                self._set_states()
                self.nodes_table.mark_dirty()
                for s in self.screen_stack:
                    if isinstance(s, ResourceScreen):
                        s.mark_dirty()
            else:  # link, metrics
                self.nodes_table.mark_dirty()
                if kind == "link":
                    self.resource_list.mark_dirty(None)
                    self.placement.mark_dirty()
        except Exception:  # a view not mounted yet (start-up, shutdown)
            log.debug("change %s before the views exist", kind, exc_info=True)

    def _tick_summary(self) -> None:
        if self._summary_dirty:
            self._summary_dirty = False
            self._summary = cluster_summary(self.backend)
            self._paint_header()

    def _paint_header(self) -> None:
        t = Text(f" {self.title} ", STYLE["header"])
        if self.size.width >= WIDE:
            for i, v in enumerate(VIEWS, 1):
                label = f" {i} {VIEW_TITLES[v]} "
                t.append(label, "reverse bold" if v == self.current_view else "dim")
        else:  # 80 columns: the current view only; its number keys are in `?` help
            n = VIEWS.index(self.current_view) + 1
            t.append(f" {n} {VIEW_TITLES[self.current_view]} ", "reverse bold")
        if self.readonly:  # before the summary: it must survive a narrow terminal
            t.append(" read-only ", STYLE["warn"])
        t.append(" ")
        t.append_text(self._summary)
        with contextlib.suppress(Exception):
            # one line, fixed height: no layout needed (a layout pass re-arranges the
            # whole screen; it was a third of the console's CPU with the views' sizes)
            self.query_one("#app-header", Static).update(t, layout=False)

    # ---- actions ---------------------------------------------------------------------
    def _scope(self) -> str | None:
        screen = self._scope_screen or self.screen
        if isinstance(screen, ModalScreen):
            return None
        if isinstance(screen, ResourceScreen):
            return "detail"
        if screen is self.screen_stack[0]:
            return self.current_view
        return getattr(screen, "SCOPE", None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        cmd = command_for(action, parameters)
        if cmd is None:
            return True
        if cmd.mutating and (self.readonly or self._forms is None):
            return False
        if cmd.name == "chaos" and self.chaos is None:
            return False
        scope = self._scope()
        if scope is None or scope not in cmd.scopes:
            return False
        if cmd.name == "view" and scope == cmd.argument:
            return None  # shown, greyed: already there
        return True

    def action_view(self, view: str) -> None:
        if view not in VIEWS:
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.current_view = view
        self.query_one("#views", ContentSwitcher).current = view
        target = {"resources": self.resource_list, "nodes": self.nodes_table,
                  "placement": self.placement}.get(view)
        if view == "log":
            self.log_pane.view.focus()
        elif target is not None:
            target.focus()
        self._paint_header()
        self.refresh_bindings()

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
            self.refresh_bindings()

    def action_filter(self) -> None:
        if self._scope() == "log":
            self.log_pane.open_filter()

    def action_help(self) -> None:
        self.push_screen(HelpScreen.for_screen(self.screen))

    def action_chaos(self) -> None:
        if self.chaos is None:
            return
        from drbdeck.tui.chaos import ChaosScreen

        self.push_screen(ChaosScreen(self.chaos))

    def selection(self) -> tuple[str | None, str | None]:
        """(resource, node) under the cursor of the current view or screen."""
        screen = self.screen
        if isinstance(screen, ResourceScreen):
            return screen.resource, None
        if getattr(screen, "node_name", None):
            return None, screen.node_name  # type: ignore[attr-defined]
        if self.current_view == "resources":
            return self.resource_list.cursor_resource, None
        if self.current_view == "nodes":
            return None, self.nodes_table.cursor_node
        if self.current_view == "placement":
            cur = getattr(self.placement, "cursor_cell", None)
            if isinstance(cur, tuple) and len(cur) == 2:
                return cur[0], cur[1]
        return None, None

    def open_form(self, kind: str, **context: Any) -> None:
        if self._forms is None or self.readonly:
            self.notify("This console is read-only: no changes can be made.",
                        title="read-only", severity="warning")
            return
        context = {k: v for k, v in context.items() if v is not None}
        self._forms.open_form(self, kind, **context)

    def action_form(self, kind: str) -> None:
        rsc, node = self.selection()
        ctx: dict[str, Any] = {}
        if kind in ("resource", "make-available", "add-replica", "remove-replica"):
            ctx = {"rd": rsc, "node": node}
        elif kind == "storage-pool":
            ctx = {"node": node}
        elif kind == "adopt":  # only a resource drbdeck does not manage yet is preset
            managed = rsc is not None and rsc in self.backend.model.rds
            ctx = {"node": node, "resource": None if managed else rsc}
        elif kind == "property":
            if rsc is not None and node is not None:
                ctx = {"target": "resource", "rd": rsc, "node": node}
            elif rsc is not None:
                ctx = {"target": "resource-definition", "rd": rsc}
            elif node is not None:
                ctx = {"target": "node", "node": node}
        self.open_form(kind, **ctx)

    def action_delete(self) -> None:
        rsc, node = self.selection()
        if rsc is not None and node is not None:
            self.open_form("delete", what="resource", rd=rsc, node=node)
        elif rsc is not None:
            self.open_form("delete", what="resource-definition", rd=rsc)
        elif node is not None:
            self.open_form("delete", what="node", node=node)
        else:
            self.notify("Nothing selected to delete.", severity="warning")

    # ---- drill-down ------------------------------------------------------------------
    def open_resource(self, resource: str) -> None:
        if isinstance(self.screen, ResourceScreen):
            self.pop_screen()
        self.push_screen(ResourceScreen(self.backend, resource))
        self.refresh_bindings()

    def on_resource_list_selected(self, event: ResourceList.Selected) -> None:
        self.open_resource(event.resource)

    def on_placement_matrix_selected(self, event: Any) -> None:
        self.open_resource(event.resource)

    def on_nodes_table_chosen(self, event: NodesTable.Chosen) -> None:
        from drbdeck.tui.views.node_detail import NodeScreen

        self.push_screen(NodeScreen(self.backend, event.node))
        self.refresh_bindings()

    # ---- palette ---------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: every active key (same list as `?` help), then "open resource"."""
        self._scope_screen = screen
        try:
            entries = active_keys(screen)
        finally:
            self._scope_screen = None
        for e in entries:
            yield SystemCommand(f"{e.title}  ‹{e.keys}›", e.help,
                                lambda e=e: self._run_entry(e))
        if isinstance(screen, ModalScreen):
            return
        for rd in sorted(self.backend.model.rds.values(), key=lambda r: r.name.upper()):
            yield SystemCommand(f"Open resource {rd.name}", "Drill down into this resource",
                                lambda n=rd.name: self.open_resource(n), discover=False)

    async def _run_entry(self, e: Any) -> None:
        await self.run_action(e.action, e.node)


__all__ = ["DrbdeckApp"]
