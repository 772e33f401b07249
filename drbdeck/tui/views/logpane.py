"""The Log view: controller operations, DRBD state changes and every node command.

Why one merged, filterable list: an operator chasing a problem wants "what did I ask,
what did the controller run, what did DRBD do" in the order it happened. Sources are
told apart by the ``source`` column (``ops``, ``drbd``, ``link``, ``cmd <node>`` …), so the
`/` filter (``!`` inverts) narrows to one node or one resource. Host-metric polls are
not shown (one every few seconds per node would bury everything else).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from drbdeck.collectors.hostmetrics import PROC_ARGV
from drbdeck.widgets.logview import LogView, command_entry_line

_METRICS_ARGV = tuple(PROC_ARGV)


def parse_filter(text: str) -> tuple[str, bool]:
    """``"!alpha"`` → ("alpha", True); surrounding blanks are ignored."""
    text = text.strip()
    if text.startswith("!"):
        return text[1:].strip(), True
    return text, False


class LogPane(Vertical):
    """LogView + a filter line (hidden until `/`); ``only`` pins a fixed filter (drill-down)."""

    HELP = ("The event log (controller operations and their answers, DRBD state changes, SSH "
            "link changes) merged with the command log (every command sent to a node: node, "
            "command, exit status, duration, stderr). `/` filters; a leading `!` shows the "
            "lines that do NOT match; Esc in the filter line clears it.")
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]  # noqa: RUF012

    def __init__(self, backend: Any, *, only: Callable[[Any], bool] | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.backend = backend
        self.only = only
        self._removers: list[Callable[[], None]] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter (a leading ! inverts) — Enter applies, Esc clears",
                    id="log-filter")
        yield Static("", id="log-filter-shown")
        yield LogView(id="log-view")

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.query_one("#log-filter", Input).display = False
        self.query_one("#log-filter-shown", Static).display = False
        lines = [*(self._cmd(e) for e in self.backend.command_log),
                 *list(self.backend.event_log)]
        for line in sorted((ln for ln in lines if ln is not None), key=lambda ln: ln.time):
            self._add(line)
        self._removers = [self.backend.command_log.add_listener(self._on_cmd),
                          self.backend.event_log.add_listener(self._add)]

    def on_unmount(self) -> None:
        for remove in self._removers:
            remove()
        self._removers = []

    def _cmd(self, entry: Any) -> Any:
        if tuple(entry.argv) == _METRICS_ARGV:
            return None
        return command_entry_line(entry)

    def _on_cmd(self, entry: Any) -> None:
        line = self._cmd(entry)
        if line is not None:
            self._add(line)

    def _add(self, line: Any) -> None:
        if self.only is None or self.only(line):
            self.view.append(line)

    # ---- filter ----------------------------------------------------------------------
    def open_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        box.display = True
        box.focus()

    def apply_filter(self, text: str) -> None:
        needle, invert = parse_filter(text)
        self.view.set_filter(needle, invert=invert)
        shown = self.query_one("#log-filter-shown", Static)
        shown.display = bool(needle)
        shown.update(f"filter: {'NOT ' if invert else ''}{needle!r}  (/ to change)")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.input.display = False
        self.view.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        if box.display or box.value:
            box.value = ""
            box.display = False
            self.apply_filter("")
            self.view.focus()
            return
        raise SkipAction  # nothing to clear: let Esc go back


__all__ = ["LogPane", "parse_filter"]
