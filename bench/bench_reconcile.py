"""Full sync of one node holding 1,500 resources after a restart (target <= 10 s).

Two emulated nodes (the emulator in this process) reached over SSH through the node
layer. Both get 1,500 two-replica thin resources applied; then node ``bravo`` is stopped
and started (DRBD state lost, files and LVs kept) and a full sync is timed until the
apply returns, and again until every resource is connected and UpToDate on bravo.
Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drbdeck.backend.reconcile import apply
from drbdeck.backend.satellite import LinkStatus
from tests.reconcile.world import per_node, resource, running_world

COUNT = 1500  # resources on the node that restarts; set from the command line


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_world(Path(tmp), names=["alpha", "bravo"],
                                 sync_rate_kib=10 * 1024 * 1024) as w:
            rs = [resource(w.nodes, f"r{i:04d}", 7000 + i % 1000, 1000 + i, ["alpha", "bravo"],
                           [], thin=True, initial_on="alpha", net_kib=4096)
                  for i in range(COUNT)]
            # ports repeat every 1000 resources: give the second thousand other ports
            for i, per in enumerate(rs):
                if i >= 1000:
                    for h in per["alpha"].config.hosts.values():
                        assert h.address is not None
                        h.address = type(h.address)(h.address.family, h.address.host,
                                                    8000 + i % 1000)
            desired = per_node(*rs)
            t0 = time.perf_counter()
            first = await asyncio.gather(apply(w.pool.get("bravo"), desired["bravo"]),
                                         apply(w.pool.get("alpha"), desired["alpha"]))
            create_s = time.perf_counter() - t0
            assert all(r.ok for r in first), [list(r.failed.items())[:3] for r in first]

            def ready() -> bool:
                res = w.states["bravo"].resources
                return len(res) == COUNT and all(
                    w.disk("bravo", f"r{i:04d}") == "UpToDate" for i in range(COUNT))

            await w.wait("all UpToDate on bravo", ready, timeout=120)
            await w.cluster.node("bravo").stop()
            await w.pool.get("bravo").wait_status(LinkStatus.OFFLINE, timeout=30)
            await w.cluster.node("bravo").start()
            await w.pool.get("bravo").wait_status(LinkStatus.ONLINE, timeout=30)
            seq = max(e.seq for e in w.pool.command_log)
            t1 = time.perf_counter()
            rep = await apply(w.pool.get("bravo"), desired["bravo"], full_sync=True)
            apply_s = time.perf_counter() - t1
            assert rep.ok, list(rep.failed.items())[:3]
            await w.wait("all UpToDate on bravo after restart", ready, timeout=120)
            converged_s = time.perf_counter() - t1
            sent = [e for e in w.pool.command_log if e.seq > seq and e.node == "bravo"]
            return {
                "bench": "reconcile_full_sync",
                "resources": COUNT,
                "initial_apply_both_nodes_s": round(create_s, 3),
                "full_sync_apply_s": round(apply_s, 3),
                "full_sync_until_all_uptodate_s": round(converged_s, 3),
                "target_s": 10.0,
                "round_trips": rep.round_trips,
                "commands_sent": len(sent),
            }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Full sync of one node after a restart "
                                     "(issue 3 target: 1,500 resources in <= 10 s).")
    parser.add_argument("resources", nargs="?", type=int, default=COUNT,
                        help=f"how many resources (default {COUNT})")
    args = parser.parse_args()
    if args.resources < 1:
        parser.error("resources: must be at least 1")
    COUNT = args.resources
    print(json.dumps(asyncio.run(main())))
