"""Cells of the placement matrix (resources × nodes), without Textual.

Each cell is a fixed-width string plus a style: what the controller wants on that node
(diskful, diskless, tie-breaker, deleting, nothing) combined with what the node reports
(Primary, syncing %, a problem). Symbols carry the meaning; colour only repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from drbdeck.widgets.glyphs import ALERT, OK, STYLE, WARN, Glyphs
from drbdeck.widgets.health import classify_resource

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel, Resource
    from drbdeck.collectors.drbdobjects import ResourceState
    from drbdeck.collectors.drbdstate import DrbdState

__all__ = ["CELL_WIDTH", "Cell", "cell_for", "matrix_legend", "matrix_names", "matrix_nodes"]

#: Characters of a cell's content (the column is wider when node names are).
CELL_WIDTH = 4


@dataclass(frozen=True)
class Cell:
    text: str  # exactly CELL_WIDTH characters
    style: str
    severity: int


EMPTY = Cell(" " * CELL_WIDTH, STYLE["dim"], OK)


def matrix_names(model: ClusterModel | None, states: Mapping[str, DrbdState]) -> list[str]:
    """Resource rows: the model's definitions plus anything seen on a node, by name."""
    names: dict[str, str] = {}
    if model is not None:
        for rd in model.rds.values():
            names[rd.name.upper()] = rd.name
    for st in states.values():
        for n in list(st.resources):
            names.setdefault(n.upper(), n)
    return sorted(names.values(), key=str.lower)


def matrix_nodes(model: ClusterModel | None, states: Mapping[str, DrbdState]) -> list[str]:
    """Node columns: the model's nodes plus every node with a state, by name."""
    nodes: dict[str, str] = {}
    if model is not None:
        for n in model.nodes.values():
            nodes[n.name.upper()] = n.name
    for n in states:
        nodes.setdefault(n.upper(), n)
    return sorted(nodes.values(), key=str.lower)


def _sync_percent(rs: ResourceState) -> float | None:
    """Lowest ``done`` of a resync *into* this node (else of any resync it takes part in)."""
    best: float | None = None
    for conn in list(rs.connections.values()):
        for pd in list(conn.peer_devices.values()):
            d = pd.done
            if d is not None and pd.raw.get("replication") in ("SyncTarget", "PausedSyncT"):
                best = d if best is None else min(best, d)
    return best


def _diskless(flags: set[str], desired: Resource | None, rs: ResourceState | None) -> bool:
    if "DISKLESS" in flags or "DRBD_DISKLESS" in flags:
        return True
    if desired is not None or rs is None:
        return False
    return any(d.raw.get("disk") == "Diskless" and d.raw.get("client") == "yes"
               for d in rs.devices.values())


def cell_for(
    g: Glyphs,
    desired: Resource | None,
    rs: ResourceState | None,
    status: str = "ONLINE",
) -> Cell:
    """The cell of one replica: desired (model) × observed (events2) × node link status."""
    if desired is None and rs is None:
        return EMPTY
    flags = desired.flags if desired is not None else set()
    stale = status != "ONLINE"
    if "DELETE" in flags:
        return Cell(f" {g.deleting}  ", STYLE["deleting"], WARN)
    if "TIE_BREAKER" in flags:
        kind = g.tie_breaker
    elif _diskless(flags, desired, rs):
        kind = g.diskless
    else:
        kind = g.up_to_date
    if rs is None:
        if stale:
            return Cell(f" {kind}{g.stale} ", STYLE["stale"], ALERT)
        return Cell(f" {kind}{g.pending} ", STYLE["pending"], WARN)
    if stale:
        return Cell(f" {kind}{g.stale} ", STYLE["stale"], ALERT)
    try:
        health = classify_resource(rs)
        pct = _sync_percent(rs)
    except Exception:  # odd data: show it as a problem, never crash
        return Cell(f" {kind}{g.alert} ", STYLE["alert"], ALERT)
    if pct is not None:
        return Cell(f"{min(pct, 99.0):3.0f}%", STYLE["warn"], WARN)
    primary = rs.raw.get("role") == "Primary"
    role = g.primary if primary else " "
    if health.severity == ALERT:
        return Cell(f"{role}{kind}{g.alert} ", STYLE["alert"], ALERT)
    if health.severity == WARN:
        return Cell(f"{role}{kind}{g.warn} ", STYLE["warn"], WARN)
    return Cell(f"{role}{kind}  ", STYLE["primary"] if primary else STYLE["ok"], OK)


#: (resource, node) -> (fingerprint of the inputs, cell); see row_cells
CellMemo = dict[tuple[str, str], tuple[tuple[object, ...], Cell]]


def row_cells(
    g: Glyphs,
    name: str,
    nodes: list[str],
    model: ClusterModel | None,
    states: Mapping[str, DrbdState],
    status: Callable[[str], str],
    memo: CellMemo | None = None,
) -> list[Cell]:
    """The cells of one resource row. With ``memo``, a cell is recomputed only when its
    inputs changed (the replica's events2 generation, its desired flags, the node's link):
    a repaint of many visible rows after an unspecific "something changed" stays cheap."""
    desired: dict[str, Resource] = {}
    if model is not None:
        desired = {r.node.upper(): r for r in model.resources_of_rd(name)}
    out = []
    for node in nodes:
        st = states.get(node)
        rs = st.resources.get(name) if st is not None else None
        d = desired.get(node.upper())
        if d is None and rs is None:
            out.append(EMPTY)
            continue
        stat = status(node)
        if memo is None:
            out.append(cell_for(g, d, rs, stat))
            continue
        fp = (id(rs), rs.generation if rs is not None else -1, id(d),
              tuple(sorted(d.flags)) if d is not None else (), stat)
        hit = memo.get((name, node))
        if hit is not None and hit[0] == fp:
            out.append(hit[1])
            continue
        cell = cell_for(g, d, rs, stat)
        memo[(name, node)] = (fp, cell)
        out.append(cell)
    return out


def legend_items(g: Glyphs) -> list[Text]:
    """One Text per symbol ("● diskful"), for packing into lines of any width."""
    items = (
        (g.up_to_date, "diskful", "ok"), (g.diskless, "diskless", "ok"),
        (g.tie_breaker, "tie-breaker", "ok"), (g.primary, "Primary", "primary"),
        ("37%", "syncing", "warn"), (g.alert, "problem", "alert"), (g.warn, "warning", "warn"),
        (g.pending, "pending", "pending"), (g.deleting, "deleting", "deleting"),
        (g.stale, "node offline", "alert"),
    )  # fmt: skip
    out = []
    for sym, word, style in items:
        t = Text(no_wrap=True)
        t.append(sym, STYLE[style])
        t.append(f" {word}")
        out.append(t)
    return out


def matrix_legend(g: Glyphs, width: int | None = None) -> list[Text]:
    """The legend as lines no wider than ``width`` (one line when ``width`` is None)."""
    lines: list[Text] = []
    cur = Text(no_wrap=True)
    for item in legend_items(g):
        if cur.cell_len and width is not None and cur.cell_len + 2 + item.cell_len > width:
            lines.append(cur)
            cur = Text(no_wrap=True)
        if cur.cell_len:
            cur.append("  ")
        cur.append_text(item)
    lines.append(cur)
    return lines
