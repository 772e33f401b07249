"""Auto-place 1,000 resources one after another across 100 nodes x 2 pools.

Each placement sees the free space and resource counts left by the previous
ones, as the controller's store would give them, so this measures the placer
on a filling cluster (and shows how evenly it spreads). Prints JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import replace

from drbdeck.backend.placement import PlaceRequest, PoolCandidate, place

NODES = 100
RESOURCES = 1000
GIB = 1024 * 1024


def cluster() -> dict[tuple[str, str], PoolCandidate]:
    pools = {}
    for i in range(NODES):
        node = f"node{i:03d}"
        props = {"Aux/rack": f"r{i % 10}"}
        for name, thin in (("thick", False), ("thin", True)):
            pools[(node, name)] = PoolCandidate(
                node=node,
                pool=name,
                provider="LVM_THIN" if thin else "LVM",
                free_kib=1024 * GIB,
                total_kib=1024 * GIB,
                node_props=props,
                thin=thin,
            )
        pools[(node, "DfltDisklessStorPool")] = PoolCandidate(
            node=node, pool="DfltDisklessStorPool", provider="DISKLESS", free_kib=0, total_kib=0
        )
    return pools


def run(label: str, request_for: object) -> dict[str, object]:
    pools = cluster()
    placements: dict[str, set[str]] = {}
    timings = []
    replicas = tiebreakers = 0
    start = time.perf_counter()
    for n in range(RESOURCES):
        rsc = f"pvc-{n:04d}"
        request = request_for(n)  # type: ignore[operator]
        t0 = time.perf_counter()
        result = place(rsc, request, list(pools.values()), (), placements)
        timings.append(time.perf_counter() - t0)
        for node, pool in result.diskful:
            c = pools[(node, pool)]
            used = request.size_kib
            pools[(node, pool)] = replace(c, free_kib=c.free_kib - used, rsc_count=c.rsc_count + 1)
            placements.setdefault(node, set()).add(rsc)
            replicas += 1
        if result.tiebreaker:
            placements.setdefault(result.tiebreaker, set()).add(rsc)
            tiebreakers += 1
    total = time.perf_counter() - start
    per_node = [len(placements.get(f"node{i:03d}", ())) for i in range(NODES)]
    timings.sort()
    return {
        "case": label,
        "resources": RESOURCES,
        "nodes": NODES,
        "pools_per_node": 2,
        "diskful_replicas": replicas,
        "tiebreakers": tiebreakers,
        "total_s": round(total, 3),
        "per_place_ms_mean": round(statistics.fmean(timings) * 1000, 3),
        "per_place_ms_p99": round(timings[int(len(timings) * 0.99)] * 1000, 3),
        "replicas_per_node_min": min(per_node),
        "replicas_per_node_max": max(per_node),
    }


def main() -> None:
    results = [
        run("place_count=2", lambda n: PlaceRequest(place_count=2, size_kib=(1 + n % 10) * GIB)),
        run(
            "place_count=3 replicas_on_different=rack",
            lambda n: PlaceRequest(
                place_count=3, size_kib=(1 + n % 10) * GIB, replicas_on_different=["rack"]
            ),
        ),
    ]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
