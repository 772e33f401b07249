"""The resource drill-down (Enter on a resource): state, `.res` files, its log.

Why a Screen with tabs: at 80×24 volumes, connections, three config files and a log do not
fit together; tabs keep each readable and Esc returns to the list where the cursor was.
The state tab is rebuilt at most twice a second and only after a change of this resource
(``mark_dirty`` from the app's state listener), never per event.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from drbdeck.tui.views.detailfmt import connections_text, definition_line, volumes_table
from drbdeck.tui.views.logpane import LogPane
from drbdeck.tui.views.resfiles import fetch
from drbdeck.widgets.glyphs import STYLE

REPAINT_S = 0.5


class ResourceScreen(Screen[None]):
    """Volumes, connections and peer devices, the .res files and the log of one resource."""

    HELP = ("One resource in detail. State: each volume's minor, size and disk state per "
            "node; each node's role, connections and peer devices with resync progress. "
            "Config: the .res file each node got (read from the node, or rendered from the "
            "desired state when the node cannot be reached). Log: this resource's events "
            "and commands. s, f and l switch tabs; F5 reads the files again; Esc goes "
            "back.")
    BINDINGS = [  # noqa: RUF012
        Binding("s", "tab('tab-state')", "State", tooltip="Volumes, connections, peers"),
        Binding("f", "tab('tab-config')", "Files", tooltip="The .res file of each node"),
        Binding("l", "tab('tab-log')", "Log", tooltip="This resource's events and commands"),
        Binding("f5", "reload_files", "Reload files", show=False,
                tooltip="Read the .res files again"),
    ]

    def __init__(self, backend: Any, resource: str) -> None:
        super().__init__()
        self.backend = backend
        self.resource = resource
        self._dirty = True
        self._files_loaded = False
        word = re.compile(rf"(?<![\w-]){re.escape(resource)}(?![\w-])", re.IGNORECASE)
        self._mentions = lambda line: bool(word.search(f"{line.source} {line.text}"))

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        with TabbedContent(id="detail-tabs"):
            with TabPane("State", id="tab-state"), VerticalScroll(id="detail-state"):
                yield Static(id="detail-volumes")
                yield Static(id="detail-connections")
            with TabPane("Config", id="tab-config"), VerticalScroll(id="detail-config"):
                yield Static("loading…", id="detail-files")
            with TabPane("Log", id="tab-log"):
                yield LogPane(self.backend, only=self._mentions, id="detail-log")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.resource
        self.repaint()
        self.set_interval(REPAINT_S, self._tick)

    def mark_dirty(self) -> None:
        self._dirty = True

    def _tick(self) -> None:
        if self._dirty:
            self.repaint()

    def repaint(self) -> None:
        self._dirty = False
        model = self.backend.model
        title = Text("◀ Esc  ", STYLE["dim"])
        title.append_text(definition_line(model, self.resource))
        self.query_one("#detail-title", Static).update(title)
        self.query_one("#detail-volumes", Static).update(
            Group(Text("Volumes", STYLE["header"]), volumes_table(self.backend, self.resource)))
        self.query_one("#detail-connections", Static).update(
            Group(Text("\nConnections and peer devices", STYLE["header"]),
                  connections_text(self.backend, self.resource)))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-config" and not self._files_loaded:
            self.load_files()

    def action_tab(self, pane: str) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = pane

    def action_reload_files(self) -> None:
        self.load_files()

    @work(exclusive=True, group="resfiles")
    async def load_files(self) -> None:
        self._files_loaded = True
        out = Text()
        nodes = sorted((r.node for r in self.backend.model.resources_of_rd(self.resource)),
                       key=str.upper)
        if not nodes:
            out.append("no replicas: no node has a file for this resource", STYLE["dim"])
        for node in nodes:
            origin, text = await fetch(self.backend, self.resource, node)
            out.append(f"── {node}: {self.resource}.res ({origin})\n", STYLE["header"])
            out.append(text.rstrip("\n") + "\n\n")
        out.append("F5 reloads", STYLE["dim"])
        self.query_one("#detail-files", Static).update(out)


__all__ = ["ResourceScreen"]
