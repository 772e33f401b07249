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
from drbdeck.widgets.bars import capacity_bar, fmt_kib
from drbdeck.widgets.glyphs import STYLE, glyphs

#: Metrics older than this (seconds) are shown as stale.
STALE_METRICS_S = 20.0
SHORT_TYPE = {"COMBINED": "Combined", "SATELLITE": "Satellite", "CONTROLLER": "Controller",
              "AUXILIARY": "Auxiliary"}


def clock_text(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def ssh_state(status: str, link: LinkState | None) -> Text:
    """``✓ ONLINE`` / ``✗ OFFLINE since 12:03:04`` / ``↻ reconnecting 3`` / host key …"""
    g = glyphs()
    if link is None:
        if status == "ONLINE":
            return Text(f"{g.ok} ONLINE", STYLE["ok"])
        return Text(f"{g.alert} {status}", STYLE["alert"])
    st = str(link.status)
    if st == "ONLINE":
        return Text(f"{g.ok} ONLINE", STYLE["ok"])
    if st == "HOST_KEY_MISMATCH":
        return Text(f"{g.alert} HOST_KEY_MISMATCH", STYLE["alert"])
    if st == "UNKNOWN_HOST_KEY":
        return Text(f"{g.warn} UNKNOWN_HOST_KEY", STYLE["warn"])
    if st == "AUTH_FAILED":
        return Text(f"{g.alert} AUTH_FAILED ({link.attempts})", STYLE["alert"])
    if st == "CONNECTING" and link.attempts:
        return Text(f"↻ reconnecting {link.attempts}", STYLE["warn"])
    if st == "CONNECTING":
        return Text(f"{g.transient} connecting", STYLE["warn"])
    if st == "STOPPED":
        return Text(f"{g.stale} stopped", STYLE["stale"])
    t = Text(f"{g.alert} OFFLINE since {clock_text(link.since)}", STYLE["alert"])
    if link.attempts:
        t.append(f" ↻{link.attempts}", STYLE["warn"])
    return t


def pools_text(pools: Iterable[Any], width: int = 8) -> Text:
    """One line per storage pool: name, provider and a capacity bar."""
    out = Text()
    for i, p in enumerate(sorted(pools, key=lambda p: p.name.upper())):
        if i:
            out.append("\n")
        out.append(f"{p.name[:12]:<12} ", STYLE["name"])
        if str(p.provider) == "DISKLESS":
            out.append("diskless", STYLE["dim"])
            continue
        used = None
        if p.total_kib is not None and p.free_kib is not None:
            used = p.total_kib - p.free_kib
        out.append_text(capacity_bar(used, p.total_kib, width=width))
    if not out.plain:
        out.append("no pools", STYLE["dim"])
    return out


def resources_text(model: Any, node: str, state: Any) -> Text:
    """``5 rsc (1 diskless)`` plus ``✗2`` when the node reports problems."""
    rs = model.resources_on_node(node)
    dl = sum(1 for r in rs if "DISKLESS" in r.flags)
    t = Text(f"{len(rs)}")
    if dl:
        t.append(f" ({dl} dl)", STYLE["dim"])
    if state is not None:
        bad = sum(1 for r in state.resources.values() if r.problems())
        if bad:
            t.append(f" {glyphs().alert}{bad}", STYLE["alert"])
    return t


def _rate(b_s: float | None) -> str:
    return "?" if b_s is None else fmt_kib(b_s / 1024) + "/s"


def host_text(m: NodeMetrics | None, now: float, online: bool) -> Text:
    """``cpu 12% mem 40%`` / ``load 0.52`` / ``↓1.2 MiB/s ↑80 KiB/s``; stale marked."""
    if m is None:
        return Text("–" if online else "no data", STYLE["dim"])
    cpu = "?" if m.cpu_percent is None else f"{m.cpu_percent:.0f}%"
    t = Text(f"cpu {cpu} mem {m.mem_percent:.0f}%\nload {m.load1:.2f}\n"
             f"↓{_rate(m.rx_bytes_s)} ↑{_rate(m.tx_bytes_s)}")
    age = now - m.at
    if m.error or not online or age > STALE_METRICS_S:
        t.stylize(STYLE["stale"])
        t.append(f"\n{glyphs().stale} stale {age:.0f}s", STYLE["warn"])
    return t


def node_cells(backend: Any, name: str, now: float) -> list[Text]:
    """The row of one node, in the Nodes view's column order."""
    model = backend.model
    node = model.nodes.get(name)
    if node is None:
        return [Text(name)] + [Text("")] * 5
    status = backend.node_status(node.name)
    link = backend.link_state(node.name)
    head = Text(node.name, STYLE["name"])
    head.append(f"\n{SHORT_TYPE.get(str(node.type), str(node.type))}", STYLE["dim"])
    addr = Text(node.address or "–")
    ssh_addr = f"{node.ssh_host or node.address}:{node.ssh_port}"
    if ssh_addr.split(":")[0] != node.address or node.ssh_port != 22:
        addr.append(f"\nssh {ssh_addr}", STYLE["dim"])
    metrics: Mapping[str, NodeMetrics] = backend.metrics
    state = backend.states.get(node.name)
    ssh = ssh_state(status, link) if node.has_connection else Text("– no SSH", STYLE["dim"])
    return [head, addr, ssh, pools_text(model.pools_of_node(node.name)),
            resources_text(model, node.name, state),
            host_text(metrics.get(node.name), now, status == "ONLINE")]


COLUMNS = ("Node", "Address", "SSH", "Storage pools", "Rsc", "Host")

__all__ = ["COLUMNS", "STALE_METRICS_S", "clock_text", "host_text", "node_cells",
           "pools_text", "resources_text", "ssh_state"]
