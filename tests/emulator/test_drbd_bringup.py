"""Bring-up of a fresh 2-node resource as events2 shows it (drbd.md §1, §7.1)."""

from __future__ import annotations

from drbdeck.collectors.events2 import parse_line
from tests.emulator.test_drbd_fakes import (
    GIB,
    Stream,
    bring_up,
    install,
    make_cluster,
    make_rc,
    run,
)

ALPHA_UP = [
    "create resource name:r0 role:Secondary suspended:no force-io-failures:no "
    "may_promote:no promotion_score:0",
    "create device name:r0 volume:0 minor:1000 backing_dev:none disk:Diskless client:no "
    "quorum:yes",
    "create connection name:r0 peer-node-id:1 conn-name:bravo connection:StandAlone "
    "role:Unknown",
    "create peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:Off "
    "peer-disk:DUnknown peer-client:no resync-suspended:no",
    "create path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 "
    "peer:ipv4:10.0.0.2:7000 established:no",
    "change device name:r0 volume:0 minor:1000 backing_dev:none disk:Attaching client:no "
    "quorum:yes",
    "change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 "
    "disk:Inconsistent client:no quorum:yes",
    "change connection name:r0 peer-node-id:1 conn-name:bravo connection:Connecting",
]


def _parse_all(lines: list[str]) -> None:
    for line in lines:
        parse_line(line)


async def test_fresh_two_nodes_up_primary_force_full_sync() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    rc = make_rc(cl)
    install(cl, rc)
    for n in (a, b):
        r = await run(n, "drbdadm", "create-md", "--max-peers=2", "r0")
        assert r.rc == 0, r.err
        assert "New drbd meta data block successfully created." in r.out
    sa = Stream(a, "all")
    assert await sa.take() == ["exists -"]
    assert (await run(a, "drbdadm", "up", "r0")).rc == 0
    assert await sa.take() == ALPHA_UP

    sb = Stream(b, "all", "--statistics")
    await sb.take()
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    got = await sa.take()
    assert got == [
        "change connection name:r0 peer-node-id:1 conn-name:bravo connection:Connected "
        "role:Secondary",
        "change path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 "
        "peer:ipv4:10.0.0.2:7000 established:yes",
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
        "replication:Established peer-disk:Inconsistent peer-client:no",
    ]
    _parse_all(got + await sb.lines())

    dump = (await run(a, "drbdsetup", "events2", "--now", "all")).out.splitlines()
    assert dump == [
        "exists resource name:r0 role:Secondary suspended:no force-io-failures:no "
        "may_promote:no promotion_score:0",
        "exists connection name:r0 peer-node-id:1 conn-name:bravo connection:Connected "
        "role:Secondary",
        "exists device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 "
        "disk:Inconsistent client:no quorum:yes",
        "exists peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
        "replication:Established peer-disk:Inconsistent peer-client:no resync-suspended:no",
        "exists path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 "
        "peer:ipv4:10.0.0.2:7000 established:yes",
        "exists -",
    ]

    # primary --force: alpha UpToDate, full sync to bravo through the intermediate states
    r = await run(a, "drbdadm", "primary", "r0")
    assert r.rc == 11 and "(-2) Need access to UpToDate data" in r.err
    assert "Command 'drbdsetup primary r0' terminated with exit code 11" in r.err
    await sb.take()
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    got = await sa.take()
    reps = [ln.split("replication:")[1].split()[0] for ln in got if "replication:" in ln]
    assert reps == ["WFBitMapS", "SyncSource"]
    assert got[0] == (
        "change resource name:r0 role:Primary may_promote:no promotion_score:10101"
    )
    assert (
        "change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 "
        "disk:UpToDate client:no quorum:yes" in got
    )
    assert got[-1] == (
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
        "replication:SyncSource done:0.00"
    )
    gb = await sb.take()
    _parse_all(gb)
    reps = [ln.split("replication:")[1].split()[0] for ln in gb if "replication:" in ln]
    assert reps == ["WFBitMapT", "WFSyncUUID", "SyncTarget"]
    assert any("role:Primary" in ln and ln.startswith("change connection") for ln in gb)
    assert not any(ln.startswith("change device") for ln in gb)  # Inconsistent all along

    # progress: one done: line per 3 simulated seconds, with statistics on bravo's stream
    size_kib = a.drbd.device_size_bytes(1000) // 1024
    assert size_kib == 1048476  # 1 GiB, 2 peers: drbd.md §6.2 table
    cl.network.step(1.0)
    assert await sa.take() == []
    cl.network.step(2.0)
    got = await sa.take()
    assert len(got) == 1 and got[0].startswith(
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:29.30"
    )
    gb = await sb.take()
    ev = parse_line(gb[0])
    assert ev.fields["done"] == "29.30" and ev.fields["dbdt1"] == "100.00"
    assert ev.fields["eta"] == "7"
    for _ in range(4):
        cl.network.step(3.0)
    got = await sa.take()
    assert got[-1] == (
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
        "replication:Established peer-disk:UpToDate peer-client:no"
    )
    assert got[-2] == "change resource name:r0 may_promote:no promotion_score:10102"
    gb = await sb.take()
    assert any("disk:UpToDate" in ln and ln.startswith("change device") for ln in gb)
    assert a.drbd.data_version("r0", 0) == b.drbd.data_version("r0", 0)
    recs = cl.network.facts.resyncs
    assert [(x.source, x.target, x.kind, x.kib, x.finished) for x in recs] == [
        ("alpha", "bravo", "full", size_kib, True)
    ]
    assert cl.network.facts.create_md[("alpha", "/dev/vg0/r0_00000")] == 1
    assert await sa.close() == 0 and await sb.close() == 0


