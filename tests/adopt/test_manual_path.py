"""The migration post's manual path, command by command, against a RUNNING hand-made
resource (``emulator/handmade.py``), through CLI → REST → controller → SSH → emulator.

What must hold (issue 5): the data, the metadata (no create-md, same generation UUIDs)
and the connection survive — no disconnect, no resync — and the resource ends up managed
and UpToDate. The post's "stop the satellites" step is not taken: drbdeck must make it
unnecessary (a replica of a hand-made resource is not applied until every peer the
resource is connected to is part of the definition; see the reconciler's plan).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend import resfile
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.emulator.cluster import Cluster
from tests.integration.test_seed_walk import GIB_KIB, walk

NAMES = ["eagle", "rabbit"]
IDS = {"eagle": 4, "rabbit": 8}


def _install(cluster: Cluster) -> None:
    cluster.install_handmade()


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_manual_migration_of_running_resource(tmp_path: Path, use_async: bool) -> None:
    async with walk(tmp_path, NAMES, {"datastore": 4 * GIB_KIB}, prepare=_install) as w:
        before = w.cluster.resource_facts("legacy")
        assert before.create_md == 2 and before.connection_drops == 0
        for n in NAMES:
            await w.node_create(n, "Combined")
        await w.wait("nodes online", lambda: all(w.rt.is_connected(n) for n in NAMES))
        for n in NAMES:
            await w.ok("storage-pool", "create", "lvm", n, "fatpool", "datastore")
        await w.ok("resource-definition", "create", "legacy", "-p", "15500")
        await w.ok("resource-definition", "set-property", "legacy",
                   "PeerSlotsNewResource", "4")
        await w.ok("volume-definition", "create", "legacy", "-n", "10", "-m", "9100",
                   "1371956KiB")
        await w.ok("volume-definition", "set-property", "legacy", "10",
                   "AllowLargerVolumeSize", "true")
        await w.ok("volume-definition", "set-property", "legacy", "10",
                   "OverrideVlmId", "legacy")
        for n in NAMES:  # mv /etc/drbd.d/legacy.res /etc/drbd.d/legacy.res.disabled
            w.cluster.node(n).fs.rename("/etc/drbd.d/legacy.res",
                                        "/etc/drbd.d/legacy.res.disabled")
        tail = ["--async"] if use_async else []
        await w.ok("resource", "create", "--node-id", "4", "-s", "fatpool", "eagle",
                   "legacy", *tail)
        # the first replica alone must not be applied: that would drop the link to rabbit
        await w.rt.worker("eagle").sync(timeout=20)
        assert w.cluster.resource_facts("legacy") == before
        await w.ok("resource", "create", "--node-id", "8", "-s", "fatpool", "rabbit",
                   "legacy", *tail)

        def managed() -> bool:
            return all(w.cluster.node(n).fs.exists(f"{RES_DIR}/legacy.res")
                       and w.rt.apply_error("legacy", n) is None
                       and w.state("legacy", n, 10) == "UpToDate" for n in NAMES)
        await w.wait("legacy managed and UpToDate on both", managed)
        for n in NAMES:
            await w.rt.worker(n).sync(timeout=20)  # one more full pass changes nothing
        after = w.cluster.resource_facts("legacy")
        assert after == before, (before, after)
        for n in NAMES:
            node = w.cluster.node(n)
            res = node.drbd.resources["legacy"]
            assert [c.cstate for c in res.connections.values()] == ["Connected"]
            assert res.devices[10].disk == "UpToDate"
            assert res.node_id == IDS[n]
            assert node.lvm.lv("datastore", "legacy").size_bytes // 1024 == 1372160
            [rc] = resfile.parse(node.fs.read_text(f"{RES_DIR}/legacy.res"), "legacy.res")
            assert {h: hc.node_id for h, hc in rc.hosts.items()} == IDS
            assert rc.hosts[n].volumes[10].minor == 9100
        assert not [e for e in w.rt.pool.command_log if "create-md" in e.command]
        # the post carries no secret over: drbdeck's own is set on the live connection by
        # adjust (net-options, no reconnect) on both ends — they agree afterwards
        nets = [dict(c.net) for n in NAMES
                for c in w.cluster.node(n).drbd.resources["legacy"].connections.values()]
        assert nets[0] == nets[1] and nets[0].get("shared-secret")
        rl = await w.ok("resource", "list")
        assert rl.count("UpToDate") == 2, rl
