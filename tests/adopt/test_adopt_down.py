"""A hand-made resource that is DOWN: no DRBD device, so the net size and the peer slots
come from the metadata (``drbdmeta … dump-md``), cross-checked with the size math. Only
with ``--force`` (it is not connected); drbdeck then brings it up with its metadata as is.
"""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend import mdsize
from drbdeck.backend.adopt import adopt
from drbdeck.emulator.handmade import HandmadeSpec, HandmadeVolume
from tests.adopt.world import adopt_world

N2 = ["eagle", "rabbit"]


async def test_adopt_down_resource_reads_the_metadata(tmp_path: Path) -> None:
    # 100 MiB with 4 slots: 4 and 5 slots give the same net size, so only the metadata
    # can tell which it is
    spec = HandmadeSpec(volumes=[HandmadeVolume(size_mib=100)], state="down")
    assert mdsize.peer_slot_candidates(100 << 20, mdsize.usable_bytes(100 << 20, 4)) == [4, 5]
    async with adopt_world(tmp_path, N2, [spec]) as w:
        before = w.cluster.resource_facts("legacy", spec)
        res = await adopt(w.rt, N2, "legacy")
        assert res.refusal is not None and res.refusal.kind == "not-healthy", res
        assert "down" in res.refusal.reason
        res = await adopt(w.rt, N2, "legacy", force=True)
        assert res.ok, res
        rd = w.rt.model.rds["legacy"]
        assert rd.peer_slots == 4
        assert rd.volumes[10].size_kib == mdsize.usable_bytes(100 << 20, 4) // 1024
        await w.wait("up, connected, UpToDate", lambda: all(
            w.state("legacy", n, 10) == "UpToDate" for n in N2) and all(
            [c.cstate for c in w.cluster.node(n).drbd.resources["legacy"].connections
             .values()] == ["Connected"] for n in N2))
        after = w.cluster.resource_facts("legacy", spec)
        assert (after.resyncs, after.create_md, after.data, after.uuids) == \
            (before.resyncs, before.create_md, before.data, before.uuids)
        assert not [e for e in w.rt.pool.command_log
                    if "create-md" in e.command or "primary" in e.command]
