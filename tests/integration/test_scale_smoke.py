"""The scale bench's setup path, small: 5 emulated nodes, 21 replicas, over the node layer.

``bench/bench_scale.py`` is only run by hand, so its deployment code (batched SFTP writes,
chained ``lvcreate`` lines, multi-resource ``create-md``/``up all``/``new-current-uuid``,
one events2 stream per node) would rot unnoticed; this test runs exactly that code at a
size that takes a second and checks the outcome in the emulator, not just in the bench's
own view of it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest

from drbdeck.backend.satellite import LinkStatus
from drbdeck.emulator.cluster import Cluster

NODES = [f"s{i}" for i in range(5)]
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_scale.py"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


bench = _load_bench()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[Cluster, object, dict[str, str]]]:
    cluster = await Cluster.start(NODES, tmp_path / "emu", sync_rate_kib=512 * 1024)
    pool, nodes = bench.connect_pool(tmp_path / "emu")
    pool.start_all()
    try:
        await pool.wait_all(LinkStatus.ONLINE, timeout=20)
        yield cluster, pool, {n["name"]: n["address"] for n in nodes}
    finally:
        await pool.stop_all()
        await cluster.stop()


def test_plan_places_replicas_evenly() -> None:
    plan = bench.make_plan([f"n{i}" for i in range(10)], 100, 10, 1024)
    assert len(plan.resources) == 34 and plan.replicas == 102
    per_node = [len(rs) for rs in plan.by_node.values()]
    assert sum(per_node) == 102 and max(per_node) - min(per_node) <= 3
    assert all(len(set(r.hosts)) == 3 for r in plan.resources)
    # One thick (resyncing) resource acted for by each node: the resyncs spread evenly.
    assert sorted(r.hosts[0] for r in plan.resources if r.thick) == sorted(plan.by_node)
    with pytest.raises(bench.BenchError, match="at least 3 nodes"):
        bench.make_plan(["a", "b"], 10, 0, 1024)


async def test_setup_and_resync_reach_uptodate(env) -> None:
    cluster, pool, addresses = env
    plan = bench.make_plan(NODES, 20, 2, 8 * 1024)  # 7 resources, 2 of them thick
    streams = bench.Streams(pool, NODES)
    streams.start()
    try:
        await bench.wait_for("initial dumps", streams.initial_done, 20)
        await bench.setup_replicas(pool, plan, addresses, streams, timeout=30)
        states = streams.states
        assert bench.visible(states, plan) == plan.replicas == 21
        assert bench.all_ok(states, plan, "UpToDate", lambda r: not r.thick)
        # Thin replicas were made UpToDate without a sync; thick ones still wait for one.
        assert not cluster.network.facts.resyncs
        thick = [r for r in plan.resources if r.thick]
        assert all(states[h].resources[r.name].devices[0].disk == "Inconsistent"
                   for r in thick for h in r.hosts)

        await bench.resync_thick(pool, plan, streams, timeout=30)
        assert bench.all_ok(states, plan, "UpToDate")
        synced = sorted((x.resource, x.target) for x in cluster.network.facts.resyncs)
        assert synced == sorted((r.name, h) for r in thick for h in r.hosts[1:])
    finally:
        await streams.stop()

    # The emulator agrees with the events2 view: every DRBD device is UpToDate there too.
    for n in NODES:
        status = await pool.get(n).run(["drbdsetup", "status", "--json"], check=True)
        for res in json.loads(status.stdout_text):
            assert [d["disk-state"] for d in res["devices"]] == ["UpToDate"], (n, res["name"])
        assert len(json.loads(status.stdout_text)) == len(plan.by_node[n])
