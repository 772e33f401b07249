"""LogView: an append-only, filterable log (Line API), and the command-log adapter.

Why not Textual's ``Log``/``RichLog``: the console's logs (every SSH command, every
controller event) grow at the event rate and must be filtered live (``/``, also inverted)
without re-rendering everything; LogView keeps structured :class:`LogLine` records in a
bounded ring, renders only visible lines from a Strip cache, and applies appends on a
≤ 4 Hz timer. It follows the tail unless the user scrolled up (End resumes following).

Secrets: command lines and stderr come from nodes and may carry DRBD shared secrets (e.g.
``--shared-secret=…``, ``shared-secret "…";``); :func:`redact` masks them before anything is
stored, so they can neither be shown nor found with the filter.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drbdeck.widgets.glyphs import STYLE, Glyphs, glyphs
from drbdeck.widgets.lineview import blank, crop, set_virtual_size, text_strip

if TYPE_CHECKING:
    from drbdeck.backend.satellite.commandlog import CommandLogEntry

__all__ = ["LEVELS", "LogLine", "LogView", "command_entry_line", "redact"]

LEVELS = ("debug", "info", "warn", "error")
_LEVEL_STYLE = {"debug": STYLE["dim"], "info": "", "warn": STYLE["warn"],
                "error": STYLE["alert"]}
_LEVEL_WORD = {"debug": "debug", "info": "info ", "warn": "WARN ", "error": "ERROR"}
#: the other spellings in use (Python logging's, the console's state watcher's "warning")
_LEVEL_ALIAS = {"warning": "warn", "err": "error", "critical": "error", "fatal": "error",
                "notice": "info"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SECRET = re.compile(
    r"(?P<key>(?:--)?(?:shared-secret|secret|password|passwd)\b)"
    r"(?P<sep>\s*[=:]\s*|\s+)"
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s;,]+)",
    re.IGNORECASE,
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask shared secrets: ``shared-secret "x";`` -> ``shared-secret ***;``, and every
    exact value in ``secrets`` (e.g. the resource definitions' secrets)."""
    out = _SECRET.sub(lambda m: f"{m['key']}{m['sep']}***", text)
    for s in secrets:
        if s and len(s) >= 4:
            out = out.replace(s, "***")
    return out


@dataclass(frozen=True)
class LogLine:
    """One log entry: wall-clock time, where from (node, "controller"), text, level."""

    time: float
    source: str
    text: str
    level: str = "info"


def command_entry_line(entry: CommandLogEntry, secrets: Iterable[str] = ()) -> LogLine:
    """A command-log entry as one log line: node, command, exit, duration, stderr tail.

    ``exit ?`` stands for "no exit status" (killed, timed out, connection lost) and the
    reason follows; the level is ``error`` for anything but a clean exit 0.
    """
    secrets = tuple(secrets)
    cmd = entry.command or " ".join(entry.argv)
    status = "?" if entry.exit_status is None else str(entry.exit_status)
    parts = [f"$ {cmd}", f"exit {status}", f"{entry.duration:.2f}s"]
    if entry.timed_out:
        parts.append("TIMED OUT")
    if entry.error:
        parts.append(entry.error)
    if entry.stderr_tail:
        parts.append("stderr: " + entry.stderr_tail)
    text = redact(" | ".join(parts), secrets)
    return LogLine(entry.timestamp, entry.node, text, "info" if entry.ok else "error")


def _level(level: object) -> str:
    """The level as one of :data:`LEVELS` when it is a known spelling (so "warning" shows
    as WARN, not a five-column cut "warni"); other words pass through lower-cased."""
    word = str(level).lower()
    return _LEVEL_ALIAS.get(word, word)


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\t", " ")
    return _CONTROL.sub("�", text)


