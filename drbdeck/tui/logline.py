"""The console's log line type, shared by the event log, the Log view and the forms.

Why a shim: the widgets package owns ``LogLine`` (its ``LogView`` renders it); the backend
must work before and without that package (tests, the remote backend in a plain script), so
it falls back to a structurally identical dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass

try:
    from drbdeck.widgets.logview import LogLine
except ImportError:  # the widgets package has not landed / is not installed

    @dataclass(frozen=True)
    class LogLine:  # type: ignore[no-redef]
        """One log line: wall-clock time, where it came from, the text, and its level
        (``info``, ``warning``, ``error``)."""

        time: float
        source: str
        text: str
        level: str = "info"


__all__ = ["LogLine"]
