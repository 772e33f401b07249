"""The header's one-line cluster summary: nodes online/offline, resources by health.

Why computed on a timer and not per event: the header is one line; it is recomputed at
most once a second from the model and the per-node states, which costs one pass over the
resources — cheap next to painting, and independent of the event rate.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from drbdeck.widgets.glyphs import STYLE, glyphs


def cluster_summary(backend: Any) -> Text:
    """``4 nodes (1 offline) · 12 rsc: 2 degraded, 1 syncing``."""
    g = glyphs()
    model = backend.model
    nodes = list(model.nodes.values())
    offline = [n.name for n in nodes if n.has_connection
               and backend.node_status(n.name) != "ONLINE"]
    t = Text(f"{len(nodes)} nodes")
    if offline:
        t.append(f" ({g.alert}{len(offline)} offline)", STYLE["alert"])
    degraded = syncing = 0
    for rd in model.rds.values():
        bad = sync = False
        for r in model.resources_of_rd(rd.name):
            st = backend.states.get(r.node)
            res = st.resources.get(rd.name) if st is not None else None
            if res is None:
                continue
            if res.is_syncing:
                sync = True
            elif res.problems():
                bad = True
        # a resync explains the other nodes' problems (peer Inconsistent …): count it once
        syncing += sync
        degraded += bad and not sync
    t.append(f" · {len(model.rds)} rsc")
    if degraded:
        t.append(f" {g.alert}{degraded} degraded", STYLE["alert"])
    if syncing:
        t.append(f" {g.transient}{syncing} syncing", STYLE["warn"])
    if not degraded and not syncing and model.rds:
        t.append(f" {g.ok} ok", STYLE["ok"])
    return t


__all__ = ["cluster_summary"]
