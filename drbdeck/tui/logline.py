"""The console's log line type, shared by the event log, the Log view and the forms.

The widgets package owns ``LogLine`` (its ``LogView`` renders it); the console's modules
import it from here so they name one place.
"""

from __future__ import annotations

from drbdeck.widgets.logview import LogLine

__all__ = ["LogLine"]
