"""Shared parts of the resource-list rows: the Row record, its context, small helpers.

Why a module of its own: the cluster and mon row builders (rows_cluster, rows_mon) both
use these, and the widget only needs Row/RowContext; keeping them apart avoids an import
cycle and keeps each builder small.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text

from drbdeck.collectors.drbdobjects import PeerDeviceState, ResourceState
from drbdeck.widgets.bars import sync_bar
from drbdeck.widgets.glyphs import ALERT, OK, SEVERITY_STYLE, STYLE, WARN, Glyphs, glyphs

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel
    from drbdeck.collectors.drbdstate import DrbdState

__all__ = ["SOURCE_REPL", "SYNC_REPL", "Row", "RowContext", "client", "fit", "legend", "mark",
           "quorum_cell", "sync_line"]

SYNC_REPL = frozenset(("SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
                        "VerifyS", "VerifyT"))
SOURCE_REPL = frozenset(("SyncSource", "PausedSyncS", "VerifyS"))


@dataclass
class RowContext:
    """Everything a row needs besides its name; built once per ``set_states``."""

    states: Mapping[str, DrbdState]
    model: ClusterModel | None = None
    node_status: Callable[[str], str] | None = None
    g: Glyphs = field(default_factory=glyphs)
    name_width: int = 16
    #: node -> wall time its link was first seen down (for "stale since")
    stale_since: dict[str, float] = field(default_factory=dict)
    clock: Callable[[], float] = time.time

    @property
    def mon(self) -> bool:
        """drbdmon's own-node view: a single state and no controller."""
        return self.model is None and self.node_status is None and len(self.states) == 1

    def status(self, node: str) -> str:
        if self.node_status is None:
            return "ONLINE"
        try:
            return str(self.node_status(node))
        except Exception:  # a broken backend must not break painting
            return "UNKNOWN"


class Row:
    """One resource's lines and the severity that orders it.

    Healthy rows (the vast majority) are one line whose Text is built only when first
    painted (``make``): ordering needs the severity of every row, painting only the
    visible ones, and building Text is most of a row's cost.
    """

    __slots__ = ("_lines", "_make", "height", "name", "problems", "severity")

    def __init__(self, name: str, severity: int, lines: list[Text] | None,
                 problems: list[str], *, make: Callable[[], list[Text]] | None = None,
                 height: int | None = None) -> None:
        self.name = name
        self.severity = severity
        self.problems = problems
        self._lines = lines
        self._make = make
        self.height = height if height is not None else len(lines or ())

    @property
    def built(self) -> bool:
        """True once :attr:`lines` exist (the row was painted or asked for its lines)."""
        return self._lines is not None

    @property
    def lines(self) -> list[Text]:
        if self._lines is None:
            try:
                lines = self._make() if self._make is not None else []
            except Exception as exc:  # the state changed under us into something odd
                lines = [Text(f"{self.name}: cannot show: {type(exc).__name__}: {exc}")]
            # the row's height is fixed at build time (the layout depends on it)
            lines = (lines + [Text()] * self.height)[: self.height]
            self._lines = lines
            self._make = None
        return self._lines


def fit(text: str, width: int, g: Glyphs) -> str:
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + g.ellipsis


def mark(t: Text, sev: int, g: Glyphs) -> None:
    sym = {OK: g.ok, WARN: g.warn, ALERT: g.alert}[sev]
    t.append(sym, SEVERITY_STYLE[sev])
    t.append(" ")


def client(raw: dict[str, str], key: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw.get(key, ""))


def quorum_cell(t: Text, rss: Iterable[ResourceState]) -> None:
    vals = [d.raw.get("quorum") for rs in rss for d in rs.devices.values()]
    if any(q == "no" for q in vals):
        t.append("q:LOST", STYLE["alert"])
    elif vals and all(q == "yes" for q in vals):
        t.append("q:ok", STYLE["dim"])
    else:
        t.append("q:?", STYLE["dim"])


def sync_line(
    indent: str, vol: int, arrow: str, peer: str, pd: PeerDeviceState, ctx: RowContext
) -> Text:
    repl = pd.raw.get("replication", "?")
    t = Text(f"{indent}v{vol} {arrow} {peer} ")
    t.append(f"{repl:<11}", STYLE["warn"])
    t.append_text(sync_bar(pd.done, pd.resync_speed_kib_s, pd.eta_s,
                           paused=pd.is_paused, g=ctx.g))
    return t


def legend(g: Glyphs) -> Text:
    """One line explaining the symbols (for help screens and the footer)."""
    t = Text(no_wrap=True)
    for sym, word, style in (
        (g.up_to_date, "UpToDate", "ok"), (g.diskless, "diskless", "ok"),
        (g.tie_breaker, "tie-breaker", "ok"), (g.inconsistent, "Inconsistent", "warn"),
        (g.outdated, "Outdated", "alert"), (g.failed, "Failed/lost", "alert"),
        (g.unknown, "unknown", "alert"), (g.pending, "pending", "pending"),
        (g.deleting, "deleting", "deleting"), (g.stale, "stale", "alert"),
        (g.conn_ok, "connected", "ok"), (g.conn_bad, "disconnected", "alert"),
    ):  # fmt: skip
        t.append(sym, STYLE[style])
        t.append(f" {word}  ")
    return t
