"""Resource rows in cluster mode: desired replicas (model) joined with every node's state.

A replica that is desired but not seen shows as pending, one being deleted as DELETING,
and a node whose link is down shows its last known data marked stale — never silently
frozen (see resource_rows for the overall picture).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from drbdeck.collectors.drbdobjects import ConnectionState, ResourceState
from drbdeck.widgets.glyphs import ALERT, OK, SEVERITY_STYLE, STYLE, WARN, Glyphs, disk_glyph
from drbdeck.widgets.health import (
    ResourceHealth,
    classify_resource,
    peer_device_severity,
    resync_towards,
)
from drbdeck.widgets.rowparts import (
    SOURCE_REPL,
    SYNC_REPL,
    Row,
    RowContext,
    client,
    fit,
    mark,
    quorum_cell,
    sync_line,
)

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import Resource

__all__ = ["build_cluster_row"]


@dataclass
class _NodeView:
    node: str
    status: str
    rs: ResourceState | None
    desired: Resource | None

    @property
    def stale(self) -> bool:
        return self.status != "ONLINE"

    @property
    def flags(self) -> set[str]:
        return self.desired.flags if self.desired is not None else set()


def _node_views(name: str, ctx: RowContext) -> list[_NodeView]:
    by_key: dict[str, _NodeView] = {}
    if ctx.model is not None:
        for r in sorted(ctx.model.resources_of_rd(name), key=lambda r: (r.node_id, r.node)):
            by_key[r.node.upper()] = _NodeView(r.node, ctx.status(r.node), None, r)
    for node, st in ctx.states.items():
        rs = st.resources.get(name)
        if rs is None:
            continue
        v = by_key.get(node.upper())
        if v is None:
            by_key[node.upper()] = _NodeView(node, ctx.status(node), rs, None)
        else:
            v.rs = rs
    return list(by_key.values())


def _cluster_health(name: str, views: list[_NodeView], ctx: RowContext) -> ResourceHealth:
    h = ResourceHealth()
    unmanaged = ctx.model is not None and name not in ctx.model.rds
    if unmanaged:
        h.add(WARN, "not in the controller's model (unmanaged)")
    for v in views:
        where = f"{v.node}: "
        if v.stale:
            h.add(ALERT, f"{where}node {v.status}, data stale")
        if "DELETE" in v.flags:
            h.add(WARN, f"{where}DELETING")
            continue
        if v.rs is None:
            if not v.stale:
                h.add(WARN, f"{where}desired, not up yet")
            continue
        if ctx.model is not None and v.desired is None and not unmanaged:
            h.add(WARN, f"{where}replica not in the controller's model")
        sub = classify_resource(v.rs, where=where)
        for p in sub.problems:
            h.add(p.severity, p.text)
    return h


def _role_text(views: list[_NodeView]) -> tuple[str, str]:
    prim = [v.node for v in views if v.rs is not None and v.rs.raw.get("role") == "Primary"]
    if prim:
        return "Primary@" + ",".join(prim), STYLE["primary"]
    if any(v.rs is not None for v in views):
        return "Secondary", ""
    return "-", STYLE["dim"]


def _disk_cell(t: Text, v: _NodeView, vols: list[int], ctx: RowContext) -> None:
    """``alpha●●``: the node name and one disk symbol per volume."""
    g = ctx.g
    t.append(v.node, STYLE["stale"] if v.stale else "")
    if v.rs is not None and v.rs.raw.get("role") == "Primary":
        t.append(g.primary, STYLE["primary"])
    if v.stale:
        t.append(g.stale, STYLE["alert"])
    if "DELETE" in v.flags:
        t.append(g.deleting, STYLE["deleting"])
    if v.rs is None:
        if "DELETE" not in v.flags:
            t.append(g.pending, STYLE["pending"])
        return
    tie = "TIE_BREAKER" in v.flags
    for vol in vols:
        dev = v.rs.devices.get(vol)
        if dev is None:
            t.append(g.unknown, STYLE["alert"])
            continue
        disk = dev.raw.get("disk", "DUnknown")
        sym, _, style = disk_glyph(g, disk, client(dev.raw, "client"))
        if tie and disk == "Diskless":
            sym = g.tie_breaker
        t.append(sym, STYLE["stale"] if v.stale else style)


def _volumes(name: str, views: list[_NodeView], ctx: RowContext) -> list[int]:
    vols: set[int] = set()
    if ctx.model is not None:
        rd = ctx.model.rds.get(name)
        if rd is not None:
            vols.update(rd.volumes)
    for v in views:
        if v.rs is not None:
            vols.update(v.rs.devices)
    return sorted(vols)


def _conn_cells(t: Text, rs: ResourceState, g: Glyphs) -> None:
    for pnid, conn in sorted(rs.connections.items()):
        peer = conn.raw.get("conn-name") or f"id{pnid}"
        state = conn.raw.get("connection", "StandAlone")
        t.append(" ")
        if state == "Connected":
            t.append(g.conn_ok + peer, STYLE["ok"])
        else:
            t.append(f"{g.conn_bad}{peer}:{state}", STYLE["alert"])


def _peer_lines(rs: ResourceState, indent: str, ctx: RowContext,
                skip: Callable[[ConnectionState, int], bool] | None = None) -> list[Text]:
    """Lines for peer devices that are not simply Established + healthy."""
    out: list[Text] = []
    g = ctx.g
    for pnid, conn in sorted(rs.connections.items()):
        if conn.raw.get("connection", "StandAlone") != "Connected":
            continue
        peer = conn.raw.get("conn-name") or f"id{pnid}"
        for vol, pd in sorted(conn.peer_devices.items()):
            repl = pd.raw.get("replication", "Off")
            if repl in SYNC_REPL:
                if skip is not None and skip(conn, vol):
                    continue
                arrow = g.to_peer if repl in SOURCE_REPL else g.from_peer
                out.append(sync_line(indent, vol, arrow, peer, pd, ctx))
                continue
            sev = peer_device_severity(conn, pd)
            if sev == OK or (skip is not None and skip(conn, vol)):
                continue
            t = Text(f"{indent}v{vol} {g.to_peer} {peer} ")
            t.append(f"{repl}", SEVERITY_STYLE[sev])
            t.append(f"  peer disk {pd.raw.get('peer-disk', '?')}")
            out.append(t)
    return out


def build_cluster_row(name: str, ctx: RowContext) -> Row:
    g = ctx.g
    views = _node_views(name, ctx)
    health = _cluster_health(name, views, ctx)
    vols = _volumes(name, views, ctx)
    sev = health.severity

    def header() -> Text:
        head = Text(no_wrap=True)
        mark(head, sev, g)
        head.append(fit(name, ctx.name_width, g), STYLE["name"])
        role, rstyle = _role_text(views)
        head.append(" ")
        head.append(fit(role, 16, g), rstyle)
        for v in views:
            head.append(" ")
            _disk_cell(head, v, vols, ctx)
        head.append("  ")
        quorum_cell(head, [v.rs for v in views if v.rs is not None])
        if not views:
            head.append("  no replicas", STYLE["dim"])
        return head

    problems = [p.text for p in health.problems]
    if sev == OK:
        return Row(name, sev, None, problems, make=lambda: [header()], height=1)
    return Row(name, sev, [header(), *_cluster_details(views, vols, health, ctx)], problems)


def _cluster_details(views: list[_NodeView], vols: list[int], health: ResourceHealth,
                     ctx: RowContext) -> list[Text]:
    g = ctx.g
    out: list[Text] = []
    nw = max((len(v.node) for v in views), default=4)
    seen = {v.node.upper(): v for v in views}

    def target_shows_it(node: str) -> Callable[[ConnectionState, int], bool]:
        # A resync appears on both ends; show it once, on the target when it reports done.
        def skip(conn: ConnectionState, vol: int) -> bool:
            mine = conn.peer_devices.get(vol)
            other = seen.get((conn.raw.get("conn-name") or "").upper())
            if mine is None or other is None or other.rs is None or other.stale:
                return False
            repl = mine.raw.get("replication")
            if repl == "Established" and mine.raw.get("peer-disk") == "Inconsistent":
                return resync_towards(other.rs, vol)  # that node's own line shows the resync
            if repl not in SOURCE_REPL:
                return False
            back = other.rs.connection_by_name(node)
            pd = back.peer_devices.get(vol) if back is not None else None
            return pd is not None and pd.done is not None
        return skip

    for v in views:
        t = Text(f"    {v.node:<{nw}} ", no_wrap=True)
        if v.stale:
            s = Text(f"      {g.stale} {v.status}{_since(ctx.stale_since.get(v.node))}: "
                     "stale, this is the last state it reported", STYLE["alert"],
                     no_wrap=True)
            stale_line: Text | None = s
        else:
            stale_line = None
        if "DELETE" in v.flags:
            t.append(f"{g.deleting}DELETING ", STYLE["deleting"])
        if v.rs is None:
            if "DELETE" not in v.flags:
                kind = _kind(v.flags)
                t.append(f" {g.pending}not up yet ({kind} wanted)", STYLE["pending"])
            out.append(t)
            if stale_line is not None:
                out.append(stale_line)
            continue
        t.append(f"{v.rs.raw.get('role', 'Unknown'):<9}",
                 STYLE["primary"] if v.rs.raw.get("role") == "Primary" else "")
        for vol in vols:
            dev = v.rs.devices.get(vol)
            disk = dev.raw.get("disk", "DUnknown") if dev is not None else "missing"
            is_client = client(dev.raw, "client") if dev is not None else None
            sym, _, style = disk_glyph(g, disk, is_client)
            shown = "TieBreaker" if disk == "Diskless" and "TIE_BREAKER" in v.flags else disk
            t.append(f" v{vol} ")
            t.append(f"{sym} {shown}", STYLE["stale"] if v.stale else style)
        _conn_cells(t, v.rs, g)
        out.append(t)
        if stale_line is not None:
            out.append(stale_line)
        out.extend(_peer_lines(v.rs, "      ", ctx,
                               skip=None if v.stale else target_shows_it(v.node)))
    texts = [p.text for p in health.problems if p.severity > OK]
    if texts:
        t = Text("    ", no_wrap=True)
        t.append(f"{g.alert if health.severity == ALERT else g.warn} ",
                 SEVERITY_STYLE[health.severity])
        t.append("; ".join(texts[:4]) + (f" (+{len(texts) - 4} more)" if len(texts) > 4 else ""))
        out.append(t)
    return out


def _since(t: float | None) -> str:
    """`` since 12:03:44`` (wall clock): static text, so the row needs no repaint per second."""
    if t is None:
        return ""
    try:
        return " since " + time.strftime("%H:%M:%S", time.localtime(t))
    except (OverflowError, ValueError, OSError):
        return ""


def _kind(flags: set[str]) -> str:
    if "TIE_BREAKER" in flags:
        return "tie-breaker"
    if "DISKLESS" in flags or "DRBD_DISKLESS" in flags:
        return "diskless"
    return "diskful"