async def test_timestamps_prefix_every_line() -> None:
    cl = make_cluster(["alpha", "bravo"])
    await bring_up(cl, make_rc(cl))
    r = await run(cl.nodes["alpha"], "drbdsetup", "events2", "--timestamps", "--now", "all")
    lines = r.out.splitlines()
    stamps = {ln.split(" ", 1)[0] for ln in lines}
    assert len(stamps) == 1
    assert lines[-1].endswith(" exists -")
    import re

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d", stamps.pop())
    for ln in lines[:-1]:
        assert parse_line(ln).timestamp is not None


async def test_clear_bitmap_makes_both_uptodate_without_sync() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    sb = Stream(b, "all")
    await sb.take()
    r = await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0")
    assert r.rc == 1 and "requires a specific volume id" in r.err
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    got = await sb.take()
    assert "change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 " \
        "disk:UpToDate client:no quorum:yes" in got
    assert got[-1] == ("change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 "
                       "peer-disk:UpToDate peer-client:no")
    assert not any("Sync" in ln or "WFBitMap" in ln for ln in got)
    assert cl.network.facts.resyncs == []
    assert not cl.network.resyncs
    st = (await run(a, "drbdsetup", "events2", "--now", "all")).out
    assert "may_promote:yes promotion_score:10102" in st
    # primary works now without --force
    assert (await run(b, "drbdadm", "primary", "r0")).rc == 0
    assert await sb.close() == 0


async def test_bigger_disk_uses_min_agreed_size() -> None:
    cl = make_cluster(["alpha", "bravo"])
    cl.nodes["bravo"].devices["/dev/vg0/r0_00000"].size_bytes = 2 * GIB
    await bring_up(cl, make_rc(cl))
    for n in cl.nodes.values():
        assert n.drbd.device_size_bytes(1000) == 1048476 * 1024
    assert cl.nodes["alpha"].drbd.device_size_bytes(1001) is None


async def test_agreed_size_does_not_grow_when_the_small_peer_leaves() -> None:
    cl = make_cluster(["alpha", "bravo"])
    cl.nodes["alpha"].devices["/dev/vg0/r0_00000"].size_bytes = 2 * GIB
    await bring_up(cl, make_rc(cl))
    await cl.nodes["bravo"].stop()
    assert cl.nodes["alpha"].drbd.device_size_bytes(1000) == 1048476 * 1024
