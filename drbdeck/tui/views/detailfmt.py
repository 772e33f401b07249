"""Text for the resource drill-down: volumes × nodes, connections and peer devices.

Why separate from the screen: it is plain data → Rich text, testable without Textual, and
the screen only decides *when* to rebuild (≤ 2 Hz, when something changed).
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from drbdeck.widgets.bars import fmt_kib, sync_bar
from drbdeck.widgets.glyphs import STYLE, disk_glyph, glyphs


def definition_line(model: Any, rsc: str) -> Text:
    rd = model.rds.get(rsc)
    if rd is None:
        return Text(f"{rsc}: no resource definition (deleted?)", STYLE["alert"])
    replicas = model.resources_of_rd(rd.name)
    t = Text(rd.name, STYLE["name"])
    t.append(f"  port {rd.port if rd.port is not None else 'auto'}"
             f" · peer slots {rd.peer_slots if rd.peer_slots is not None else '–'}"
             f" · group {rd.resource_group} · {len(replicas)} replicas")
    if "DELETE" in rd.flags:
        t.append("  DELETING", STYLE["deleting"])
    return t


def _replicas(model: Any, rsc: str) -> list[Any]:
    return sorted(model.resources_of_rd(rsc), key=lambda r: r.node.upper())


def _stale(backend: Any, node: str) -> bool:
    return backend.node_status(node) != "ONLINE"


def volumes_table(backend: Any, rsc: str) -> Table:
    """Volume, minor, size, then each replica's disk state (stale nodes marked)."""
    g = glyphs()
    model = backend.model
    rd = model.rds.get(rsc)
    reps = _replicas(model, rsc)
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for col in ("Vol", "Minor", "Size"):
        t.add_column(col, no_wrap=True)
    for r in reps:
        t.add_column(r.node, no_wrap=True)
    if rd is None:
        return t
    for vnr, vd in sorted(rd.volumes.items()):
        cells: list[Text | str] = [str(vnr), str(vd.minor) if vd.minor is not None else "–",
                                   fmt_kib(vd.size_kib)]
        for r in reps:
            st = backend.states.get(r.node)
            res = st.resources.get(rd.name) if st is not None else None
            dev = res.devices.get(vnr) if res is not None else None
            if _stale(backend, r.node):
                cells.append(Text(f"{g.stale} stale", STYLE["stale"]))
            elif dev is None:
                cells.append(Text(f"{g.unknown} not up", STYLE["warn"]))
            else:
                sym, _sev, style = disk_glyph(g, dev.disk, dev.client)
                cells.append(Text(f"{sym} {dev.disk}", style))
        t.add_row(*cells)
    return t


def connections_text(backend: Any, rsc: str) -> Text:
    """Per replica: role, each connection and each peer device (with a resync bar)."""
    g = glyphs()
    out = Text()
    for r in _replicas(backend.model, rsc):
        if out.plain:
            out.append("\n")
        st = backend.states.get(r.node)
        res = st.resources.get(r.rd) if st is not None else None
        out.append(r.node, STYLE["name"])
        flags = sorted(r.flags - {"DELETE"})
        if flags:
            out.append(f" [{', '.join(flags).lower()}]", STYLE["dim"])
        if "DELETE" in r.flags:
            out.append(" DELETING", STYLE["deleting"])
        if _stale(backend, r.node):
            out.append(f"  {g.stale} stale: node {backend.node_status(r.node)}\n",
                       STYLE["stale"])
            continue
        if res is None:
            err = getattr(backend, "apply_error", lambda a, b: None)(r.rd, r.node)
            out.append(f"  {g.unknown} not running" + (f": {err}" if err else "") + "\n",
                       STYLE["warn"])
            continue
        role_style = STYLE["primary"] if res.role == "Primary" else ""
        out.append(f"  {g.primary if res.role == 'Primary' else ' '}{res.role}\n", role_style)
        for _pid, c in sorted(res.connections.items()):
            ok = c.is_connected
            out.append(f"  {g.conn_ok if ok else g.conn_bad} {c.name or _pid:<10} ",
                       STYLE["ok"] if ok else STYLE["alert"])
            out.append(f"{c.connection:<12} {c.role}\n")
            for vnr, pd in sorted(c.peer_devices.items()):
                out.append(f"      vol {vnr}: {pd.replication:<12} ")
                sym, _s, style = disk_glyph(g, pd.peer_disk, None)
                out.append(f"peer {sym} {pd.peer_disk}", style)
                if pd.is_syncing or pd.is_verifying:
                    out.append("\n        ")
                    out.append_text(sync_bar(pd.done, pd.resync_speed_kib_s, pd.eta_s,
                                             width=10, paused=pd.is_paused))
                out.append("\n")
    if not out.plain:
        out.append("no replicas", STYLE["dim"])
    return out


__all__ = ["connections_text", "definition_line", "volumes_table"]
