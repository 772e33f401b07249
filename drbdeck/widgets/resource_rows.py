"""State -> rows of the resource list, without Textual (unit-testable, fast).

One *row* is one resource: a header line always, plus detail lines when the resource is
degraded (the old DrbdMon's "collapse healthy, expand problems", drbd.md §5.2). Two modes:

* **cluster**: one DrbdState per node and, optionally, the controller's ClusterModel. The
  row joins desired replicas (model) with what each node reports, so a replica that is
  desired but not seen yet shows as pending, a replica being deleted shows DELETING, and a
  node whose link is down shows its last known data marked *stale* (never silently frozen).
* **mon**: a single local DrbdState, no model: drbdmon's own-node view (local role and
  disks, connections to peers by name, peer disks, replication).

Lines are rich ``Text``; the widget turns them into cached Strips.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text

from drbdeck.collectors.drbdobjects import ConnectionState, PeerDeviceState, ResourceState
from drbdeck.widgets.bars import sync_bar
from drbdeck.widgets.glyphs import (
    ALERT,
    OK,
    SEVERITY_STYLE,
    STYLE,
    WARN,
    Glyphs,
    disk_glyph,
    glyphs,
)
from drbdeck.widgets.health import ResourceHealth, classify_resource, resync_towards

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel, Resource
    from drbdeck.collectors.drbdstate import DrbdState

__all__ = ["Row", "RowContext", "all_resource_names", "build_row", "legend", "sort_key"]

_SYNC_REPL = frozenset(("SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
                        "VerifyS", "VerifyT"))
_SOURCE_REPL = frozenset(("SyncSource", "PausedSyncS", "VerifyS"))


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


def sort_key(row: Row) -> tuple[int, str]:
    """Problem-first (alert, warn, ok), then by name."""
    return (-row.severity, row.name.lower())


def all_resource_names(ctx: RowContext) -> list[str]:
    """Every resource to list: seen on any node plus (cluster mode) defined in the model."""
    names: dict[str, str] = {}
    if ctx.model is not None:
        for rd in ctx.model.rds.values():
            names[rd.name.upper()] = rd.name
    for st in ctx.states.values():
        for n in list(st.resources):
            names.setdefault(n.upper(), n)
    return list(names.values())


def _fit(text: str, width: int, g: Glyphs) -> str:
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + g.ellipsis


def _mark(t: Text, sev: int, g: Glyphs) -> None:
    sym = {OK: g.ok, WARN: g.warn, ALERT: g.alert}[sev]
    t.append(sym, SEVERITY_STYLE[sev])
    t.append(" ")


def _client(raw: dict[str, str], key: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw.get(key, ""))


# -- cluster mode ------------------------------------------------------------------------


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
        if ctx.model is not None and v.desired is None:
            h.add(WARN, f"{where}not in the controller's model")
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
        sym, _, style = disk_glyph(g, disk, _client(dev.raw, "client"))
        if tie and disk == "Diskless":
            sym = g.tie_breaker
        t.append(sym, STYLE["stale"] if v.stale else style)


def _quorum(t: Text, rss: Iterable[ResourceState]) -> None:
    vals = [d.raw.get("quorum") for rs in rss for d in rs.devices.values()]
    if any(q == "no" for q in vals):
        t.append("q:LOST", STYLE["alert"])
    elif vals and all(q == "yes" for q in vals):
        t.append("q:ok", STYLE["dim"])
    else:
        t.append("q:?", STYLE["dim"])


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


def _sync_line(
    indent: str, vol: int, arrow: str, peer: str, pd: PeerDeviceState, ctx: RowContext
) -> Text:
    repl = pd.raw.get("replication", "?")
    t = Text(f"{indent}v{vol} {arrow} {peer} ")
    t.append(f"{repl:<11}", STYLE["warn"])
    t.append_text(sync_bar(pd.done, pd.resync_speed_kib_s, pd.eta_s,
                           paused=pd.is_paused, g=ctx.g))
    return t


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
    from drbdeck.widgets.health import peer_device_severity

    out: list[Text] = []
    g = ctx.g
    for pnid, conn in sorted(rs.connections.items()):
        if conn.raw.get("connection", "StandAlone") != "Connected":
            continue
        peer = conn.raw.get("conn-name") or f"id{pnid}"
        for vol, pd in sorted(conn.peer_devices.items()):
            repl = pd.raw.get("replication", "Off")
            if repl in _SYNC_REPL:
                if skip is not None and skip(conn, vol):
                    continue
                arrow = g.to_peer if repl in _SOURCE_REPL else g.from_peer
                out.append(_sync_line(indent, vol, arrow, peer, pd, ctx))
                continue
            sev = peer_device_severity(conn, pd)
            if sev == OK or (skip is not None and skip(conn, vol)):
                continue
            t = Text(f"{indent}v{vol} {g.to_peer} {peer} ")
            t.append(f"{repl}", SEVERITY_STYLE[sev])
            t.append(f"  peer disk {pd.raw.get('peer-disk', '?')}")
            out.append(t)
    return out


def _build_cluster(name: str, ctx: RowContext) -> Row:
    g = ctx.g
    views = _node_views(name, ctx)
    health = _cluster_health(name, views, ctx)
    vols = _volumes(name, views, ctx)
    sev = health.severity

    def header() -> Text:
        head = Text(no_wrap=True)
        _mark(head, sev, g)
        head.append(_fit(name, ctx.name_width, g), STYLE["name"])
        role, rstyle = _role_text(views)
        head.append(" ")
        head.append(_fit(role, 16, g), rstyle)
        for v in views:
            head.append(" ")
            _disk_cell(head, v, vols, ctx)
        head.append("  ")
        _quorum(head, [v.rs for v in views if v.rs is not None])
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
            if repl not in _SOURCE_REPL:
                return False
            back = other.rs.connection_by_name(node)
            pd = back.peer_devices.get(vol) if back is not None else None
            return pd is not None and pd.done is not None
        return skip

    for v in views:
        t = Text(f"    {v.node:<{nw}} ", no_wrap=True)
        if v.stale:
            since = ctx.stale_since.get(v.node)
            ago = f" {int(ctx.clock() - since)}s" if since is not None else ""
            t.append(f"{g.stale}{v.status} stale{ago}", STYLE["alert"])
        if "DELETE" in v.flags:
            t.append(f"{g.deleting}DELETING ", STYLE["deleting"])
        if v.rs is None:
            if "DELETE" not in v.flags:
                kind = _kind(v.flags)
                t.append(f" {g.pending}not up yet ({kind} wanted)", STYLE["pending"])
            out.append(t)
            continue
        t.append(f"{v.rs.raw.get('role', 'Unknown'):<9}",
                 STYLE["primary"] if v.rs.raw.get("role") == "Primary" else "")
        for vol in vols:
            dev = v.rs.devices.get(vol)
            disk = dev.raw.get("disk", "DUnknown") if dev is not None else "missing"
            client = _client(dev.raw, "client") if dev is not None else None
            sym, _, style = disk_glyph(g, disk, client)
            shown = "TieBreaker" if disk == "Diskless" and "TIE_BREAKER" in v.flags else disk
            t.append(f" v{vol} ")
            t.append(f"{sym}{shown}", STYLE["stale"] if v.stale else style)
        _conn_cells(t, v.rs, g)
        out.append(t)
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


def _kind(flags: set[str]) -> str:
    if "TIE_BREAKER" in flags:
        return "tie-breaker"
    if "DISKLESS" in flags or "DRBD_DISKLESS" in flags:
        return "diskless"
    return "diskful"


# -- mon mode ----------------------------------------------------------------------------


def _mon_header(rs: ResourceState, name: str, sev: int, ctx: RowContext) -> Text:
    g = ctx.g
    role = rs.raw.get("role", "Unknown")
    head = Text(no_wrap=True)
    _mark(head, sev, g)
    head.append(_fit(name, ctx.name_width, g), STYLE["name"])
    head.append(" ")
    head.append(f"{role:<9}", STYLE["primary"] if role == "Primary" else "")
    for vol, dev in sorted(rs.devices.items()):
        disk = dev.raw.get("disk", "DUnknown")
        sym, _, style = disk_glyph(g, disk, _client(dev.raw, "client"))
        head.append(f" {vol}:{dev.raw.get('minor', '?')}")
        head.append(sym, style)
    for pnid, conn in sorted(rs.connections.items()):
        peer = conn.raw.get("conn-name") or f"id{pnid}"
        ok = conn.raw.get("connection") == "Connected"
        head.append(" ")
        head.append(g.conn_ok if ok else g.conn_bad, STYLE["ok"] if ok else STYLE["alert"])
        head.append(peer + (g.primary if conn.raw.get("role") == "Primary" else ""))
        for _vol, pd in sorted(conn.peer_devices.items()):
            sym, _, style = disk_glyph(g, pd.raw.get("peer-disk", "DUnknown"),
                                       _client(pd.raw, "peer-client"))
            head.append(sym, style if ok else STYLE["dim"])
    head.append("  ")
    _quorum(head, [rs])
    return head


def _build_mon(name: str, ctx: RowContext) -> Row:
    g = ctx.g
    st = next(iter(ctx.states.values()))
    rs = st.resources.get(name)
    if rs is None:  # vanished between listing and building
        t = Text(no_wrap=True)
        _mark(t, OK, g)
        t.append(_fit(name, ctx.name_width, g), STYLE["name"])
        t.append(" (gone)", STYLE["dim"])
        return Row(name, OK, [t], [])
    health = classify_resource(rs)
    sev = health.severity
    if sev == OK:
        return Row(name, sev, None, [], make=lambda: [_mon_header(rs, name, sev, ctx)],
                   height=1)
    lines = [_mon_header(rs, name, sev, ctx)]
    if sev > OK:
        for vol, dev in sorted(rs.devices.items()):
            disk = dev.raw.get("disk", "DUnknown")
            sym, _, style = disk_glyph(g, disk, _client(dev.raw, "client"))
            t = Text(f"    volume {vol} minor {dev.raw.get('minor', '?')}  ", no_wrap=True)
            t.append(f"{sym}{disk}", style)
            q = dev.raw.get("quorum")
            if q == "no":
                t.append("  NO QUORUM", STYLE["alert"])
            out_q = "" if q in ("no", None) else f"  quorum {q}"
            t.append(out_q, STYLE["dim"])
            lines.append(t)
        for pnid, conn in sorted(rs.connections.items()):
            peer = conn.raw.get("conn-name") or f"node-id {pnid}"
            state = conn.raw.get("connection", "StandAlone")
            ok = state == "Connected"
            t = Text("    ", no_wrap=True)
            t.append(f"{g.conn_ok if ok else g.conn_bad} {peer:<10} ",
                     STYLE["ok"] if ok else STYLE["alert"])
            t.append(f"{state:<12}", "" if ok else STYLE["alert"])
            t.append(f" {conn.raw.get('role', 'Unknown')}")
            lines.append(t)
            for vol, pd in sorted(conn.peer_devices.items()):
                repl = pd.raw.get("replication", "Off")
                if ok and repl in _SYNC_REPL:
                    arrow = g.to_peer if repl in _SOURCE_REPL else g.from_peer
                    lines.append(_sync_line("        ", vol, arrow, peer, pd, ctx))
                    continue
                sym, _, style = disk_glyph(g, pd.raw.get("peer-disk", "DUnknown"),
                                           _client(pd.raw, "peer-client"))
                t = Text(f"        v{vol} {repl:<12} peer ", no_wrap=True)
                t.append(f"{sym}{pd.raw.get('peer-disk', 'DUnknown')}",
                         style if ok else STYLE["dim"])
                lines.append(t)
    return Row(name, sev, lines, [p.text for p in health.problems])


def build_row(name: str, ctx: RowContext) -> Row:
    """The row of resource ``name``; never raises for odd data (it shows as a problem)."""
    try:
        return _build_mon(name, ctx) if ctx.mon else _build_cluster(name, ctx)
    except Exception as exc:  # odd data must never take the console down
        t = Text(no_wrap=True)
        _mark(t, ALERT, ctx.g)
        t.append(_fit(name, ctx.name_width, ctx.g), STYLE["name"])
        t.append(f" cannot show: {type(exc).__name__}: {exc}", STYLE["alert"])
        return Row(name, ALERT, [t], [f"cannot show: {exc}"])


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
