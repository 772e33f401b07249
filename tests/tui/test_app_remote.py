"""RemoteBackend against a real REST app (store + operations, no nodes): lists → model,
the event stream → DrbdStates, operations over REST, and the console on top of it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.rest import Broadcaster, bound_port, create_app, start
from drbdeck.backend.runtime.observed import observe_resource
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.app import DrbdeckApp
from drbdeck.tui.remote import RemoteBackend
from tests.tui.conftest import STATUS, _build, events2_lines


async def _controller(tmp_path: Path) -> tuple[Any, Broadcaster, Operations, Any, dict]:
    store = Store(tmp_path / "ctl.db")
    ops = Operations(store, is_connected=lambda n: STATUS.get(n) == "ONLINE")
    await _build(ops)
    states = {}
    for node, lines in events2_lines().items():
        st = DrbdState(node)
        st.feed_many(lines)
        st.feed("exists -")
        states[node] = st

    def observed(rd: str, node: str) -> dict | None:
        st = states.get(node)
        if STATUS.get(node) != "ONLINE" or st is None or rd not in st.resources:
            return None
        return observe_resource(st.resources[rd])

    events = Broadcaster()
    app = create_app(ops, observed=observed, node_status=lambda n: STATUS.get(n, "OFFLINE"),
                     events=events)
    runner = await start(app, "127.0.0.1", 0)
    return runner, events, ops, store, states


async def _wait(pred: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not pred():
            await asyncio.sleep(0.05)


async def test_remote_backend_model_states_events_and_ops(tmp_path: Path) -> None:
    runner, events, _ops, store, states = await _controller(tmp_path)
    backend = RemoteBackend(f"http://127.0.0.1:{bound_port(runner)}", refresh_s=60)
    try:
        await backend.connect()
        m = backend.model
        assert sorted(m.nodes) == ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
        assert m.rds["db"].volumes[0].minor == 1001
        assert m.pools[("ALPHA", "POOL1")].total_kib == 100 * 1024 * 1024
        assert len(m.resources_of_rd("web")) == 3
        assert backend.node_status("delta") == "OFFLINE"
        assert backend.node_status("alpha") == "ONLINE"
        db = backend.states["bravo"].resources["db"]
        assert db.devices[0].disk == "Inconsistent"
        pd = db.connection_by_name("alpha").peer_devices[0]
        assert pd.replication == "SyncTarget" and pd.done == 42.5
        assert pd.peer_disk == "UpToDate"  # taken from alpha's own observation
        web = backend.states["alpha"].resources["web"]
        assert web.role == "Primary" and web.is_healthy
        assert "arch" not in backend.states["delta"].resources  # offline: nothing known

        await backend.start()
        await _wait(lambda: events.subscribers == 1)
        # the resync finishes on the controller side; the stream carries it
        states["bravo"].feed("change peer-device name:db peer-node-id:0 conn-name:alpha "
                             "volume:0 replication:Established")
        states["bravo"].feed("change device name:db volume:0 minor:1001 disk:UpToDate")
        events.publish({"node": "bravo", "resource": "db",
                        "observed": observe_resource(states["bravo"].resources["db"])})
        await _wait(lambda: backend.states["bravo"].resources["db"].devices[0].disk
                    == "UpToDate")
        assert any("bravo db/0: disk Inconsistent→UpToDate" in ln.text
                   for ln in backend.event_log)
        events.publish({"node": "bravo", "resource": "gone", "observed": None})
        backend.on_event("not json")  # odd input is ignored

        answers = await backend.ops.rd_create("newrd", port=7100)
        assert not any(a.is_error() for a in answers)
        await _wait(lambda: "newrd" in backend.model.rds)
        bad = await backend.ops.rd_create("1bad")
        assert bad and bad[0].is_error()
        assert any("rd_create(newrd" in ln.text for ln in backend.event_log)
    finally:
        events.close()  # end the event stream first: the server waits for open handlers
        await backend.close()
        await runner.cleanup()
        store.close()


async def test_console_on_remote_backend_and_controller_loss(tmp_path: Path) -> None:
    runner, _events, _ops, store, _ = await _controller(tmp_path)
    backend = RemoteBackend(f"http://127.0.0.1:{bound_port(runner)}", refresh_s=0.3)
    await backend.connect()
    app = DrbdeckApp(backend)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            assert set(app.resource_list.order) == {"web", "db", "tmp", "arch"}
            await runner.cleanup()  # the controller goes away
            await _wait(lambda: not backend.controller_ok)
            assert backend.node_status("alpha") == "OFFLINE"  # everything shown stale
            await pilot.pause(0.6)
            row = app.resource_list.row("web")
            assert row is not None and "stale" in " ".join(t.plain for t in row.lines)
    finally:
        await backend.close()
        store.close()
