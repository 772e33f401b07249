"""Nodes and links going away and coming back (drbd.md §7.3–7.5)."""

from __future__ import annotations

from tests.emulator.test_drbd_fakes import Stream, bring_up, make_cluster, make_rc, run


async def _synced(names: list[str], diskless: tuple[str, ...] = (), **kw: object):  # type: ignore[no-untyped-def]
    cl = make_cluster(names)
    rc = make_rc(cl, diskless=diskless, **kw)  # type: ignore[arg-type]
    await bring_up(cl, rc)
    a = cl.nodes[names[0]]
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    return cl, rc


async def test_diskless_client_sees_peers_and_never_syncs() -> None:
    cl, _rc = await _synced(["alpha", "bravo", "charlie"], diskless=("charlie",))
    a, c = cl.nodes["alpha"], cl.nodes["charlie"]
    st = (await run(c, "drbdsetup", "events2", "--now", "all")).out.splitlines()
    assert ("exists device name:r0 volume:0 minor:1000 backing_dev:none disk:Diskless "
            "client:yes quorum:yes") in st
    assert ("exists peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 "
            "replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no") in st
    assert st[0].endswith("may_promote:yes promotion_score:2")
    sa = (await run(a, "drbdsetup", "events2", "--now", "all")).out
    assert ("peer-node-id:2 conn-name:charlie volume:0 replication:Established "
            "peer-disk:Diskless peer-client:yes") in sa
    # a client can be Primary; its writes land on both diskful nodes
    assert (await run(c, "drbdadm", "primary", "r0")).rc == 0
    v = c.drbd.write("r0", 0, 1 << 20)
    assert a.drbd.data_version("r0", 0) == v == cl.nodes["bravo"].drbd.data_version("r0", 0)
    assert c.drbd.device_size_bytes(1000) == a.drbd.device_size_bytes(1000)
    assert cl.network.facts.resyncs == []