class LogView(ScrollView, can_focus=True):
    """Append-only log with a live substring filter (``set_filter``), newest at the bottom."""

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $text;
        overflow: auto auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "follow", "Follow", show=False),
    ]

    FLUSH_HZ: ClassVar[float] = 4.0

    #: "What am I looking at" for a `?` help screen (an app may say more about its log).
    HELP: ClassVar[str | None] = (
        "A log, newest at the bottom; it follows new lines until you scroll up (End "
        "follows again). / filters by text (case-insensitive, source or message); a "
        "leading ! shows the lines without it.")

    def __init__(
        self,
        *,
        max_lines: int = 10_000,
        ascii: bool | None = None,
        show_date: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if max_lines < 1:
            raise ValueError(f"max_lines must be at least 1, got {max_lines}")
        self.max_lines = max_lines
        self._g: Glyphs = glyphs(ascii)
        self._show_date = show_date
        self._entries: deque[LogLine] = deque()
        self._first_seq = 0  # sequence number of _entries[0]
        self._shown: deque[int] = deque()  # sequence numbers passing the filter
        self._pending: list[LogLine] = []
        self._filter = ""
        self._invert = False
        self._follow = True
        self._width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(1024)

    # -- public API ------------------------------------------------------------------------

    def append(self, line: LogLine) -> None:
        """Add a line (cheap; shown on the next flush, ≤ 4 Hz)."""
        self._pending.append(line)

    def extend(self, lines: Iterable[LogLine]) -> None:
        self._pending.extend(lines)

    def set_filter(self, text: str, invert: bool = False) -> None:
        """Show only lines containing ``text`` (case-insensitive, in source or text);
        ``invert``: only lines *not* containing it. Empty text shows everything."""
        self.flush()
        self._filter = text.lower()
        self._invert = invert and bool(text)
        self._shown = deque(seq for seq, ln in enumerate(self._entries, self._first_seq)
                            if self._passes(ln))
        self._cache.clear()
        self._width = 0
        for seq in self._shown:
            self._width = max(self._width, self._line_width(self._entry(seq)))
        self._update_size()
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            self.call_after_refresh(self._to_tail)
        self.refresh()

    @property
    def filter(self) -> tuple[str, bool]:
        return self._filter, self._invert

    @property
    def following(self) -> bool:
        """True while new lines scroll into view (False after the user scrolled up)."""
        return self._follow

    @property
    def lines(self) -> list[LogLine]:
        """The stored lines (not only the shown ones), oldest first."""
        self.flush()
        return list(self._entries)

    @property
    def shown(self) -> list[LogLine]:
        """The lines passing the filter, oldest first."""
        self.flush()
        return [self._entry(s) for s in self._shown]

    def clear(self) -> None:
        self._pending.clear()
        self._first_seq += len(self._entries)
        self._entries.clear()
        self._shown.clear()
        self._cache.clear()
        self._width = 0
        self._update_size()
        self.refresh()

    def flush(self) -> None:
        """Apply pending appends now (the timer does this ≤ 4 times a second)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        at_end = self._follow
        entries, shown = self._entries, self._shown
        for ln in pending:
            seq = self._first_seq + len(entries)
            entries.append(ln)
            if self._passes(ln):
                shown.append(seq)
                self._width = max(self._width, self._line_width(ln))
        excess = len(entries) - self.max_lines
        if excess > 0:
            for _ in range(excess):
                entries.popleft()
            self._first_seq += excess
            removed = 0
            while shown and shown[0] < self._first_seq:
                shown.popleft()
                removed += 1
            if removed:
                self._cache.clear()  # y positions moved
                if not at_end:  # keep what the user is reading in place
                    self.scroll_to(y=max(0, self.scroll_y - removed), animate=False,
                                   immediate=True)
        self._update_size()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            self.call_after_refresh(self._to_tail)  # the new height applies after layout
        self.refresh()

    # -- Textual hooks ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(1.0 / self.FLUSH_HZ, self.flush, name="logview-flush")

    def on_resize(self) -> None:
        if self._follow:
            self.call_after_refresh(self._to_tail)

    def _to_tail(self) -> None:
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolling up stops following; reaching the end again resumes it.
        if new_value < old_value:
            self._follow = False
        elif new_value >= self.max_scroll_y:
            self._follow = True

    def action_follow(self) -> None:
        self._follow = True
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _strip(self, text: Text) -> Strip:
        return text_strip(text, self.app.console, self.rich_style, self.app.no_color)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if line >= len(self._shown):
            if line == 0 and not self._shown:
                msg = "No log lines match the filter." if self._filter else "Log is empty."
                return crop(self._strip(Text(msg, "italic")),
                            scroll_x, width, line, base)
            return blank(width, base)
        strip = self._cache.get(line)
        if strip is None:
            strip = self._strip(self._format(self._entry(self._shown[line])))
            self._cache[line] = strip
        return crop(strip, scroll_x, width, line, base)

    # -- internals -------------------------------------------------------------------------

    def _entry(self, seq: int) -> LogLine:
        return self._entries[seq - self._first_seq]

    def _passes(self, ln: LogLine) -> bool:
        if not self._filter:
            return True
        hit = self._filter in ln.text.lower() or self._filter in ln.source.lower()
        return hit != self._invert

    def _parts(self, ln: LogLine) -> tuple[str, str, str]:
        fmt = "%Y-%m-%d %H:%M:%S" if self._show_date else "%H:%M:%S"
        try:
            stamp = time.strftime(fmt, time.localtime(ln.time))
        except (OverflowError, ValueError, OSError, TypeError):
            stamp = "??:??:??"
        level = _level(ln.level)
        word = _LEVEL_WORD.get(level, f"{level[:5]:<5}")
        return stamp, f"{_clean(str(ln.source))[:12]:<12}", word

    def _line_width(self, ln: LogLine) -> int:
        stamp, source, word = self._parts(ln)
        return len(stamp) + len(source) + len(word) + len(ln.text) + 4

    def _format(self, ln: LogLine) -> Text:
        stamp, source, word = self._parts(ln)
        level = _level(ln.level)
        style = _LEVEL_STYLE.get(level, "")
        t = Text(no_wrap=True)
        t.append(stamp + " ", STYLE["dim"])
        t.append(source + " ", "bold")
        t.append(word + " ", style)
        t.append(_clean(str(ln.text)), style if level == "error" else "")
        return t

    def _update_size(self) -> None:
        set_virtual_size(self, Size(self._width, len(self._shown)))
