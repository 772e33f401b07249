"""Observed DRBD state (the runtime's events2 model) joined into REST answers, and the
server-sent event stream."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drbdeck.backend.rest import Broadcaster
from drbdeck.backend.runtime.observed import ObservedState
from drbdeck.cli.linstor import main as cli_main
from drbdeck.collectors.drbdstate import DrbdState
from tests.collectors.samples import ALPHA, BRAVO
from tests.conftest import require_module
from tests.rest.conftest import Server, run_server

linstor = require_module("linstor")
CUT = BRAVO.index(
    "change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:37.50") + 1


@pytest.fixture
def observed_server(tmp_path: Path) -> Iterator[Server]:
    states = {"alpha": DrbdState(node="alpha"), "bravo": DrbdState(node="bravo")}
    for line in ALPHA:
        states["alpha"].feed(line)
    for line in BRAVO[:CUT]:
        states["bravo"].feed(line)
    obs = ObservedState(states.get, lambda n: n in states)
    for srv in run_server(tmp_path / "db", observed=obs):
        ops = srv.ops
        for i, n in enumerate(("alpha", "bravo")):
            srv.call(ops.node_create(n, f"10.0.0.{i + 1}"))
            srv.call(ops.storage_pool_create(n, "pool1", "LVM",
                                             {"StorDriver/StorPoolName": "vg0"}))
        srv.call(ops.rd_create("r0"))
        srv.call(ops.vd_create("r0", 1048576))
        srv.call(ops.rsc_create("r0", ["alpha", "bravo"], storage_pool="pool1"))
        yield srv


def test_python_linstor_reads_observed_state(observed_server: Server) -> None:
    with linstor.Linstor(observed_server.url) as lin:
        rscs = {r.node_name: r for r in lin.resource_list_raise().resources}
    bravo = rscs["bravo"]
    assert bravo.volumes[0].state.disk_state == "SyncTarget(37.50%)"
    assert bravo.layer_data.drbd_resource.connections["alpha"].connected is True
    assert rscs["alpha"].volumes[0].state.disk_state == "UpToDate"


def test_cli_r_l_shows_sync_progress(observed_server: Server) -> None:
    out = io.StringIO()
    code = cli_main(["--controllers", f"127.0.0.1:{observed_server.port}", "--no-color",
                     "r", "l"], None, stdout=out, stderr=out, environ={})
    text = out.getvalue()
    assert code == 0, text
    assert "SyncTarget(37.50%)" in text and "UpToDate" in text


async def test_broadcaster_fan_out_and_slow_subscriber() -> None:
    b = Broadcaster(limit=2)
    fast = b.subscribe(heartbeat_s=60)
    slow = b.subscribe(heartbeat_s=60)
    first = asyncio.ensure_future(anext(fast))
    second = asyncio.ensure_future(anext(slow))
    await asyncio.sleep(0)
    assert b.subscribers == 2
    b.publish({"n": 1})
    assert await first == {"n": 1} and await second == {"n": 1}
    for i in range(2, 6):  # slow never reads again: dropped once its queue is full
        b.publish({"n": i})
        if i < 4:
            assert await anext(fast) == {"n": i}
    assert b.subscribers == 1
    got = [ev async for ev in slow]
    assert got == [{"n": 2}, {"n": 3}], "the dropped stream ends after what it had queued"
    b.close()
    assert [ev async for ev in fast] == [{"n": 4}, {"n": 5}]


def test_event_stream_over_http(server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/v1/events/drbd")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Type", "").startswith("text/event-stream")
    assert resp.readline().startswith(b": drbdeck")
    resp.readline()

    async def publish() -> None:
        while server.events.subscribers == 0:
            await asyncio.sleep(0.01)
        server.events.publish({"node": "alpha", "resource": "r0"})

    server.call(publish())
    assert resp.readline() == b"event: drbd\n"
    data = resp.readline()
    assert data.startswith(b"data: ")
    assert json.loads(data[6:]) == {"node": "alpha", "resource": "r0"}
    conn.close()


async def test_event_feed_follows_node_states() -> None:
    """EventFeed publishes each events2 change of every node the runtime knows."""
    from types import SimpleNamespace

    from drbdeck.backend.rest.feed import EventFeed

    bravo = DrbdState(node="bravo")
    nodes = {"BRAVO": SimpleNamespace(name="bravo", state=bravo)}
    obs = ObservedState(lambda n: bravo if n == "bravo" else None, lambda n: True)
    runtime = SimpleNamespace(nodes=nodes, observe=obs)
    events = Broadcaster()
    feed = EventFeed(runtime, events)
    feed.sync()
    seen: list[dict] = []

    async def collect() -> None:
        async for ev in events.subscribe(heartbeat_s=60):
            seen.append(ev)

    task = asyncio.ensure_future(collect())
    await asyncio.sleep(0)
    for line in BRAVO[:CUT]:
        bravo.feed(line)
    await asyncio.sleep(0.01)
    assert seen and all(e["node"] == "bravo" for e in seen)
    last = [e for e in seen if e["resource"] == "r0"][-1]
    assert last["observed"]["volumes"][0]["disk_state"] == "SyncTarget(37.50%)"
    nodes.clear()
    feed.sync()  # node deleted: listener detached, later lines publish nothing
    before = len(seen)
    for line in BRAVO[CUT:]:
        bravo.feed(line)
    await asyncio.sleep(0.01)
    assert len(seen) == before
    feed.close()
    events.close()
    await task


def test_cached_view_follows_changes(tmp_path: Path) -> None:
    """view/resources is cached per replica; changes through the operations and observed
    state changes must show on the very next listing."""
    state: dict[str, dict] = {}
    for srv in run_server(tmp_path / "db", observed=lambda rd, node: state.get(node)):
        ops = srv.ops
        for i, n in enumerate(("alpha", "bravo")):
            srv.call(ops.node_create(n, f"10.0.0.{i + 1}"))
            srv.call(ops.storage_pool_create(n, "pool1", "LVM",
                                             {"StorDriver/StorPoolName": "vg0"}))
        srv.call(ops.rd_create("r0"))
        srv.call(ops.vd_create("r0", 1048576))
        srv.call(ops.rsc_create("r0", ["alpha", "bravo"], storage_pool="pool1"))
        with linstor.Linstor(srv.url) as lin:
            def alpha():
                return {r.node_name: r for r in lin.resource_list_raise().resources}["alpha"]

            assert alpha().layer_data.drbd_resource.peer_slots == 7
            srv.call(ops.rd_modify("r0", peer_slots=5))
            assert alpha().layer_data.drbd_resource.peer_slots == 5
            srv.call(ops.rsc_modify("r0", "alpha", override={"Aux/x": "1"}))
            assert alpha().properties == {"Aux/x": "1"}
            srv.call(ops.vd_create("r0", 2048))
            assert [v.number for v in alpha().volumes] == [0, 1]
            state["alpha"] = {"in_use": True, "volumes": {0: {"disk_state": "UpToDate"}},
                              "connections": {"bravo": {"connected": True,
                                                        "message": "Connected"}}}
            a = alpha()
            assert a.volumes[0].state.disk_state == "UpToDate"
            assert a.layer_data.drbd_resource.connections["bravo"].connected is True
            state["alpha"] = {"volumes": {0: {"disk_state": "Outdated"}}}
            assert alpha().volumes[0].state.disk_state == "Outdated"
            srv.call(ops.rsc_delete("r0", "alpha"))
            assert "DELETE" in alpha().flags


def test_cached_view_follows_pool_extent_reports(server: Server) -> None:
    """A node reporting its VG extent size changes allocated sizes without an API call."""
    ops = server.ops
    server.call(ops.node_create("alpha", "10.0.0.1"))
    server.call(ops.storage_pool_create("alpha", "pool1", "LVM",
                                        {"StorDriver/StorPoolName": "vg0"}))
    server.call(ops.rd_create("r0"))
    server.call(ops.vd_create("r0", 1000))
    server.call(ops.rsc_create("r0", ["alpha"], storage_pool="pool1"))
    with linstor.Linstor(server.url) as lin:
        before = lin.resource_list_raise().resources[0].volumes[0].allocated_size
        server.call(ops.pool_report("alpha", "pool1", free_kib=1 << 30, total_kib=1 << 30,
                                    extent_kib=4096))
        after = lin.resource_list_raise().resources[0].volumes[0].allocated_size
    assert before < 4096 <= after and after % 4096 == 0
