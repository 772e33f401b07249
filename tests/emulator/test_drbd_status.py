"""drbdsetup status --json / show / events2 filters, and disk failure and restart corners."""

from __future__ import annotations

import json

from tests.emulator.test_drbd_fakes import Stream, bring_up, make_cluster, make_rc, run

DEVICE_KEYS = [
    "volume", "minor", "disk-state", "client", "quorum", "size", "read", "written",
    "al-writes", "bm-writes", "upper-pending", "lower-pending",
]
PD_KEYS = [
    "volume", "replication-state", "peer-disk-state", "peer-client", "resync-suspended",
    "received", "sent", "out-of-sync", "pending", "unacked", "has-sync-details",
    "has-online-verify-details", "percent-in-sync",
]
SYNC_KEYS = [
    "rs-total", "rs-dt-start-ms", "rs-paused-ms", "rs-dt0-ms", "rs-db0-sectors", "rs-dt1-ms",
    "rs-db1-sectors", "rs-failed", "rs-same-csum", "want", "db0/dt0 [MiB/s]",
    "db1/dt1 [MiB/s]", "estimated-seconds-to-finish", "db/dt [MiB/s]", "percent-resync-done",
]


async def test_status_json_shape_during_sync() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    out = (await run(b, "drbdsetup", "status", "--json")).out
    st = json.loads(out)
    res = st[0]
    assert list(res)[:3] == ["name", "node-id", "role"]
    assert (res["name"], res["node-id"], res["role"]) == ("r0", 1, "Secondary")
    assert list(res["devices"][0]) == DEVICE_KEYS
    pd = res["connections"][0]["peer_devices"][0]
    assert list(pd) == PD_KEYS + SYNC_KEYS
    assert pd["replication-state"] == "SyncTarget"
    assert pd["estimated-seconds-to-finish"] == 987654321  # no progress yet
    assert '"percent-in-sync": 0.00' in out
    cl.network.step(4.0)
    pd = json.loads((await run(b, "drbdsetup", "status", "--json")).out)[0][
        "connections"][0]["peer_devices"][0]
    assert pd["rs-total"] == 2 * 1048476
    assert pd["db1/dt1 [MiB/s]"] == 100.0
    assert 0 < pd["percent-resync-done"] < 100
    r = await run(b, "drbdsetup", "status", "nope", "--json")
    assert (r.rc, r.err) == (10, "nope: No such resource\n")
    text = (await run(b, "drbdsetup", "status")).out
    assert "replication:SyncTarget peer-disk:UpToDate done:" in text
    assert json.loads((await run(b, "drbdsetup", "status", "--json", "all")).out)[0]["name"]


async def test_show_json_and_text() -> None:
    cl = make_cluster(["alpha", "bravo", "charlie"])
    await bring_up(cl, make_rc(cl, diskless=("charlie",), options={"quorum": "majority"}))
    c = cl.nodes["charlie"]
    sj = json.loads((await run(c, "drbdsetup", "show", "--json")).out)
    assert sj[0]["resource"] == "r0" and sj[0]["options"] == {"quorum": "majority"}
    assert sj[0]["_this_host"]["volumes"][0]["disk"] == "none"
    con = sj[0]["connections"][0]
    assert con["_peer_node_id"] == 0 and con["net"]["_name"] == "alpha"
    assert con["paths"][0]["remote_host"] == {"address": "10.0.0.1", "port": 7000,
                                               "family": "ipv4"}
    text = (await run(c, "drbdsetup", "show", "r0")).out
    assert "_this_host {" in text and "_cstate Connected;" in text


async def test_events2_resource_filter_and_end_on_node_stop() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    await bring_up(cl, make_rc(cl))
    await bring_up(cl, make_rc(cl, name="r1", port=7001, minor=1001))
    r = await run(a, "drbdsetup", "events2", "--now", "r1")
    assert all(" name:r1 " in ln for ln in r.out.splitlines()[:-1])
    s = Stream(a, "r0")
    await s.take()
    assert (await run(a, "drbdadm", "down", "r1")).rc == 0
    assert await s.take() == []
    assert (await run(a, "drbdadm", "down", "r0")).rc == 0
    got = await s.take()
    assert got[-1] == "destroy resource name:r0"
    assert [ln.split()[:2] for ln in got[-5:]] == [
        ["destroy", "path"], ["destroy", "peer-device"], ["destroy", "connection"],
        ["destroy", "device"], ["destroy", "resource"],
    ]
    await a.stop()
    assert await s.task == 0  # the stream ends with the kernel
    r = await run(cl.nodes["bravo"], "drbdsetup", "events2", "--bogus")
    assert r.rc == 20 and "unrecognized option '--bogus'" in r.err


