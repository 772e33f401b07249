"""What the emulated kernel keeps per object must not load the cyclic GC (bench_scale's
full collections took 0.6-0.8 s while ~80 k printed snapshots were made of lists)."""

from __future__ import annotations

import gc

from drbdeck.emulator.drbd.objects import GROUPS
from tests.emulator.test_drbd_fakes import Stream, bring_up, make_cluster, make_rc, run


async def test_printed_snapshots_are_untracked_by_gc() -> None:
    cl = make_cluster(["alpha", "bravo", "charlie"])
    await bring_up(cl, make_rc(cl))
    printed = cl.nodes["alpha"].drbd.resources["r0"].printed
    assert len(printed) == 8  # resource, 2 connections, device, 2 peer-devices, 2 paths
    for _ in range(4):  # each pass untracks one more level of nesting
        gc.collect()
    tracked = [key for key, stored in printed.items() if gc.is_tracked(stored)]
    assert tracked == []
    assert all(type(stored) is tuple for stored in printed.values())


async def test_statistics_alone_print_nothing_and_states_still_do() -> None:
    """A commit compares only state groups: a write changes statistics (no line), a role
    change prints exactly the changed groups with the up-to-date statistics."""
    cl = make_cluster(["alpha", "bravo"])
    await bring_up(cl, make_rc(cl))
    a = cl.nodes["alpha"]
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    s = Stream(a, "all", "--statistics")
    await s.take()
    res = a.drbd.resources["r0"]
    res.devices[0].read_kib += 4
    a.drbd.commit(res)
    assert await s.take() == []
    before = res.printed[("resource",)][GROUPS]
    assert (await run(a, "drbdadm", "secondary", "r0")).rc == 0
    got = await s.take()
    assert got[0] == ("change resource name:r0 role:Secondary may_promote:yes "
                      "promotion_score:10101")
    assert res.printed[("resource",)][GROUPS] != before
    dump = (await run(a, "drbdsetup", "events2", "--now", "--statistics", "r0")).out
    assert " read:4 " in dump
    await s.close()


async def test_publish_commits_a_peer_only_when_its_view_changed() -> None:
    """Re-publishing an unchanged role/disk to a peer must not run a commit there (those
    were a fifth of all commits at bring-up); a real change still reaches the peer."""
    cl = make_cluster(["alpha", "bravo"])
    await bring_up(cl, make_rc(cl))
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    commits: list[str] = []
    inner = b.drbd.commit

    def counting(res: object, *args: object, **kwargs: object) -> None:
        commits.append(getattr(res, "name", ""))
        inner(res, *args, **kwargs)  # type: ignore[arg-type]

    b.drbd.commit = counting  # type: ignore[method-assign]
    res = a.drbd.resources["r0"]
    a.drbd.publish(res)
    assert commits == []
    sb = Stream(b, "all")
    await sb.take()
    assert (await run(a, "drbdadm", "primary", "--force", "r0")).rc == 0
    assert commits  # the new role (and disk) reached bravo through a commit
    got = await sb.take()
    assert "change connection name:r0 peer-node-id:0 conn-name:alpha role:Primary" in got
    await sb.close()
