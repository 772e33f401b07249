"""A plain stand-in console for ``drbdeck demo`` when the full console is not installed.

Why it exists: the demo's orchestration, chaos menu and benches must run even while (or
where) ``drbdeck.tui.app`` is absent. It shows a one-line-per-resource summary
(refreshed at 2 Hz from the controller's live DRBD state) and the narration log, and
offers the chaos menu on ``x``. The real console replaces it as soon as it imports.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, RichLog, Static

from drbdeck.tui.chaos import ChaosActions, ChaosScreen


def summary(runtime: Any) -> Text:
    """``rd  node:Role/disk …`` per resource, problems marked with ``!``."""
    out = Text()
    if runtime is None:
        return out
    rows: dict[str, list[str]] = {}
    bad: set[str] = set()
    for nrt in runtime.nodes.values():
        status = runtime.node_status(nrt.name)
        for name, res in sorted(nrt.state.resources.items()):
            disks = "/".join(d.disk for d in res.devices.values()) or "-"
            sync = ""
            for c in res.connections.values():
                for pd in c.peer_devices.values():
                    if pd.done is not None:
                        sync = f" {pd.replication} {pd.done:.1f}%"
            role = "P" if res.role == "Primary" else "S"
            rows.setdefault(name, []).append(f"{nrt.name}:{role}/{disks}{sync}")
            if not res.is_healthy or status != "ONLINE":
                bad.add(name)
    for name in sorted(rows, key=lambda n: (n not in bad, n)):
        out.append("! " if name in bad else "  ", style="bold red" if name in bad else "")
        out.append(f"{name:<10} ", style="bold")
        out.append("  ".join(rows[name]) + "\n")
    nodes = "  ".join(f"{n.name} {runtime.node_status(n.name)}"
                      for n in runtime.nodes.values())
    out.append(f"\nnodes: {nodes or '(none yet)'}")
    return out


class DemoFallbackApp(App[None]):
    TITLE = "drbdeck demo"
    CSS = "#summary { height: auto; max-height: 60%; } RichLog { height: 1fr; }"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("x", "chaos", "Chaos"), Binding("q", "quit", "Quit")]

    def __init__(self, runtime: Any, *, chaos: ChaosActions | None = None,
                 title: str = "drbdeck demo") -> None:
        super().__init__()
        self.runtime = runtime
        self.chaos = chaos
        self.title = title

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield RichLog(id="log", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._refresh_summary)

    def _refresh_summary(self) -> None:
        self.query_one("#summary", Static).update(summary(self.runtime))

    def log_line(self, text: str, level: str) -> None:
        style = {"warning": "yellow", "error": "bold red"}.get(level, "")
        self.query_one("#log", RichLog).write(Text(text, style=style))

    def action_chaos(self) -> None:
        if self.chaos is not None:
            self.push_screen(ChaosScreen(self.chaos))


__all__ = ["DemoFallbackApp", "summary"]