async def test_disk_failure_detaches() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    sb = Stream(b, "all")
    await sb.take()
    a.devices["/dev/vg0/r0_00000"].failed = True
    a.drbd.disk_failed("/dev/vg0/r0_00000")
    got = await sb.take()
    peer = [ln.split("peer-disk:")[1].split()[0] for ln in got if "peer-disk:" in ln]
    assert peer == ["Failed", "Diskless"]
    st = (await run(a, "drbdsetup", "events2", "--now", "all")).out
    assert "backing_dev:none disk:Diskless client:no" in st
    # the data is still reachable through bravo: promotion and writes work
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    v = a.drbd.write("r0", 0, 4096)
    assert b.drbd.data_version("r0", 0) == v
    await sb.close()


async def test_interrupted_full_sync_resumes_with_what_is_left() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    cl.network.step(6.0)  # 600 MiB of 1 GiB
    await b.stop()
    assert b.devices["/dev/vg0/r0_00000"].md.disk_state == "Inconsistent"
    b.start()
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    rec = cl.network.facts.resyncs
    assert [(x.kind, x.finished) for x in rec] == [("full", False), ("bitmap", False)]
    assert rec[1].kib == 1048476 - 6 * 102400
    cl.network.step(5.0)
    assert b.drbd.resources["r0"].devices[0].disk == "UpToDate"
    assert b.drbd.data_version("r0", 0) == a.drbd.data_version("r0", 0)


async def test_lonely_restarted_node_is_consistent_until_forced() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    await a.stop()
    await b.stop()
    a.start()
    assert (await run(a, "drbdadm", "up", "r0")).rc == 0
    assert a.drbd.resources["r0"].devices[0].disk == "Consistent"
    r = await run(a, "drbdadm", "primary", "r0")
    assert r.rc == 11
    b.start()
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    assert [n.drbd.resources["r0"].devices[0].disk for n in (a, b)] == ["UpToDate"] * 2
    assert cl.network.facts.resyncs == []


async def test_drbdmeta_direct() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    r = await run(a, "drbdmeta", "7", "v09", "/dev/vg0/r0_00000", "internal", "dstate")
    assert r.rc == 255
    r = await run(a, "drbdmeta", "7", "v09", "/dev/vg0/r0_00000", "internal", "create-md", "2")
    assert r.rc == 0
    r = await run(a, "drbdmeta", "7", "v09", "/dev/vg0/r0_00000", "internal", "dstate")
    assert (r.rc, r.out) == (0, "Inconsistent\n")
    r = await run(a, "drbdmeta", "7", "v09", "/dev/nope", "internal", "create-md", "2")
    assert r.rc == 20 and "open(/dev/nope) failed" in r.err


async def test_events2_full_prints_every_state_key() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    s = Stream(a, "all", "--full")
    await s.take()
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    got = await s.take()
    assert got[0] == ("change resource name:r0 role:Primary suspended:no force-io-failures:no "
                      "write-ordering:flush may_promote:no promotion_score:10102")
    await s.close()


async def test_detach_attach_and_resize() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    v = a.drbd.write("r0", 0, 4096)  # data exists: a fresh disk can't skip the sync
    sa = Stream(a, "all")
    await sa.take()
    assert (await run(b, "drbdadm", "detach", "r0/0")).rc == 0
    got = await sa.take()
    peer = [ln.split("peer-disk:")[1].split()[0] for ln in got if "peer-disk:" in ln]
    assert peer == ["Detaching", "Diskless"]
    # a replaced (fresh) disk is attached again and fully synced from alpha
    assert (await run(b, "drbdadm", "create-md", "--force", "--max-peers=2", "r0")).rc == 0
    assert (await run(b, "drbdadm", "attach", "r0")).rc == 0
    assert [(x.source, x.kind) for x in cl.network.facts.resyncs] == [("alpha", "full")]
    cl.network.step(20.0)
    assert b.drbd.resources["r0"].devices[0].disk == "UpToDate"
    assert b.drbd.data_version("r0", 0) == v
    # both backing devices grow: resize takes the new minimum
    for n in (a, b):
        n.devices["/dev/vg0/r0_00000"].size_bytes *= 2
    assert (await run(a, "drbdadm", "resize", "r0")).rc == 0
    from drbdeck.backend import mdsize

    want = mdsize.usable_bytes(2 << 30, 2)
    assert a.drbd.device_size_bytes(1000) == b.drbd.device_size_bytes(1000) == want
    await sa.close()
