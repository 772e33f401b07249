"""The console with InProcessBackend on a live emulated cluster: nodes registered and a
resource auto-placed through the backend's operations reach UpToDate on screen, with the
commands, the answers and the state changes in the log and live host figures per node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from drbdeck.backend.controller.store import Store
from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.config import Config, SshConfig
from drbdeck.emulator.cluster import Cluster
from drbdeck.tui.app import DrbdeckApp
from drbdeck.tui.backend import InProcessBackend
from drbdeck.widgets.glyphs import OK

NAMES = ["alpha", "bravo", "charlie"]


async def _until(what: str, pred: Callable[[], bool], timeout: float = 40.0,
                 detail: Callable[[], str] = lambda: "") -> None:
    try:
        async with asyncio.timeout(timeout):
            while not pred():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}: {detail()}") from None


async def test_resource_reaches_uptodate_on_screen(tmp_path: Path) -> None:
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(NAMES, state_dir, sync_rate_kib=64 * 1024 * 1024,
                                  thin_pool_kib=0)
    nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
    cfg = Config(ssh=SshConfig(identity_file=str(state_dir / "id_ed25519"),
                               known_hosts=str(state_dir / "known_hosts"),
                               reconnect_min=0.05, reconnect_max=0.3))
    store = Store(tmp_path / "ctl.db")
    rt = ControllerRuntime(store, cfg, retry_min=0.05, retry_max=0.5)
    backend = InProcessBackend(rt)
    backend._poller.interval = 0.5  # type: ignore[union-attr]  # quick second sample
    app = DrbdeckApp(backend)
    try:
        await rt.start()
        async with app.run_test(size=(100, 30)) as pilot:
            ops = backend.ops
            for name in NAMES:
                n = nodes[name]
                answers = await ops.node_create(name, n["address"], "Combined",
                                                ssh_host=n["ssh_host"], ssh_port=n["ssh_port"])
                assert not any(a.is_error() for a in answers), answers
                answers = await ops.storage_pool_create(name, "pool1", "LVM",
                                                        {"StorDriver/StorPoolName": "vg0"})
                assert not any(a.is_error() for a in answers), answers
            await _until("nodes ONLINE", lambda: all(
                backend.node_status(n) == "ONLINE" for n in NAMES))
            await _until("pool capacity", lambda: all(
                p.free_kib is not None for p in backend.model.pools.values()
                if str(p.provider) == "LVM"))
            assert not any(a.is_error() for a in await ops.rd_create("r1"))
            assert not any(a.is_error() for a in await ops.vd_create("r1", 64 * 1024))
            answers = await ops.autoplace("r1", PlaceRequest(place_count=2))
            assert not any(a.is_error() for a in answers), answers
            await pilot.pause()

            rl = app.resource_list

            def healthy_on_screen() -> bool:
                row = rl.row("r1")
                return (row is not None and row.severity == OK
                        and "UpToDate" not in " ".join(p for p in row.problems))

            def seen() -> str:
                row = rl.row("r1")
                states = {n: {r: res.problems() for r, res in st.resources.items()}
                          for n, st in backend.states.items()}
                return (f"row={[t.plain for t in row.lines] if row else None} "
                        f"states={states} errors="
                        f"{[backend.apply_error('r1', n) for n in NAMES]}")

            await _until("r1 healthy in the resource list", healthy_on_screen, detail=seen)
            placed = [r.node for r in backend.model.resources_of_rd("r1") if not r.diskless]
            assert len(placed) == 2  # (+ a tie-breaker on the third node)
            for node in placed:
                dev = backend.states[node].resources["r1"].devices[0]
                assert dev.disk == "UpToDate"

            # drill down: the volume is UpToDate on both replicas, files read from the nodes
            app.open_resource("r1")
            await pilot.pause(0.6)
            from tests.tui.test_app_nav import plain
            vols = plain(app.screen.query_one("#detail-volumes"))
            assert vols.count("UpToDate") == 2, vols
            await pilot.press("f")
            await _until("the .res files", lambda: "read from the node" in plain(
                app.screen.query_one("#detail-files")))
            await pilot.press("escape")

            # the log: the operation and its answer, commands sent, DRBD state changes
            texts = [f"{ln.source} {ln.text}" for ln in backend.event_log]
            assert any("autoplace(r1" in t for t in texts), texts
            assert any("disk" in t and "→UpToDate" in t for t in texts), texts
            assert any("drbdadm" in e.command for e in backend.command_log)
            await pilot.press("2")
            await _until("host figures", lambda: all(
                (m := backend.metrics.get(n)) is not None and m.cpu_percent is not None
                for n in NAMES), timeout=20)
    finally:
        await backend.close()
        await rt.stop()
        store.close()
        await cluster.stop()
