"""Render cost of the console widgets (prints JSON).

ResourceList with 10,000 resources × 3 nodes, headless at 160×50:
* ``first_paint_s``: set_states (build + order all rows) to the first frame on screen;
* ``tick_cpu_ms``: CPU time per 4 Hz repaint tick when 50 random resources changed
  (events fed into the DrbdStates between ticks; their cost is reported separately);
* ``idle_cpu_pct``: CPU share with nothing changing.
PlacementMatrix with 2,000 resources × 200 nodes: first paint, a cursor sweep, and a
4 Hz tick after ``mark_dirty()`` without a name (the console's call) with 50 changes.

Figures taken on a busy machine are noisy upper bounds: the JSON carries the load
average so a reader can tell.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drbdeck.widgets.placement import PlacementMatrix
from drbdeck.widgets.resource_list import ResourceList
from tests.widgets.demo import list_app
from tests.widgets.demo_more import placement_app, wide_states
from tests.widgets.fixtures import NODES, cluster

N_RES = int(os.environ.get("BENCH_RESOURCES", "10000"))
TICKS = int(os.environ.get("BENCH_TICKS", "40"))
CHANGED = 50
SIZE = (160, 50)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


async def bench_list() -> dict[str, object]:
    names = [f"pvc-{i:05d}" for i in range(N_RES)]
    t0 = time.perf_counter()
    states = cluster(NODES, names)
    feed_setup = time.perf_counter() - t0
    app = list_app(states)
    rng = random.Random(7)
    async with app.run_test(size=SIZE) as pilot:
        w = app.query_one(ResourceList)
        await pilot.pause()
        # first paint: a fresh set_states (a new mapping: a full rebuild) to the next frame
        t0 = time.perf_counter()
        w.set_states(dict(states))
        await pilot.pause()
        first_paint = time.perf_counter() - t0
        # ticks: 50 changed resources each, events first, then one repaint tick
        w._tick()  # settle
        feed_cpu = tick_cpu = 0.0
        built0, ticks0 = w.rows_built, w.ticks
        for _ in range(TICKS):
            c0 = _cpu()
            for name in rng.sample(names, CHANGED):
                node = rng.choice(NODES)
                peer = rng.choice([n for n in NODES if n != node])
                states[node].feed(
                    f"change peer-device name:{name} peer-node-id:{NODES.index(peer)} "
                    f"conn-name:{peer} volume:0 replication:Established peer-disk:UpToDate"
                )
            c1 = _cpu()
            w._tick()
            await pilot.pause()  # let the compositor paint what the tick refreshed
            c2 = _cpu()
            feed_cpu += c1 - c0
            tick_cpu += c2 - c1
        # idle
        c0, t0 = _cpu(), time.perf_counter()
        await asyncio.sleep(2.0)
        idle = (_cpu() - c0) / (time.perf_counter() - t0)
        # a structural tick: one resource breaks (reorder of 10k rows)
        c0 = _cpu()
        states["alpha"].feed(f"change connection name:{names[N_RES // 2]} peer-node-id:1 "
                             f"conn-name:bravo connection:Connecting role:Unknown")
        w._tick()
        await pilot.pause()
        reorder_ms = (_cpu() - c0) * 1000
        return {
            "resources": N_RES,
            "nodes": len(NODES),
            "size": f"{SIZE[0]}x{SIZE[1]}",
            "events2_setup_s": round(feed_setup, 3),
            "first_paint_s": round(first_paint, 3),
            "tick_cpu_ms": round(tick_cpu / TICKS * 1000, 2),
            "tick_cpu_pct_at_4hz": round(tick_cpu / TICKS * 4 * 100, 2),
            "changed_rows_per_tick": CHANGED,
            "rows_rebuilt_per_tick": (w.rows_built - built0) / max(1, w.ticks - ticks0),
            "event_feed_cpu_ms_per_tick": round(feed_cpu / TICKS * 1000, 2),
            "idle_cpu_pct": round(idle * 100, 2),
            "reorder_tick_cpu_ms": round(reorder_ms, 2),
        }


async def bench_matrix() -> dict[str, object]:
    n_res, n_nodes = 2000, 200
    states = wide_states(n_res, n_nodes)
    app = placement_app(None, states)
    async with app.run_test(size=SIZE) as pilot:
        w = app.query_one(PlacementMatrix)
        t0 = time.perf_counter()
        w.set_data(None, dict(states))
        await pilot.pause()
        first = time.perf_counter() - t0
        c0 = _cpu()
        keys = ["down"] * 100 + ["right"] * 100
        await pilot.press(*keys)
        sweep = (_cpu() - c0) / len(keys)
        # the console's pattern: mark_dirty() without a name on every event, 4 Hz ticks
        rng = random.Random(3)
        names = w.rows
        ticks, c_total = 20, 0.0
        for _ in range(ticks):
            for name in rng.sample(names, CHANGED):
                node = next(n for n, st in states.items() if name in st.resources)
                states[node].feed(f"change resource name:{name} role:Secondary")
                w.mark_dirty()
            c0 = _cpu()
            w._tick()
            await pilot.pause()
            c_total += _cpu() - c0
        return {"resources": n_res, "nodes": n_nodes, "first_paint_s": round(first, 3),
                "cpu_ms_per_cursor_move": round(sweep * 1000, 2),
                "tick_cpu_ms_mark_all_50_changed": round(c_total / ticks * 1000, 2)}


def main() -> None:
    load = os.getloadavg()
    out = {
        "bench": "widgets",
        "resource_list": asyncio.run(bench_list()),
        "placement_matrix": asyncio.run(bench_matrix()),
        "loadavg_1m": round(load[0], 2),
        "cpus": os.cpu_count(),
        "note": "headless Textual run_test; compare loadavg_1m: figures from a busy "
                "machine are noisy upper bounds",
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
