"""REST ``GET /v1/view/resources`` and the whole ``drbdeck r l`` process with 10,000
resources × 3 replicas (targets: ≤ 200 ms server-side, ≤ 1 s for the CLI process).

The objects are written straight into a temp store (one transaction) — building them
through 30,000 API calls would measure the allocator, not the listing. Prints JSON.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drbdeck.backend.controller.model import (
    Node,
    NodeType,
    Provider,
    Resource,
    ResourceDfn,
    StorPool,
    StorPoolDfn,
    Volume,
    VolumeDfn,
)
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store

RDS = int(os.environ.get("BENCH_RDS", "10000"))
NODES = 10
REPLICAS = 3


def build(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(StorPoolDfn("pool1"))
        for i in range(NODES):
            name = f"node{i:02d}"
            tx.put(Node(name, NodeType.SATELLITE, f"10.0.0.{i + 1}", f"10.0.0.{i + 1}"))
            tx.put(StorPool(name, "pool1", Provider.LVM, {"StorDriver/StorPoolName": "vg0"},
                            free_kib=1 << 40, total_kib=1 << 40, extent_kib=4096))
        for r in range(RDS):
            name = f"res{r:05d}"
            tx.put(ResourceDfn(name, port=7000 + r % 1000, peer_slots=7, secret="s" * 20,
                               volumes={0: VolumeDfn(0, 1048576, 1000 + r)}))
            for k in range(REPLICAS):
                node = f"node{(r + k) % NODES:02d}"
                tx.put(Resource(node, name, k, "pool1", 7000 + r % 1000, set(), {},
                                {0: Volume(0, "pool1", f"/dev/vg0/{name}_00000")},
                                create_ts_ms=1_700_000_000_000))


def serve(ops: Operations) -> tuple[int, threading.Event]:
    import asyncio

    from drbdeck.backend.rest import bound_port, create_app, start

    loop = asyncio.new_event_loop()
    box: dict[str, object] = {}
    ready = threading.Event()

    async def main() -> None:
        runner = await start(create_app(ops), "127.0.0.1", 0)
        box["port"] = bound_port(runner)
        ready.set()
        await asyncio.Event().wait()

    threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True).start()
    ready.wait(10)
    return int(box["port"]), ready  # type: ignore[call-overload]


def get(port: int, path: str) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", path)
    body = conn.getresponse().read()
    dt = time.perf_counter() - t0
    conn.close()
    return dt, len(body)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "bench.db")
        t0 = time.perf_counter()
        build(store)
        build_s = time.perf_counter() - t0
        ops = Operations(store)
        port, _ = serve(ops)
        cold, _ = get(port, "/v1/view/resources")  # builds the per-replica JSON cache
        times = []
        size = 0
        for _ in range(5):
            dt, size = get(port, "/v1/view/resources")
            times.append(dt)
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        cli = []
        lines = 0
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "--controllers",
                                   f"127.0.0.1:{port}", "--no-color", "r", "l"],
                                  capture_output=True, text=True, env=env, check=True)
            cli.append(time.perf_counter() - t0)
            lines = proc.stdout.count("\n")
        print(json.dumps({
            "resources": RDS, "replicas": RDS * REPLICAS,
            "build_store_s": round(build_s, 2),
            "view_resources_cold_ms": round(cold * 1000, 1),
            "view_resources_ms_min": round(min(times) * 1000, 1),
            "view_resources_ms_median": round(sorted(times)[len(times) // 2] * 1000, 1),
            "view_resources_bytes": size,
            "target_view_ms": 200,
            "cli_r_l_s_min": round(min(cli), 3),
            "cli_r_l_s_median": round(sorted(cli)[1], 3),
            "cli_r_l_lines": lines,
            "target_cli_s": 1.0,
        }, indent=2))
        store.close()


if __name__ == "__main__":
    main()
