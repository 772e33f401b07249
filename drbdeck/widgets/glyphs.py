"""Symbols and styles shared by the console widgets.

Why a table of its own: colour must never be the only signal (NO_COLOR terminals, colour
blind operators, 16-colour consoles), so every state has a symbol *and* a word, and every
symbol has an ASCII stand-in for terminals without the box/geometric glyphs (the old
DrbdMon's ``--ascii``). Styles use only the 16 basic colours plus bold/dim/reverse, so they
read on any palette; Textual drops the colours itself under NO_COLOR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "ALERT",
    "ASCII",
    "OK",
    "STYLE",
    "UNICODE",
    "WARN",
    "Glyphs",
    "disk_glyph",
    "glyphs",
    "want_ascii",
]

#: Severity levels, ordered so that "worse" sorts first when negated.
OK, WARN, ALERT = 0, 1, 2

#: Styles by role (basic 16 colours only).
STYLE = {
    "ok": "green",
    "warn": "bold yellow",
    "alert": "bold red",
    "dim": "dim",
    "name": "bold",
    "primary": "bold cyan",
    "stale": "dim italic",
    "header": "bold reverse",
    "pending": "magenta",
    "deleting": "bold magenta",
    "bar_done": "green",
    "bar_todo": "dim",
}

SEVERITY_STYLE = {OK: STYLE["ok"], WARN: STYLE["warn"], ALERT: STYLE["alert"]}
SEVERITY_WORD = {OK: "ok", WARN: "warn", ALERT: "ALERT"}


@dataclass(frozen=True)
class Glyphs:
    """One symbol set. Field names are what the symbol means."""

    ok: str
    warn: str
    alert: str
    up_to_date: str
    diskless: str
    tie_breaker: str
    inconsistent: str
    outdated: str
    consistent: str
    failed: str
    unknown: str
    transient: str
    pending: str
    deleting: str
    stale: str
    primary: str
    conn_ok: str
    conn_bad: str
    to_peer: str
    from_peer: str
    bar_full: str
    bar_empty: str
    cursor: str
    ellipsis: str


UNICODE = Glyphs(
    ok="✓", warn="△", alert="✗",
    up_to_date="●", diskless="○", tie_breaker="◇", inconsistent="◐", outdated="◌",
    consistent="◑", failed="✗", unknown="?", transient="…", pending="+", deleting="⊖",
    stale="⊘", primary="★", conn_ok="⇄", conn_bad="↯", to_peer="→", from_peer="←",
    bar_full="█", bar_empty="░", cursor="▶", ellipsis="…",
)  # fmt: skip

ASCII = Glyphs(
    ok="+", warn="~", alert="!",
    up_to_date="U", diskless="d", tie_breaker="t", inconsistent="i", outdated="o",
    consistent="c", failed="x", unknown="?", transient=".", pending="+", deleting="D",
    stale="#", primary="*", conn_ok="=", conn_bad="/", to_peer=">", from_peer="<",
    bar_full="#", bar_empty="-", cursor=">", ellipsis="~",
)  # fmt: skip


def want_ascii() -> bool:
    """ASCII symbols when asked (``DRBDECK_ASCII=1``) or on the Linux console (its font
    lacks most geometric glyphs). Locales are not consulted: Textual draws box characters
    anyway, so a terminal that shows Textual shows these symbols."""
    env = os.environ.get("DRBDECK_ASCII", "")
    if env:
        return env.lower() not in ("0", "no", "false")
    return os.environ.get("TERM") == "linux"


def glyphs(ascii: bool | None = None) -> Glyphs:
    """The symbol set: ``ascii=None`` decides from the environment (:func:`want_ascii`)."""
    return ASCII if (want_ascii() if ascii is None else ascii) else UNICODE


#: Disk state -> (glyph field, severity, style role). Unknown states fall back to "unknown".
_DISK = {
    "UpToDate": ("up_to_date", OK, "ok"),
    "Diskless": ("diskless", OK, "ok"),  # intentional client; a lost disk is handled by caller
    "Inconsistent": ("inconsistent", WARN, "warn"),
    "Outdated": ("outdated", ALERT, "alert"),
    "Consistent": ("consistent", WARN, "warn"),
    "Failed": ("failed", ALERT, "alert"),
    "DUnknown": ("unknown", ALERT, "alert"),
    "Attaching": ("transient", WARN, "warn"),
    "Detaching": ("transient", WARN, "warn"),
    "Negotiating": ("transient", WARN, "warn"),
}


def disk_glyph(g: Glyphs, disk: str, client: bool | None = None) -> tuple[str, int, str]:
    """(symbol, severity, style) of a local or peer disk state.

    ``Diskless`` is fine only for an intentional client (``client:yes``): a diskful replica
    that lost its disk is an alert (drbd.md §7.3), as in drbdmon.
    """
    if disk == "Diskless" and client is False:
        return g.failed, ALERT, STYLE["alert"]
    field, sev, role = _DISK.get(disk, ("unknown", ALERT, "alert"))
    return getattr(g, field), sev, STYLE[role]
