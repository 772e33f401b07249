"""Controller answers (LINSTOR ApiCallRc lists) → one toast and event-log lines.

Why one toast per send and one log line per answer: an auto-place answers with a line per
replica; a toast each would bury the screen, while the log keeps every line for later.
The toast's severity is the worst answer's, and its text says error/warning in words too
(colour is never the only signal).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from drbdeck.backend.controller import apicall as rc
from drbdeck.tui.logline import LogLine

MAX_TOAST_LINES = 6


def level_of(a: rc.ApiCallRc) -> str:
    return "error" if a.is_error() else "warning" if a.is_warning() else "info"


def _line(a: rc.ApiCallRc) -> str:
    text = a.message
    if a.is_error() and a.cause:
        text += f" ({a.cause})"
    return text


def _log_entry(t: float, text: str, level: str) -> LogLine:
    return LogLine(time=t, source="controller", text=text, level=level)


def log_answers(backend: Any, action: str, answers: Sequence[rc.ApiCallRc]) -> None:
    """Append one line per answer to ``backend.event_log`` (``append(LogLine)``)."""
    add = getattr(getattr(backend, "event_log", None), "append", None)
    if not callable(add):
        return
    now = time.time()
    if not answers:
        add(_log_entry(now, f"{action}: no answer", "info"))
    for a in answers:
        add(_log_entry(now, f"{action}: {_line(a)}", level_of(a)))


def report_answers(app: Any, backend: Any, action: str,
                   answers: Sequence[rc.ApiCallRc]) -> None:
    """Toast (worst severity, words and marks) + event log."""
    log_answers(backend, action, answers)
    errors = [a for a in answers if a.is_error()]
    warnings = [a for a in answers if a.is_warning()]
    if errors:
        severity, head = "error", f"✗ {action} failed"
    elif warnings:
        severity, head = "warning", f"! {action}: done with warnings"
    else:
        severity, head = "information", f"✓ {action}: done"
    shown = errors or [*warnings, *(a for a in answers if not a.is_warning())]
    lines = [_line(a) for a in shown[:MAX_TOAST_LINES]]
    if len(shown) > MAX_TOAST_LINES:
        lines.append(f"… {len(shown) - MAX_TOAST_LINES} more in the log")
    app.notify("\n".join(lines) or "(no answer)", title=head, severity=severity,
               timeout=8 if errors else 5)


__all__ = ["level_of", "log_answers", "report_answers"]
