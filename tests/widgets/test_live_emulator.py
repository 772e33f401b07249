"""ResourceList on live events2 streams from emulated nodes over SSH (the real data path).

A hand-made resource on eagle+rabbit (the emulator's adoption sample); eagle Primary.
Stopping rabbit must show as an alert on eagle's side and as a *stale* rabbit (its link
goes down), not as a frozen healthy line.
"""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.satellite import LinkStatus
from drbdeck.emulator.handmade import HandmadeSpec, install
from drbdeck.widgets.resource_list import ResourceList
from tests.emulated import running_world
from tests.widgets.demo import list_app


async def test_resource_list_follows_a_live_emulated_cluster(tmp_path: Path) -> None:
    async with running_world(tmp_path, ["eagle", "rabbit"]) as world:
        install(world.cluster, HandmadeSpec(primary="eagle"))
        await world.wait("both UpToDate", lambda: all(
            world.disk(n, "legacy", 10) == "UpToDate" for n in ("eagle", "rabbit")))

        def status(node: str) -> str:
            return "ONLINE" if world.pool.get(node).status == LinkStatus.ONLINE else "OFFLINE"

        app = list_app(world.states, node_status=status, ascii=False)
        async with app.run_test(size=(100, 24)) as pilot:
            w = app.query_one(ResourceList)
            row = w.row("legacy")
            assert row is not None and row.severity == 0, row and row.problems
            assert "Primary@eagle" in row.lines[0].plain
            assert "eagle★● rabbit●" in row.lines[0].plain
            await world.cluster.node("rabbit").stop()
            await world.wait("eagle sees rabbit gone", lambda: (
                (c := world.states["eagle"].resources["legacy"].connection_by_name("rabbit"))
                is not None and c.connection != "Connected"))
            for _ in range(40):
                await pilot.pause(0.25)
                row = w.row("legacy")
                if row is not None and "rabbit: node OFFLINE, data stale" in row.problems:
                    break
            row = w.row("legacy")
            assert row is not None and row.severity == 2
            text = "\n".join(t.plain for t in row.lines)
            assert "↯rabbit" in text and "OFFLINE since" in text
