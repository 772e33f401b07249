"""NodeWorker: kicks coalesce, a full sync follows every reconnect, failures are retried."""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.reconcile import NodeDesired
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.backend.reconcile.worker import NodeWorker
from drbdeck.backend.satellite import LinkStatus
from tests.reconcile.world import per_node, resource, running_world


async def test_worker_full_sync_on_reconnect_and_retry(tmp_path: Path) -> None:
    async with running_world(tmp_path, names=["alpha", "bravo"]) as w:
        r1 = resource(w.nodes, "wr1", 7000, 1000, ["alpha", "bravo"], [], initial_on="alpha")
        desired = per_node(r1)
        workers = {n: NodeWorker(w.pool.get(n), lambda n=n: desired[n],
                                 retry_min=0.05, retry_max=0.2) for n in ("alpha", "bravo")}
        for wk in workers.values():
            wk.start()
        try:
            first = {n: await wk.sync(timeout=20) for n, wk in workers.items()}
            assert all(r.ok for r in first.values()), first
            await w.wait("wr1 UpToDate", lambda: w.disk("bravo", "wr1") == "UpToDate")

            # a burst of kicks coalesces into few runs, the last of which changes nothing
            runs = workers["alpha"].runs
            for _ in range(50):
                workers["alpha"].kick()
            rep = await workers["alpha"].sync(timeout=20)
            assert rep.ok and not rep.changed
            assert workers["alpha"].runs - runs <= 3

            # a refused resource is reported, then retried until it applies
            big = resource(w.nodes, "wr2", 7001, 1001, ["alpha"], [])
            desired["alpha"].resources["wr2"] = big["alpha"]
            await w.pool.get("alpha").run(
                ["lvcreate", "--yes", "-L", "1g", "-n", "wr2_00000", "vg0"], check=True)
            rep = await workers["alpha"].sync(timeout=20)
            assert "AllowLargerVolumeSize" in (rep.resources["wr2"].error or "")
            desired["alpha"].resources["wr2"].volumes[0].allow_larger = True
            runs = workers["alpha"].runs
            await w.wait("retry applied wr2", lambda: workers["alpha"].runs > runs
                         and workers["alpha"].last_report is not None
                         and workers["alpha"].last_report.ok)

            # bravo restarts: its worker full-syncs by itself and removes a stale file
            bravo = w.pool.get("bravo")
            await bravo.write_file(f"{RES_DIR}/old.res", "# stale\n")
            await w.cluster.node("bravo").stop()
            await bravo.wait_status(LinkStatus.OFFLINE, timeout=20)
            await w.cluster.node("bravo").start()
            await w.wait("bravo full-synced after the restart", lambda: (
                (rep := workers["bravo"].last_report) is not None and rep.full_sync
                and rep.removed_files == [f"{RES_DIR}/old.res"]))
            await w.wait("wr1 UpToDate again", lambda: w.disk("bravo", "wr1") == "UpToDate")
        finally:
            for wk in workers.values():
                await wk.stop()


async def test_sync_reports_bad_desired_state(tmp_path: Path) -> None:
    async with running_world(tmp_path, names=["alpha", "bravo"]) as w:
        bad = NodeDesired("not a node name")
        wk = NodeWorker(w.pool.get("alpha"), lambda: bad, retry_min=5, retry_max=5)
        wk.start()
        try:
            try:
                await wk.sync(timeout=20)
            except ValueError as exc:
                assert "node" in str(exc)
            else:
                raise AssertionError("bad desired state was accepted")
        finally:
            await wk.stop()
