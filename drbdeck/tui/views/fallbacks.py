"""Stand-ins for widgets that may be missing from a partial installation.

Why: the console must start even when ``drbdeck.widgets`` lacks the placement matrix or
the log view (an older widgets package, a trimmed build); the stand-ins keep the same
methods with a simpler, slower rendering, and say that they are stand-ins.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from rich.text import Text
from textual.widgets import RichLog, Static


def format_line(line: Any) -> Text:
    t = Text(time.strftime("%H:%M:%S ", time.localtime(line.time)), "dim")
    t.append(f"{line.source:<10} ", "bold")
    style = {"error": "bold red", "warning": "yellow"}.get(line.level, "")
    t.append(("✗ " if line.level == "error" else "△ " if line.level == "warning" else "")
             + line.text, style)
    return t


class FallbackLogView(RichLog):
    """``append(line)`` / ``set_filter(text, invert)`` over a RichLog (re-renders on filter)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(wrap=False, highlight=False, markup=False, **kw)
        self._lines: deque[Any] = deque(maxlen=5000)
        self._needle = ""
        self._invert = False

    def _match(self, line: Any) -> bool:
        if not self._needle:
            return True
        hit = self._needle.lower() in f"{line.source} {line.text}".lower()
        return hit != self._invert

    def append(self, line: Any) -> None:
        self._lines.append(line)
        if self._match(line):
            self.write(format_line(line))

    def set_filter(self, text: str, invert: bool = False) -> None:
        self._needle, self._invert = text, invert
        self.clear()
        for line in self._lines:
            if self._match(line):
                self.write(format_line(line))


class FallbackPlacement(Static):
    """Resources × nodes as plain text (no scrolling cursor)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("", **kw)
        self._model: Any = None

    def set_data(self, model: Any, states: Any, node_status: Any = None) -> None:
        self._model = model
        self.mark_dirty()

    def mark_dirty(self, resource: str | None = None) -> None:
        if self._model is None:
            return
        nodes = sorted((n.name for n in self._model.nodes.values()), key=str.upper)
        t = Text("(placement matrix widget not installed)\n" + " " * 16 + " ".join(
            n[:6].ljust(6) for n in nodes) + "\n")
        for rd in sorted(self._model.rds.values(), key=lambda r: r.name.upper()):
            held = {r.node.upper(): r for r in self._model.resources_of_rd(rd.name)}
            t.append(f"{rd.name[:15]:<16}" + " ".join(
                ("●" if n.upper() in held and not held[n.upper()].diskless else
                 "○" if n.upper() in held else "·").ljust(6) for n in nodes) + "\n")
        self.update(t)


__all__ = ["FallbackLogView", "FallbackPlacement", "format_line"]
