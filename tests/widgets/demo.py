"""Host apps that mount one widget with sample data (tests, snapshots, and a look in tmux).

``python -m tests.widgets.demo list|mon|placement|log [N]`` shows a widget full-screen.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from textual.app import App, ComposeResult
from textual.widget import Widget

from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.widgets.resource_list import ResourceList
from tests.widgets.fixtures import NODES, demo_states, progress


class HostApp(App[None]):
    """Mounts ``widget`` alone; ``setup(widget)`` runs after mount (set data there)."""

    CSS = "Screen { layout: vertical; } #w { height: 1fr; }"

    def __init__(self, widget: Widget, setup=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.widget = widget
        self.widget.id = "w"
        self._setup = setup
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        if self._setup is not None:
            self._setup(self.widget)
        self.widget.focus()

    def on_resource_list_selected(self, m: ResourceList.Selected) -> None:
        self.messages.append(m)

    def on_resource_list_highlighted(self, m: ResourceList.Highlighted) -> None:
        self.messages.append(m)

    def on_placement_matrix_selected(self, m: object) -> None:
        self.messages.append(m)


def list_app(states: Mapping[str, DrbdState] | None = None, ascii: bool | None = None,
             **kw: object) -> HostApp:
    states = states if states is not None else demo_states()

    def setup(w: Widget) -> None:
        assert isinstance(w, ResourceList)
        w.set_states(states, **kw)  # type: ignore[arg-type]
        for st in states.values():
            st.add_listener(w.mark_dirty)

    return HostApp(ResourceList(ascii=ascii), setup)


def main(argv: list[str]) -> None:  # pragma: no cover - interactive
    kind = argv[0] if argv else "list"
    n = int(argv[1]) if len(argv) > 1 else 40
    if kind == "list":
        states = demo_states(n)
        app = list_app(states)
        done = [37.5]

        def tick() -> None:
            done[0] = (done[0] + 1.3) % 100
            progress(states, "res07", "alpha", "charlie", NODES, done[0])

        app.call_later(lambda: app.set_interval(0.5, tick))
        app.run()
    elif kind == "mon":
        states = demo_states(n)
        app = list_app({"alpha": states["alpha"]})
        app.run()
    else:
        from tests.widgets import demo_more

        demo_more.main(kind, n)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
