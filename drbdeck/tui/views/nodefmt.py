"""Text for the Nodes view: SSH state, storage pools, resource counts, host figures.

Why pure functions: each cell is a small decision (is the link stale? how full is the
pool? how old are the metrics?) that tests can check without a screen, and the view only
rebuilds the cells of a node whose inputs changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from rich.text import Text

from drbdeck.backend.satellite import LinkState
from drbdeck.tui.metrics import NodeMetrics
from drbdeck.widgets.glyphs import STYLE, glyphs

#: Metrics older than this (seconds) are shown as stale.
STALE_METRICS_S = 20.0
SHORT_TYPE = {"COMBINED": "Combined", "SATELLITE": "Satellite", "CONTROLLER": "Controller",
              "AUXILIARY": "Auxiliary"}


def clock_text(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def ssh_state(status: str, link: LinkState | None) -> Text:
    """``✓ ONLINE`` / ``✗ OFFLINE`` + ``since 12:03:04`` / ``↻ reconnecting 3`` / host key."""
    g = glyphs()
    if link is None:
        if status == "ONLINE":
            return Text(f"{g.ok} ONLINE", STYLE["ok"])
        return Text(f"{g.alert} {status}", STYLE["alert"])
    st = str(link.status)
    if st == "ONLINE":
        return Text(f"{g.ok} ONLINE", STYLE["ok"])
    if st == "HOST_KEY_MISMATCH":
        return Text(f"{g.alert} HOST KEY\nMISMATCH", STYLE["alert"])
    if st == "UNKNOWN_HOST_KEY":
        return Text(f"{g.warn} UNKNOWN\nHOST KEY", STYLE["warn"])
    if st == "AUTH_FAILED":
        return Text(f"{g.alert} AUTH FAILED\n↻ {link.attempts}", STYLE["alert"])
    if st == "CONNECTING" and link.attempts:
        return Text(f"↻ reconnecting\n  attempt {link.attempts + 1}", STYLE["warn"])
    if st == "CONNECTING":
        return Text(f"{g.transient} connecting", STYLE["warn"])
    if st == "STOPPED":
        return Text(f"{g.stale} stopped", STYLE["stale"])
    t = Text(f"{g.alert} OFFLINE\nsince {clock_text(link.since)}", STYLE["alert"])
    if link.attempts:
        t.append(f"\n↻ {link.attempts} tries", STYLE["warn"])
    return t


def short_size(kib: float | None) -> str:
    """``104857600`` → ``100G`` (pools are read at a glance; the drill-down has more)."""
    if kib is None:
        return "?"
    v = float(kib)
    for unit in ("K", "M", "G", "T", "P"):
        if v < 1000 or unit == "P":
            return f"{v:.0f}{unit}" if v >= 10 or unit == "K" else f"{v:.1f}{unit}"
        v /= 1024
    return "?"  # pragma: no cover


def pool_line(p: Any, width: int = 5) -> Text:
    """``pool1 [██░░░]  20%/100G`` with a mark (text, not only colour) when nearly full."""
    g = glyphs()
    t = Text(f"{p.name[:10]} ", STYLE["name"])
    if p.total_kib is None or p.free_kib is None or p.total_kib <= 0:
        t.append("[" + g.bar_empty * width + "]   ?", STYLE["dim"])
        return t
    frac = max(0.0, min(1.0, (p.total_kib - p.free_kib) / p.total_kib))
    style, mark = STYLE["ok"], " "
    if frac >= 0.95:
        style, mark = STYLE["alert"], g.alert
    elif frac >= 0.80:
        style, mark = STYLE["warn"], g.warn
    full = int(frac * width + 1e-9)
    t.append("[")
    t.append(g.bar_full * full, style)
    t.append(g.bar_empty * (width - full), STYLE["bar_todo"])
    t.append("]")
    t.append(f"{mark}{frac * 100:3.0f}%", style)
    t.append(f"/{short_size(p.total_kib)}")
    return t


def pools_text(pools: Iterable[Any], width: int = 5) -> Text:
    """One line per storage pool with disks (the implicit diskless pools are left out)."""
    shown = sorted((p for p in pools if str(p.provider) != "DISKLESS"),
                   key=lambda p: p.name.upper())
    if not shown:
        return Text("no pools", STYLE["dim"])
    return Text("\n").join(pool_line(p, width) for p in shown)


def resources_text(model: Any, node: str, state: Any) -> Text:
    """``5`` (+ ``1 dl`` diskless) plus ``✗2`` when the node reports problems."""
    rs = model.resources_on_node(node)
    dl = sum(1 for r in rs if "DISKLESS" in r.flags)
    t = Text(f"{len(rs)}")
    if dl:
        t.append(f"\n{dl} dl", STYLE["dim"])
    if state is not None:
        sync = sum(1 for r in state.resources.values() if r.is_syncing)
        bad = sum(1 for r in state.resources.values() if not r.is_syncing and r.problems())
        if sync:
            t.append(f"\n{glyphs().transient}{sync} sync", STYLE["warn"])
        if bad:
            t.append(f"\n{glyphs().alert}{bad} bad", STYLE["alert"])
    return t


def _rate(b_s: float | None) -> str:
    return "?" if b_s is None else short_size(b_s / 1024) + "/s"


def host_text(m: NodeMetrics | None, now: float, online: bool) -> Text:
    """``cpu 12% mem 40%`` / ``load 0.52`` / ``↓1.2M/s ↑80K/s``; stale figures marked."""
    if m is None:
        return Text("–" if online else "no data", STYLE["dim"])
    cpu = "?" if m.cpu_percent is None else f"{m.cpu_percent:.0f}%"
    t = Text(f"cpu {cpu} mem {m.mem_percent:.0f}%\nload {m.load1:.2f}\n"
             f"↓{_rate(m.rx_bytes_s)} ↑{_rate(m.tx_bytes_s)}")
    age = now - m.at
    if m.error or not online or age > STALE_METRICS_S:
        t.stylize(STYLE["stale"])
        t.append(f"\n{glyphs().stale} stale {max(0.0, age):.0f}s", STYLE["warn"])
    return t


def node_cells(backend: Any, name: str, now: float) -> list[Text]:
    """The row of one node, in the Nodes view's column order."""
    model = backend.model
    node = model.nodes.get(name)
    if node is None:
        return [Text(name)] + [Text("")] * 4
    status = backend.node_status(node.name)
    link = backend.link_state(node.name)
    head = Text(node.name, STYLE["name"])
    head.append(f"\n{SHORT_TYPE.get(str(node.type), str(node.type))}", STYLE["dim"])
    head.append(f"\n{node.address or '–'}")
    metrics: Mapping[str, NodeMetrics] = backend.metrics
    state = backend.states.get(node.name)
    ssh = ssh_state(status, link) if node.has_connection else Text("– no SSH", STYLE["dim"])
    return [head, ssh, pools_text(model.pools_of_node(node.name)),
            resources_text(model, node.name, state),
            host_text(metrics.get(node.name), now, status == "ONLINE")]


COLUMNS = ("Node", "SSH", "Storage pools", "Rsc", "Host")

__all__ = ["COLUMNS", "STALE_METRICS_S", "clock_text", "host_text", "node_cells",
           "pool_line", "pools_text", "resources_text", "short_size", "ssh_state"]
