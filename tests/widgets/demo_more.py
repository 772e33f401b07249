"""Host apps for the placement matrix and the log view (see demo.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.widgets.logview import LogLine, LogView
from drbdeck.widgets.placement import PlacementMatrix
from tests.widgets.demo import HostApp
from tests.widgets.fixtures import NODES, cluster, disconnect, start_resync


def placement_app(model: ClusterModel | None, states: Mapping[str, DrbdState],
                  node_status=None, ascii: bool | None = None) -> HostApp:  # type: ignore[no-untyped-def]
    def setup(w: object) -> None:
        assert isinstance(w, PlacementMatrix)
        w.set_data(model, states, node_status)
        for st in states.values():
            st.add_listener(w.mark_dirty)

    return HostApp(PlacementMatrix(ascii=ascii), setup)


def log_app(lines: list[LogLine], **kw: object) -> HostApp:
    def setup(w: object) -> None:
        assert isinstance(w, LogView)
        w.extend(lines)
        w.flush()

    return HostApp(LogView(**kw), setup)  # type: ignore[arg-type]


def wide_states(n_res: int, n_nodes: int, per_res: int = 3) -> dict[str, DrbdState]:
    """``n_res`` resources spread over ``n_nodes`` nodes, ``per_res`` replicas each."""
    nodes = [f"node{i:03d}" for i in range(n_nodes)]
    states = {n: DrbdState(n) for n in nodes}
    for r in range(n_res):
        members = [nodes[(r + k * 7) % n_nodes] for k in range(per_res)]
        sub = cluster(members, [f"pvc-{r:05d}"], primary={f"pvc-{r:05d}": members[0]}
                      if r % 5 == 0 else None)
        for n, st in sub.items():
            for rs_name, rs in st.resources.items():
                states[n].resources[rs_name] = rs
    for st in states.values():
        st.feed("exists -")
    return states


def demo_lines(n: int = 60) -> list[LogLine]:
    now = time.time()
    out = []
    for i in range(n):
        node = NODES[i % 3]
        level = "error" if i % 17 == 5 else ("warn" if i % 11 == 3 else "info")
        out.append(LogLine(now - (n - i), node,
                           f"$ drbdadm adjust res{i:02d} | exit {1 if level == 'error' else 0}"
                           f" | 0.{i:02d}s", level))
    return out


def main(kind: str, n: int) -> None:  # pragma: no cover - interactive
    if kind == "placement":
        states = wide_states(n, max(4, n // 10))
        first = next(iter(states))
        disconnect_first = [s for s in states[first].resources][:1]
        for name in disconnect_first:
            rs = states[first].resources[name]
            members = [c.raw.get("conn-name") for c in rs.connections.values()]
            st3 = {m: states[m] for m in [first, *members] if m}
            order = [first, *[m for m in members if m]]
            disconnect(st3, name, order[0], order[1], order)
        app = placement_app(None, states)
    elif kind == "model":
        import asyncio
        import tempfile
        from pathlib import Path

        from tests.widgets.conftest import build_model
        from tests.widgets.demo import list_app

        model = asyncio.run(build_model(Path(tempfile.mkdtemp())))
        states = cluster(NODES, ["web", *[f"r{i:02d}" for i in range(n)]],
                         diskless={"web": ["charlie"]}, primary={"web": "alpha"})
        start_resync(states, "r03", "alpha", "bravo", NODES)
        status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "OFFLINE",
                  "delta": "ONLINE"}.__getitem__
        app = list_app(states, model=model, node_status=status)
    elif kind == "log":
        app = log_app(demo_lines(n))
    else:
        states = cluster(NODES, [f"r{i}" for i in range(n)])
        start_resync(states, "r1", "alpha", "bravo", NODES)
        app = placement_app(None, states)
    app.run()
