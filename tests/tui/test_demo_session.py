"""The demo's orchestration against a real emulator process: the scenario reaches its
intended states, chaos actions do what they say, and closing leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend.controller.names import key
from drbdeck.tui.demo_emulator import DEMO_NODES
from drbdeck.tui.demo_session import DemoOptions, DemoSession
from drbdeck.tui.demo_setup import DEGRADED, PRIMARY, RESOURCES, SYNCING


async def wait_for(what: str, pred: Callable[[], bool], timeout: float = 30.0) -> None:
    """Re-check ``pred``; the timeout only bounds a hang."""
    try:
        async with asyncio.timeout(timeout):
            while not pred():
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[DemoSession]:
    s = DemoSession(DemoOptions(state_dir=tmp_path / "demo", rest=("127.0.0.1", 0)))
    try:
        await s.open()
        s.start_setup()
        await s.wait_setup(60)
        yield s
    finally:
        await s.close()


def res(s: DemoSession, rd: str, node: str) -> Any:
    nrt = s.runtime.nodes.get(key(node))
    return None if nrt is None else nrt.state.resources.get(rd)


def disks(s: DemoSession, rd: str, node: str) -> set[str]:
    r = res(s, rd, node)
    return set() if r is None else {d.disk for d in r.devices.values()}


def conn(s: DemoSession, rd: str, node: str, peer: str) -> str | None:
    r = res(s, rd, node)
    if r is None:
        return None
    return next((c.connection for c in r.connections.values() if c.name == peer), None)


async def test_scenario_reaches_its_states(session: DemoSession) -> None:
    s = session
    assert s.setup is not None and s.setup.failed is None, s.setup and s.setup.failed
    rt = s.runtime
    assert all(rt.node_status(n) == "ONLINE" for n in DEMO_NODES)
    assert sorted(n.type.value.upper() for n in rt.model.nodes.values()) == ["COMBINED"] * 4
    for n in DEMO_NODES:
        assert rt.model.pool(n, "thick").provider == "LVM"
        assert rt.model.pool(n, "thin").provider == "LVM_THIN"
    assert sorted(rd.name for rd in rt.model.rds.values()) == sorted(r.name for r in RESOURCES)
    for r in RESOURCES:
        assert sorted(x.node for x in rt.model.resources_of_rd(r.name)) == sorted(r.nodes)

    for rd in ("web", "db", "home"):
        for n in next(r.nodes for r in RESOURCES if r.name == rd):
            await wait_for(f"{rd} UpToDate on {n}", lambda rd=rd, n=n: disks(s, rd, n)
                           == {"UpToDate"})
    # the events2 streams report what the set-up did (each on its own time)
    rd, node = PRIMARY
    await wait_for("web Primary on alpha", lambda: res(s, rd, node) is not None
                   and res(s, rd, node).role == "Primary")
    await wait_for("writes flowing", lambda: s.setup.writes >= 2)
    # the big thick volume is still syncing: SyncSource/SyncTarget with progress
    await wait_for("archive syncing to delta", lambda: disks(s, SYNCING, "delta")
                   == {"Inconsistent"})
    target = res(s, SYNCING, "delta")
    [pd] = [c.peer_devices[0] for c in target.connections.values()]
    assert pd.replication == "SyncTarget"
    rd, node = DEGRADED
    await wait_for("logs Diskless on bravo", lambda: disks(s, rd, node) == {"Diskless"})
    await wait_for("alpha sees logs degraded", lambda: not res(s, rd, "alpha").is_healthy)
    assert res(s, rd, "alpha").problems()

    # the CLI's REST endpoint answers with the same nodes
    assert s.rest_url is not None
    body = await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"{s.rest_url}/v1/nodes", timeout=10).read())
    assert sorted(n["name"] for n in json.loads(body)) == list(DEMO_NODES)
    assert any("REST API on" in e.text for e in s.narration)


async def test_chaos_stops_and_restarts_a_node_and_cuts_a_link(session: DemoSession) -> None:
    s, rt, chaos = session, session.runtime, session.chaos
    assert chaos.nodes() == list(DEMO_NODES)

    msg = await chaos.stop_node("bravo")
    assert "bravo" in msg and not chaos.node_running("bravo")
    await wait_for("bravo OFFLINE", lambda: rt.node_status("bravo") == "OFFLINE")
    await wait_for("alpha sees bravo gone on web",
                   lambda: conn(s, "web", "alpha", "bravo") != "Connected")
    await chaos.start_node("bravo")
    await wait_for("bravo ONLINE again", lambda: rt.node_status("bravo") == "ONLINE")
    await wait_for("web back on bravo", lambda: disks(s, "web", "bravo") == {"UpToDate"})

    await chaos.cut_link("alpha", "charlie")
    assert chaos.link_is_cut("charlie", "alpha")
    await wait_for("web alpha-charlie down",
                   lambda: conn(s, "web", "alpha", "charlie") not in (None, "Connected"))
    await chaos.restore_link("alpha", "charlie")
    await wait_for("web alpha-charlie back",
                   lambda: conn(s, "web", "alpha", "charlie") == "Connected")
    said = [e.text for e in s.narration if e.text.startswith("chaos:")]
    assert len(said) == 4, said


async def test_chaos_refusal_is_reported(session: DemoSession) -> None:
    from drbdeck.emulator.ctl import CtlError

    with pytest.raises(CtlError, match="two different nodes"):
        await session.chaos.cut_link("alpha", "alpha")
    assert any(e.level == "error" and "cut link alpha-alpha" in e.text
               for e in session.narration)


async def test_close_leaves_nothing_behind(tmp_path: Path) -> None:
    s = DemoSession(DemoOptions(state_dir=None, rest=None, setup=False))
    await s.open()
    await s.emulator.wait_ready()
    proc, run_dir = s.emulator.proc, s.run_dir
    assert proc is not None and proc.poll() is None and run_dir.exists()
    await s.close()
    assert proc.poll() is not None
    assert not run_dir.exists()
    await s.close()  # twice is fine


async def test_rest_port_taken_falls_back_to_a_free_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        s = DemoSession(DemoOptions(state_dir=tmp_path / "demo", rest=("127.0.0.1", port),
                                    setup=False))
        try:
            await s.open()
            assert s.rest_url is not None and not s.rest_url.endswith(f":{port}")
            assert any(f"port {port} is taken" in e.text for e in s.narration)
            body = await asyncio.to_thread(
                lambda: urllib.request.urlopen(f"{s.rest_url}/v1/nodes", timeout=10).read())
            assert json.loads(body) == []
        finally:
            await s.close()
