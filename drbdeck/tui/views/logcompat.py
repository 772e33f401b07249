"""Command-log entries as log lines, for when the widgets package has no adapter."""

from __future__ import annotations

from typing import Any

from drbdeck.tui.logline import LogLine


def command_entry_line(entry: Any) -> Any:
    """``cmd alpha``: ``drbdadm adjust r1 → exit 0 (0.12 s)`` plus the stderr tail."""
    if entry.ok:
        level, end = "info", f"exit 0 ({entry.duration:.2f} s)"
    else:
        level = "error"
        end = (entry.error or f"exit {entry.exit_status}") + f" ({entry.duration:.2f} s)"
    text = f"{entry.command} → {end}"
    if entry.stderr_tail and not entry.ok:
        text += f": {entry.stderr_tail.splitlines()[-1]}"
    return LogLine(time=entry.timestamp, source=f"cmd {entry.node}", text=text, level=level)


__all__ = ["command_entry_line"]
