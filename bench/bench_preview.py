"""How long a form's preview takes on a big controller (it runs on the console's loop).

Builds N resource definitions, each with one 1 GiB volume on 3 nodes, in a fresh Store,
then times ``preview`` for: a manual replica of a new RD (one RD's files: the common
case of every form keystroke), auto-place of a new RD, deleting one RD, and a controller
DrbdOptions change (reaches every resource: the worst case), in full and capped at
20 resources per node as the console's forms ask. Prints JSON.

    python bench/bench_preview.py [--resources 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.preview import preview

GIB = 1024 * 1024
NODES = ["alpha", "bravo", "charlie", "delta"]


async def build(ops: Operations, n: int) -> None:
    for i, node in enumerate(NODES):
        await ops.node_create(node, f"10.0.0.{i + 1}")
        await ops.storage_pool_create(node, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"})
        await ops.pool_report(node, "pool1", free_kib=1 << 40, total_kib=1 << 40,
                              extent_kib=4096)
    for i in range(n):
        await ops.rd_create(f"r{i}")
        await ops.vd_create(f"r{i}", GIB)
        await ops.rsc_create(f"r{i}", NODES[:3], storage_pool="pool1")
    await ops.rd_create("new")
    await ops.vd_create("new", GIB)


def timed(repeat: int, fn) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(runs), 2), "max_ms": round(max(runs), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    if a.resources < 1 or a.repeat < 1:
        ap.error("--resources and --repeat must be at least 1")
    with tempfile.TemporaryDirectory() as d:
        ops = Operations(Store(Path(d) / "b.db"), is_connected=lambda n: True)
        t0 = time.perf_counter()
        asyncio.run(build(ops, a.resources))
        build_s = time.perf_counter() - t0
        st = ops.store
        online = {"is_online": lambda n: True}
        out = {
            "resources": a.resources, "replicas_per_resource": 3, "build_s": round(build_s, 1),
            "manual_replica_new_rd": timed(a.repeat, lambda: preview(
                st, "rsc_create", "new", ["alpha", "bravo"], storage_pool="pool1")),
            "autoplace_new_rd": timed(a.repeat, lambda: preview(
                st, "autoplace", "new", PlaceRequest(place_count=3), **online)),
            "delete_one_rd": timed(a.repeat, lambda: preview(st, "rd_delete", "r1")),
            "controller_drbd_option_all": timed(max(1, a.repeat // 2), lambda: preview(
                st, "controller_modify", override={"DrbdOptions/Net/max-buffers": "8000"})),
            "controller_drbd_option_capped_20": timed(a.repeat, lambda: preview(
                st, "controller_modify", max_resources=20,
                override={"DrbdOptions/Net/max-buffers": "8000"})),
            "note": "measured while other work shared the 2-core machine",
        }
        st.close()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
