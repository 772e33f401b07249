"""The events2 stream, replayed with drbdsetup's diff semantics, must always rebuild exactly
the state a fresh ``events2 --now`` dump shows — through a long scenario of failures."""

from __future__ import annotations

from drbdeck.collectors.events2 import parse_line
from tests.emulator.test_drbd_fakes import (
    FakeCluster,
    Stream,
    bring_up,
    make_cluster,
    make_rc,
    run,
)

Tree = dict[tuple[str, ...], dict[str, str]]
_IDENT = {
    "resource": ("name",),
    "connection": ("name", "peer-node-id"),
    "device": ("name", "volume"),
    "peer-device": ("name", "peer-node-id", "volume"),
    "path": ("name", "peer-node-id", "local", "peer"),
}


def replay(lines: list[str], tree: Tree | None = None) -> Tree:
    tree = {} if tree is None else tree
    for line in lines:
        ev = parse_line(line)
        if ev.object in ("helper", "-"):
            continue
        f = dict(ev.fields)
        f.pop("done", None)  # progress, absent once a resync ends
        key = (ev.object, *(f[k] for k in _IDENT[ev.object]))
        if ev.action in ("exists", "create"):
            assert key not in tree or ev.action == "exists", line
            tree[key] = f
        elif ev.action == "change":
            assert key in tree, f"change for unknown object: {line}"
            tree[key].update(f)
        elif ev.action == "destroy":
            assert key in tree, f"destroy of unknown object: {line}"
            del tree[key]
    return tree


async def _check(cl: FakeCluster, streams: dict[str, Stream], trees: dict[str, Tree]) -> None:
    for name, s in streams.items():
        replay(await s.take(), trees[name])
        dump = (await run(cl.nodes[name], "drbdsetup", "events2", "--now", "all")).out
        assert trees[name] == replay(dump.splitlines()), name


async def test_stream_replay_matches_dump_through_failures() -> None:
    cl = make_cluster(["alpha", "bravo", "charlie"])
    a, b, c = (cl.nodes[n] for n in ("alpha", "bravo", "charlie"))
    streams = {n: Stream(cl.nodes[n], "all") for n in cl.nodes}
    trees: dict[str, Tree] = {n: {} for n in cl.nodes}
    rc = make_rc(cl, diskless=("charlie",), options={"quorum": "majority"})
    await bring_up(cl, rc)
    await _check(cl, streams, trees)
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    cl.network.step(4.0)
    await _check(cl, streams, trees)
    cl.network.step(20.0)
    a.drbd.write("r0", 0, 1 << 20)
    await _check(cl, streams, trees)

    await b.stop()
    a.drbd.write("r0", 0, 5 << 20)
    del streams["bravo"]
    await _check(cl, streams, trees)
    b.start()
    streams["bravo"], trees["bravo"] = Stream(b, "all"), {}
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    await _check(cl, streams, trees)
    cl.network.step(3.0)
    await _check(cl, streams, trees)

    cl.network.cut("alpha", "charlie")
    await _check(cl, streams, trees)
    cl.network.restore("alpha", "charlie")
    assert (await run(c, "drbdadm", "disconnect", "r0:bravo")).rc == 0
    await _check(cl, streams, trees)
    assert (await run(c, "drbdadm", "adjust", "r0")).rc == 0
    assert (await run(a, "drbdadm", "secondary", "r0")).rc == 0
    assert (await run(c, "drbdadm", "primary", "r0")).rc == 0
    c.drbd.write("r0", 0, 4096)
    await _check(cl, streams, trees)
    assert (await run(c, "drbdadm", "secondary", "r0")).rc == 0
    assert (await run(b, "drbdadm", "down", "r0")).rc == 0
    await _check(cl, streams, trees)
    assert (await run(b, "drbdadm", "up", "r0")).rc == 0
    cl.network.step(3.0)
    b.devices["/dev/vg0/r0_00000"].failed = True
    b.drbd.disk_failed("/dev/vg0/r0_00000")
    await _check(cl, streams, trees)
    for s in streams.values():
        assert await s.close() == 0


async def test_collector_reads_progress_from_emulated_stream() -> None:
    from drbdeck.collectors.drbdstate import DrbdState

    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    await bring_up(cl, make_rc(cl))
    s = Stream(a, "all", "--statistics")
    ds = DrbdState("alpha")
    ds.feed_many(await s.take())
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    cl.network.step(3.0)
    ds.feed_many(await s.take())
    pd = ds.resources["r0"].connections[1].peer_devices[0]
    assert pd.is_syncing and pd.done == 29.30
    assert pd.resync_speed_kib_s == 102400.0 and pd.eta_s == 7.0
    assert pd.raw["sent"] == str(3 * 102400)
    cl.network.step(30.0)
    ds.feed_many(await s.take())
    assert pd.is_healthy and ds.malformed == 0
    await s.close()