async def test_stopped_node_seen_as_connecting_dunknown() -> None:
    cl, _rc = await _synced(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    sa = Stream(a, "all")
    await sa.take()
    await b.stop()
    got = await sa.take()
    assert got == [
        "change resource name:r0 may_promote:yes promotion_score:10101",
        "change connection name:r0 peer-node-id:1 conn-name:bravo connection:NetworkFailure "
        "role:Unknown",
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 replication:Off "
        "peer-disk:DUnknown peer-client:no",
        "change path name:r0 peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:7000 "
        "peer:ipv4:10.0.0.2:7000 established:no",
        "call helper name:r0 peer-node-id:1 conn-name:bravo helper:disconnected",
        "response helper name:r0 peer-node-id:1 conn-name:bravo helper:disconnected status:0",
        "change connection name:r0 peer-node-id:1 conn-name:bravo connection:Unconnected",
        "change connection name:r0 peer-node-id:1 conn-name:bravo connection:Connecting",
    ]
    assert cl.network.facts.connection_drops[("alpha", "r0", "bravo")] == 1
    await sa.close()


async def test_writes_while_peer_down_resync_only_written_blocks() -> None:
    cl, _rc = await _synced(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    v0 = a.drbd.write("r0", 0, 8192)
    assert b.drbd.data_version("r0", 0) == v0  # replicated while connected
    await b.stop()
    a.drbd.write("r0", 0, 10 * 1024 * 1024)  # 10 MiB
    v2 = a.drbd.write("r0", 0, 1000)  # 4 KiB block
    assert b.devices["/dev/vg0/r0_00000"].md.data_version == v0
    b.start()
    sb = Stream(b, "all")
    await sb.take()
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    got = sync_start = await sb.take()
    reps = [ln.split("replication:")[1].split()[0] for ln in got
            if "replication:" in ln and ln.startswith("change")]
    assert reps == ["WFBitMapT", "WFSyncUUID", "SyncTarget"]
    disks = [ln.split(" disk:")[1].split()[0] for ln in got if ln.startswith("change device")]
    assert disks[-2:] == ["Outdated", "Inconsistent"]
    rec = cl.network.facts.resyncs[-1]
    assert (rec.source, rec.target, rec.kind, rec.kib) == ("alpha", "bravo", "bitmap", 10244)
    js = (await run(a, "drbdsetup", "status", "--json")).out
    assert '"out-of-sync": 10244' in js and '"replication-state": "SyncSource"' in js
    cl.network.step(1.0)
    got = await sb.take()
    assert got[-3:] == [
        "change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 "
        "replication:Established",
        "call helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 "
        "helper:after-resync-target",
        "response helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 "
        "helper:after-resync-target status:0",
    ]
    assert ("call helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 "
            "helper:before-resync-target") in sync_start
    assert any(ln.endswith("disk:UpToDate client:no quorum:yes") for ln in got)
    assert b.drbd.data_version("r0", 0) == v2
    assert rec.finished
    await sb.close()


async def test_cut_and_restore_link() -> None:
    cl, _rc = await _synced(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    cl.network.cut("alpha", "bravo")
    a.drbd.write("r0", 0, 4096)
    st = (await run(b, "drbdsetup", "status", "--json")).out
    assert '"connection-state": "Connecting"' in st
    cl.network.set_rate("alpha", "bravo", 1024)
    cl.network.restore("alpha", "bravo")
    assert b.drbd.resources["r0"].devices[0].disk == "Inconsistent"
    cl.network.step(1.0)
    assert b.drbd.resources["r0"].devices[0].disk == "UpToDate"
    assert cl.network.facts.connection_drops[("bravo", "r0", "alpha")] == 1


async def test_graceful_down_of_secondary_outdates_it() -> None:
    cl, _rc = await _synced(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    sa = Stream(a, "all")
    await sa.take()
    assert (await run(b, "drbdadm", "down", "r0")).rc == 0
    got = await sa.take()
    assert got[1] == ("change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
                      "peer-disk:Outdated peer-client:no")
    assert "connection:TearDown" in got[2]
    assert got[-1].endswith("connection:Connecting")
    assert b.devices["/dev/vg0/r0_00000"].md.disk_state == "Outdated"
    assert (await run(b, "drbdsetup", "events2", "--now", "all")).out == "exists -\n"
    # back up: same generation, no resync needed; Outdated → UpToDate
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    assert b.drbd.resources["r0"].devices[0].disk == "UpToDate"
    assert cl.network.facts.resyncs == []
    await sa.close()


async def test_quorum_lost_and_suspended() -> None:
    cl, _rc = await _synced(
        ["alpha", "bravo", "charlie"], diskless=("charlie",),
        options={"quorum": "majority", "on-no-quorum": "suspend-io"},
    )
    a = cl.nodes["alpha"]
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    await cl.nodes["bravo"].stop()
    out = (await run(a, "drbdsetup", "events2", "--now", "all")).out
    assert "quorum:yes" in out  # 2 of 3
    await cl.nodes["charlie"].stop()
    out = (await run(a, "drbdsetup", "events2", "--now", "all")).out.splitlines()
    assert out[0].startswith("exists resource name:r0 role:Primary suspended:quorum")
    assert out[0].endswith("may_promote:no promotion_score:0")
    assert any("quorum:no" in ln for ln in out)


async def test_three_diskful_one_returns_syncs_from_one_source() -> None:
    cl, _rc = await _synced(["alpha", "bravo", "charlie"])
    a, b, c = (cl.nodes[n] for n in ("alpha", "bravo", "charlie"))
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    await c.stop()
    v = a.drbd.write("r0", 0, 40 * 1024 * 1024)
    assert b.drbd.data_version("r0", 0) == v
    c.start()
    assert (await run(c, "drbdadm", "up", "r0")).rc == 0
    assert len(cl.network.resyncs) == 1
    (rec,) = cl.network.facts.resyncs
    assert (rec.source, rec.target, rec.kind, rec.kib) == ("alpha", "charlie", "bitmap", 40960)
    # the source goes away mid-sync: charlie continues from bravo
    cl.network.step(0.2)
    await a.stop()
    assert [(x.source, x.kind) for x in cl.network.facts.resyncs] == [
        ("alpha", "bitmap"), ("bravo", "bitmap")
    ]
    cl.network.step(1.0)
    assert not cl.network.resyncs
    assert c.drbd.data_version("r0", 0) == v
    assert c.drbd.resources["r0"].devices[0].disk == "UpToDate"
    bmd = b.devices["/dev/vg0/r0_00000"].md
    assert bmd.slots.get(2) is None  # bravo's bitmap for charlie settled
    a.start()
    assert (await run(a, "drbdadm", "up", "r0")).rc == 0
    assert len(cl.network.facts.resyncs) == 2  # nothing to resync towards alpha
    assert a.drbd.resources["r0"].devices[0].disk == "UpToDate"


async def test_ticker_runs_only_while_resyncing() -> None:
    import asyncio

    from drbdeck.emulator.drbd import Network

    t = [0.0]

    def clock() -> float:
        t[0] += 2.0  # every tick is two simulated seconds
        return t[0]

    cl = make_cluster(["alpha", "bravo"])
    cl.network = Network(tick_s=0.001, clock=clock)
    for n in cl.nodes.values():
        n.start()
    await bring_up(cl, make_rc(cl))
    a = cl.nodes["alpha"]
    assert cl.network._task is None
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    task = cl.network._task
    assert task is not None
    await asyncio.wait_for(task, 5)
    assert not cl.network.resyncs
    assert cl.nodes["bravo"].drbd.resources["r0"].devices[0].disk == "UpToDate"
    await cl.network.close()
