"""Resource rows in mon mode: drbdmon's own-node view of a single local DrbdState.

Local role and disks (volume:minor), connections to peers by name with their disks,
and, when degraded, per-volume and per-peer-device lines with replication and resync bars.
"""

from __future__ import annotations

from rich.text import Text

from drbdeck.collectors.drbdobjects import ResourceState
from drbdeck.widgets.glyphs import OK, STYLE, disk_glyph
from drbdeck.widgets.health import classify_resource
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

__all__ = ["build_mon_row"]


def _mon_header(rs: ResourceState, name: str, sev: int, ctx: RowContext) -> Text:
    g = ctx.g
    role = rs.raw.get("role", "Unknown")
    head = Text(no_wrap=True)
    mark(head, sev, g)
    head.append(fit(name, ctx.name_width, g), STYLE["name"])
    head.append(" ")
    head.append(f"{role:<9}", STYLE["primary"] if role == "Primary" else "")
    for vol, dev in sorted(rs.devices.items()):
        disk = dev.raw.get("disk", "DUnknown")
        sym, _, style = disk_glyph(g, disk, client(dev.raw, "client"))
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
                                       client(pd.raw, "peer-client"))
            head.append(sym, style if ok else STYLE["dim"])
    head.append("  ")
    quorum_cell(head, [rs])
    return head


def build_mon_row(name: str, ctx: RowContext) -> Row:
    g = ctx.g
    st = next(iter(ctx.states.values()))
    rs = st.resources.get(name)
    if rs is None:  # vanished between listing and building
        t = Text(no_wrap=True)
        mark(t, OK, g)
        t.append(fit(name, ctx.name_width, g), STYLE["name"])
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
            sym, _, style = disk_glyph(g, disk, client(dev.raw, "client"))
            t = Text(f"    volume {vol} minor {dev.raw.get('minor', '?')}  ", no_wrap=True)
            t.append(f"{sym} {disk}", style)
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
                if ok and repl in SYNC_REPL:
                    arrow = g.to_peer if repl in SOURCE_REPL else g.from_peer
                    lines.append(sync_line("        ", vol, arrow, peer, pd, ctx))
                    continue
                sym, _, style = disk_glyph(g, pd.raw.get("peer-disk", "DUnknown"),
                                           client(pd.raw, "peer-client"))
                t = Text(f"        v{vol} {repl:<12} peer ", no_wrap=True)
                t.append(f"{sym} {pd.raw.get('peer-disk', 'DUnknown')}",
                         style if ok else STYLE["dim"])
                lines.append(t)
    return Row(name, sev, lines, [p.text for p in health.problems])
