"""``drbdeck mon``'s message log (drbdmon's ``m``): what happened to the events source.

Why a log of its own and not toasts: the source can fail in a loop (a broken drbdsetup is
respawned every few seconds) and a monitor left running overnight must still say what
happened at 03:12, so messages are kept (bounded) and shown on demand; the newest warning
also stays visible in the status line until the user clears the log (``c``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["Message", "MessageLog", "MessageScreen"]

_LEVEL_STYLE = {"info": "", "warn": "bold yellow", "error": "bold red"}
_LEVEL_WORD = {"info": "INFO ", "warn": "WARN ", "error": "ERROR"}


@dataclass(frozen=True)
class Message:
    time: float
    level: str  # info | warn | error
    text: str
    #: how many times in a row this message was logged (the time is the latest one's)
    repeats: int = 1

    def render(self) -> Text:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.time))
        out = Text(f"{stamp} ")
        out.append(_LEVEL_WORD.get(self.level, self.level), _LEVEL_STYLE.get(self.level, ""))
        out.append(f" {self.text}")
        if self.repeats > 1:
            out.append(f" (×{self.repeats})", "dim")
        return out


class MessageLog:
    """Bounded list of messages; ``latest_problem`` is the newest warn/error not cleared."""

    def __init__(self, limit: int = 500) -> None:
        self._items: deque[Message] = deque(maxlen=limit)
        self.latest_problem: Message | None = None
        self.version = 0

    def add(self, level: str, text: str) -> Message:
        """Log a message; the same message again right after it only bumps its count, so a
        source failing every few seconds all night leaves one line, not thousands."""
        last = self._items[-1] if self._items else None
        if last is not None and last.level == level and last.text == text:
            msg = Message(time.time(), level, text, last.repeats + 1)
            self._items[-1] = msg
        else:
            msg = Message(time.time(), level, text)
            self._items.append(msg)
        if level != "info":
            self.latest_problem = msg
        self.version += 1
        return msg

    def clear(self) -> None:
        self._items.clear()
        self.latest_problem = None
        self.version += 1

    def __iter__(self) -> Iterator[Message]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class MessageScreen(ModalScreen[None]):
    """The message log, newest last; ``c`` clears it, Esc/``m``/``q`` close it."""

    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > VerticalScroll {
        width: 100%; height: 100%; border: round $accent; padding: 0 1;
        border-title-align: left; border-subtitle-align: right;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m,q", "close", "Close"),
        Binding("c", "clear", "Clear messages"),
    ]

    def __init__(self, log: MessageLog) -> None:
        super().__init__()
        self._log = log
        self._shown = -1

    def compose(self) -> ComposeResult:
        box = VerticalScroll(Static(self._text(), id="messages"))
        box.border_title = "Messages"
        box.border_subtitle = "c clear  Esc close"
        yield box

    def on_mount(self) -> None:
        self._shown = self._log.version
        self.query_one(VerticalScroll).scroll_end(animate=False)
        self.set_interval(1.0, self._follow)

    def _follow(self) -> None:
        """Show messages that arrive while the log is open (a source failing right now)."""
        if self._log.version != self._shown:
            self._shown = self._log.version
            self.query_one("#messages", Static).update(self._text())
            self.query_one(VerticalScroll).scroll_end(animate=False)

    def _text(self) -> Text:
        if not len(self._log):
            return Text("No messages.", style="dim")
        return Text("\n").join(m.render() for m in self._log)

    def action_clear(self) -> None:
        self._log.clear()
        self._shown = self._log.version
        self.query_one("#messages", Static).update(self._text())

    def action_close(self) -> None:
        self.dismiss(None)
