"""`?` help: what the focused widget shows and every key that works right now.

Why per focused widget (posting's Helpable idea): "what am I looking at" differs between
the resource list, the node table and the log; each widget carries a ``HELP`` text, the
nearest one up the DOM from the focus is shown, followed by the active keys
(:mod:`drbdeck.tui.keys`, the same list the command palette offers).
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from drbdeck.tui.keys import KeyEntry, active_keys


def focused_help(screen: Screen[Any]) -> tuple[str, str]:
    """(title, text) of the nearest ``HELP`` from the focused widget up to the screen;
    the app's ``WIDGET_HELP`` (class name → text) overrides a widget's own text."""
    extra = getattr(screen.app, "WIDGET_HELP", {})
    node: Any = screen.focused or screen
    while node is not None:
        text = extra.get(type(node).__name__) or getattr(node, "HELP", None)
        if isinstance(text, str) and text:
            return type(node).__name__, text
        node = node.parent
    return type(screen).__name__, "No help for this part of the screen."


def keys_table(entries: list[KeyEntry]) -> Table:
    t = Table(box=None, padding=(0, 1), show_header=True, header_style="bold",
              expand=True)
    t.add_column("Key", no_wrap=True)
    t.add_column("Action", ratio=1)
    for e in entries:
        t.add_row(Text(e.keys, "bold"), e.help)
    return t


class HelpScreen(ModalScreen[None]):
    """A modal with the focused widget's help and the active keys; any of Esc/q/? closes."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]  # noqa: RUF012

    def __init__(self, title: str, text: str, entries: list[KeyEntry]) -> None:
        super().__init__()
        self.help_title, self.help_text, self.entries = title, text, entries

    @classmethod
    def for_screen(cls, screen: Screen[Any]) -> HelpScreen:
        title, text = focused_help(screen)
        return cls(title, text, active_keys(screen))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Help: {self.help_title}", "bold"), id="help-title")
            yield Static(Text(self.help_text), id="help-text")
            yield Static(keys_table(self.entries), id="help-keys")
            yield Static(Text("Esc closes · ctrl+p / : opens the command palette", "dim"))


__all__ = ["HelpScreen", "focused_help", "keys_table"]
