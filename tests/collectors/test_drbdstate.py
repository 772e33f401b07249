"""DrbdState: diff semantics, derived resync figures, robustness (drbd.md §1.2, §1.6, §7.6)."""

from __future__ import annotations

import logging

import pytest

from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.collectors.events2 import parse_line
from tests.collectors import samples

PD1 = "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def snapshot(state: DrbdState) -> dict[str, object]:
    """Every object's raw keys, for comparing two states."""
    out: dict[str, object] = {}
    for name, res in state.resources.items():
        out[name] = {
            "raw": dict(res.raw),
            "devices": {v: dict(d.raw) for v, d in res.devices.items()},
            "connections": {
                p: {
                    "raw": dict(c.raw),
                    "pds": {v: dict(pd.raw) for v, pd in c.peer_devices.items()},
                    "paths": {k: dict(p.raw) for k, p in c.paths.items()},
                }
                for p, c in res.connections.items()
            },
        }
    return out


def feed_all(state: DrbdState, lines: list[str]) -> None:
    for line in lines:
        state.feed(line)


def test_alpha_initial_dump() -> None:
    st = DrbdState("alpha")
    idx = samples.ALPHA.index("2025-06-02T12:00:00.005127+00:00 exists -")
    feed_all(st, samples.ALPHA[:idx])
    assert not st.initial_done
    st.feed(samples.ALPHA[idx])
    assert st.initial_done
    assert st.malformed == 0
    res = st.resources["r0"]
    assert res.role == "Primary" and res.suspended == "no"
    assert res.promotion_score == 10101 and res.may_promote is False
    assert sorted(res.connections) == [1, 2]
    bravo, charlie = res.connections[1], res.connections[2]
    assert bravo.name == "bravo" and bravo.connection == "Connecting" and bravo.role == "Unknown"
    assert charlie.is_connected and charlie.role == "Secondary"
    dev = res.devices[0]
    assert dev.minor == 1000 and dev.disk == "UpToDate" and dev.quorum is True
    assert dev.backing_dev == "/dev/vg0/r0_00000" and dev.client is False and dev.open is True
    assert res.disk_states() == {0: "UpToDate"}
    assert charlie.peer_devices[0].is_healthy  # diskless client peer
    assert bravo.peer_devices[0].replication == "Off"
    path = bravo.paths[("ipv4:10.0.0.1:7000", "ipv4:10.0.0.2:7000")]
    assert path.established is False
    assert res.problems() == ["bravo: Connecting"]
    assert not res.is_healthy
    assert res.connection_by_name("charlie") is charlie


def test_alpha_resync_progress_and_end() -> None:
    st = DrbdState("alpha")
    lines = samples.ALPHA
    at = next(i for i, line in enumerate(lines) if line.endswith("done:37.50"))
    feed_all(st, lines[: at + 1])
    res = st.resources["r0"]
    pd = res.connections[1].peer_devices[0]
    assert pd.replication == "SyncSource" and pd.peer_disk == "Inconsistent"
    assert pd.is_syncing and not pd.is_paused
    assert pd.done == pytest.approx(37.5)
    assert res.is_syncing and res.sync_progress == pytest.approx(37.5)
    assert "bravo volume 0: SyncSource 37.50%" in res.problems()
    # ETA from done% over time: 37.5 % in 6.019 s -> 62.5 % left
    dt = 47.580915 - 41.561930
    assert pd.eta_s == pytest.approx(62.5 * dt / 37.5)
    # Speed needs a size: unknown without --statistics until the caller gives a hint.
    assert pd.resync_speed_kib_s is None
    res.devices[0].size_hint_kib = 1371956
    assert pd.resync_speed_kib_s == pytest.approx(0.375 * 1371956 / dt)
    assert pd.speed_source == "done×total"

    feed_all(st, lines[at + 1 :])
    assert pd.replication == "Established" and pd.peer_disk == "UpToDate"
    assert pd.done is None and pd.eta_s is None and pd.resync_speed_kib_s is None
    assert "done" not in pd.raw  # stale progress dropped on the phase change
    assert res.promotion_score == 10102
    assert res.problems() == [] and res.is_healthy
    assert st.malformed == 0


def test_bravo_inconsistent_synctarget_uptodate() -> None:
    st = DrbdState("bravo")
    seen: list[tuple[str, str | None]] = []

    def watch(name: str | None) -> None:
        res = st.resources.get(name or "")
        dev = res.devices.get(0) if res else None
        if dev is not None:
            seen.append(
                (
                    dev.disk,
                    res.connections[0].peer_devices[0].replication
                    if 0 in res.connections and 0 in res.connections[0].peer_devices
                    else None,
                )
            )

    st.add_listener(watch)
    feed_all(st, samples.BRAVO)
    assert st.malformed == 0
    disks = [d for d, _ in seen]
    assert disks[0] == "Consistent"
    order = []
    for d in disks:
        if not order or order[-1] != d:
            order.append(d)
    assert order == ["Consistent", "Outdated", "Inconsistent", "UpToDate"]
    assert ("Inconsistent", "SyncTarget") in seen
    res = st.resources["r0"]
    assert res.devices[0].disk == "UpToDate"
    assert res.connections[0].role == "Primary"
    assert res.last_helper == {
        "action": "response",
        "name": "r0",
        "peer-node-id": "0",
        "conn-name": "alpha",
        "volume": "0",
        "minor": "1000",
        "helper": "after-resync-target",
        "status": "0",
    }


def test_charlie_diskless_client_watches_peer_disk() -> None:
    st = DrbdState("charlie")
    feed_all(st, samples.CHARLIE)
    res = st.resources["r0"]
    assert res.devices[0].is_diskless_client and res.devices[0].is_healthy
    assert res.connections[1].peer_devices[0].peer_disk == "UpToDate"
    assert res.promotion_score == 2
    assert st.malformed == 0


def test_statistics_kernel_figures_win() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA_STATISTICS)
    pd = st.resources["r0"].connections[1].peer_devices[0]
    # no replication key was seen yet in this excerpt: make it a running resync
    st.feed(f"{PD1} replication:SyncSource peer-disk:Inconsistent peer-client:no")
    st.feed(samples.ALPHA_STATISTICS[-1])
    assert pd.resync_speed_kib_s == pytest.approx(85.55 * 1024)
    assert pd.speed_source == "kernel"
    assert pd.eta_s == 10
    assert pd.out_of_sync_kib == 857472
    assert st.resources["r0"].devices[0].size_kib == 1371956
    st.feed(f"{PD1} done:37.50 dbdt1:0.00 eta:nan")
    assert pd.eta_s is None  # kernel says: no progress in the last window


def test_full_statistics_gives_rs_total() -> None:
    st = DrbdState()
    st.feed(samples.ALPHA_FULL_PROGRESS[0])
    pd = st.resources["r0"].connections[1].peer_devices[0]
    assert pd.resync_total_kib == 2743912 // 2
    assert pd.eta_s == 10


def test_out_of_sync_derived_speed_and_eta() -> None:
    clock = FakeClock()
    st = DrbdState(clock=clock)
    st.feed(
        "exists peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
        "replication:SyncTarget peer-disk:UpToDate peer-client:no resync-suspended:no "
        "done:0.00 out-of-sync:100000"
    )
    pd = st.resources["r0"].connections[1].peer_devices[0]
    assert pd.resync_speed_kib_s is None and pd.eta_s is None  # one sample only
    clock.now += 4
    st.feed(f"{PD1} done:20.00 out-of-sync:80000")
    assert pd.resync_speed_kib_s == pytest.approx(5000.0)
    assert pd.speed_source == "out-of-sync"
    assert pd.eta_s == pytest.approx(16.0)


def test_paused_resync_reports_zero_speed_and_no_eta() -> None:
    clock = FakeClock()
    st = DrbdState(clock=clock)
    st.feed(f"{PD1} replication:SyncTarget done:10.00")
    clock.now += 3
    st.feed(f"{PD1} done:20.00")
    pd = st.resources["r0"].connections[1].peer_devices[0]
    assert pd.eta_s == pytest.approx(24.0)
    st.feed(f"{PD1} replication:PausedSyncT done:20.00")
    assert pd.is_paused and pd.resync_speed_kib_s == 0.0 and pd.eta_s is None
    st.feed(f"{PD1} replication:SyncTarget resync-suspended:no")
    assert pd.eta_s is None  # samples restart after a pause
    st.feed(f"{PD1} resync-suspended:user")
    assert pd.is_paused and pd.eta_s is None


def test_new_resync_resets_samples_when_done_drops() -> None:
    clock = FakeClock()
    st = DrbdState(clock=clock)
    st.feed(f"{PD1} replication:SyncTarget done:50.00")
    clock.now += 3
    st.feed(f"{PD1} done:60.00")
    clock.now += 3
    st.feed(f"{PD1} done:1.00")
    pd = st.resources["r0"].connections[1].peer_devices[0]
    assert pd.eta_s is None  # only one sample of the new resync


def test_change_lines_without_state_keys() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA[:9])
    before = snapshot(st)
    gen = st.generation
    st.feed(PD1)
    st.feed("change resource name:r0")
    assert snapshot(st) == before
    assert st.generation == gen + 2
    assert st.malformed == 0


def test_rename_moves_resource_and_fast_path_follows() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA[:9])
    names: list[str | None] = []
    st.add_listener(names.append)
    st.feed("rename resource name:r0 new_name:data")
    assert list(st.resources) == ["data"]
    res = st.resources["data"]
    assert res.name == "data" and res.raw["name"] == "data"
    assert res.connections[1].peer_devices[0].raw["name"] == "data"
    assert names == ["r0", "data"]
    st.feed(f"{PD1} done:5.00")  # old name: a new implicit resource, not the renamed one
    assert "r0" in st.resources
    st.feed(
        "change peer-device name:data peer-node-id:1 conn-name:bravo volume:0 "
        "replication:SyncSource"
    )
    assert res.connections[1].peer_devices[0].replication == "SyncSource"


def test_rename_errors_are_malformed() -> None:
    st = DrbdState()
    st.feed("exists resource name:a role:Secondary")
    st.feed("exists resource name:b role:Secondary")
    st.feed("rename resource name:a")
    st.feed("rename resource name:a new_name:b")
    assert st.malformed == 2
    assert set(st.resources) == {"a", "b"}


def test_destroy_in_kernel_order() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA[:9])
    res = st.resources["r0"]
    bravo = res.connections[1]
    st.feed(
        "destroy path name:r0 peer-node-id:1 conn-name:bravo "
        "local:ipv4:10.0.0.1:7000 peer:ipv4:10.0.0.2:7000"
    )
    assert bravo.paths == {}
    st.feed("destroy peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0")
    assert bravo.peer_devices == {}
    st.feed("destroy connection name:r0 peer-node-id:1 conn-name:bravo")
    assert list(res.connections) == [2]
    st.feed("destroy device name:r0 volume:0 minor:1000")
    assert res.devices == {}
    assert "no volumes" in res.problems()
    st.feed("destroy resource name:r0")
    assert st.resources == {}
    # A change for the destroyed object must not resurrect the old object via the cache.
    st.feed(f"{PD1} done:1.00")
    assert st.resources["r0"] is not res
    assert st.malformed == 0


def test_destroy_of_unknown_objects_is_harmless() -> None:
    st = DrbdState()
    st.feed("destroy resource name:nope")
    st.feed("destroy connection name:nope peer-node-id:1 conn-name:x")
    st.feed("destroy device name:nope volume:0 minor:1")
    st.feed(f"{PD1.replace('change', 'destroy')}")
    st.feed("destroy path name:nope peer-node-id:1 conn-name:x local:a peer:b")
    assert st.malformed == 0 and st.resources == {}


def test_exists_replaces_all_keys() -> None:
    st = DrbdState()
    st.feed("exists resource name:r0 role:Primary suspended:quorum write-ordering:flush")
    st.feed("exists resource name:r0 role:Secondary suspended:no")
    assert st.resources["r0"].raw == {"name": "r0", "role": "Secondary", "suspended": "no"}


def test_reset_and_take_dirty() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA[:9])
    assert st.take_dirty() is None  # 'exists -' means: repaint everything
    st.feed(f"{PD1} done:1.00")
    assert st.take_dirty() == {"r0"}
    assert st.take_dirty() == set()
    gen = st.generation
    st.reset()
    assert st.resources == {} and not st.initial_done and st.generation > gen
    assert st.take_dirty() is None
    feed_all(st, samples.ALPHA)
    assert st.resources["r0"].is_healthy


def test_listener_errors_are_contained(caplog: pytest.LogCaptureFixture) -> None:
    st = DrbdState()

    def broken(name: str | None) -> None:
        raise RuntimeError("ui bug")

    st.add_listener(broken)
    with caplog.at_level(logging.ERROR):
        st.feed("exists resource name:r0 role:Primary")
        st.feed("change resource name:r0 role:Secondary")
    assert st.resources["r0"].role == "Secondary"
    assert "listener" in caplog.text
    st.remove_listener(broken)


def test_resource_generation_tracks_changes() -> None:
    st = DrbdState()
    st.feed("exists resource name:a role:Primary")
    st.feed("exists resource name:b role:Primary")
    st.feed("change resource name:a role:Secondary")
    assert st.resources["a"].generation == st.generation
    assert st.resources["b"].generation < st.generation


def test_malformed_lines_are_counted_logged_and_rate_limited(
    caplog: pytest.LogCaptureFixture,
) -> None:
    st = DrbdState("alpha")
    with caplog.at_level(logging.WARNING):
        st.feed("garbage")
        st.feed("exists resource")
        st.feed("exists connection name:r0 peer-node-id:x conn-name:b")  # not an int
        st.feed("change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:zero")
    assert st.malformed == 4
    assert st.last_malformed is not None and "volume:zero" in st.last_malformed[0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "alpha" in warnings[0].getMessage() and "garbage" in warnings[0].getMessage()


def test_fast_path_rejects_what_the_parser_rejects() -> None:
    st = DrbdState()
    st.feed(f"{PD1.replace('change', 'exists')} replication:Established")
    bad = [
        f"{PD1} done",  # no colon
        f"{PD1} :5",  # empty key
        f"{PD1} volume:1",  # identity key twice
        f"{PD1} done:1 done:2",  # duplicate key
        f"{PD1}  done:1",  # double space
        f"{PD1} done:1 x",  # token without colon among several
        f"2025-99-02T12:00:00.000000+00:00 {PD1} done:1",  # bad timestamp
    ]
    feed_all(st, bad)
    assert st.malformed == len(bad)
    st.feed(f"{PD1} replication:\x1b[31mSyncSource\x1b[0m")
    assert st.resources["r0"].connections[1].peer_devices[0].replication == "SyncSource"


def test_fast_path_and_parser_path_agree_on_reference_samples() -> None:
    for block in (samples.ALPHA, samples.BRAVO, samples.CHARLIE, samples.ALPHA_STATISTICS):
        fast = DrbdState(clock=lambda: 5.0)
        slow = DrbdState(clock=lambda: 5.0)
        for line in block:
            fast.feed(line)
            slow.apply(parse_line(line))
        assert snapshot(fast) == snapshot(slow)
        assert fast.generation == slow.generation


def test_feed_many_skips_empty_lines_and_handles_crlf() -> None:
    st = DrbdState()
    st.feed_many(["exists resource name:r0 role:Primary\r\n", "", "exists -\n"])
    assert st.initial_done and st.resources["r0"].role == "Primary"
    assert st.malformed == 0


def test_rate_uses_only_the_recent_window() -> None:
    clock = FakeClock()
    st = DrbdState(clock=clock)
    st.feed(f"{PD1} replication:SyncTarget done:0.00")
    for dt, done in ((30, "10.00"), (3, "40.00"), (3, "70.00")):
        clock.now += dt
        st.feed(f"{PD1} done:{done}")
    pd = st.resources["r0"].connections[1].peer_devices[0]
    assert pd.last_progress_at == clock.now
    # window = samples within 20 s of the newest: 10 % -> 70 % in 6 s
    assert pd.eta_s == pytest.approx(30 * 6 / 60)
    st.feed(f"{PD1} done:garbage")
    assert pd.eta_s is None and pd.done is None


def test_feed_chunk_reassembles_lines() -> None:
    st = DrbdState()
    text = "\n".join(samples.ALPHA) + "\n"
    for i in range(0, len(text), 37):
        st.feed_chunk(text[i : i + 37])
    ref = DrbdState()
    feed_all(ref, samples.ALPHA)
    assert snapshot(st) == snapshot(ref) and st.initial_done and st.malformed == 0


def test_feed_chunk_drops_overlong_lines() -> None:
    from drbdeck.collectors.drbdstate import MAX_LINE

    st = DrbdState()
    st.feed_chunk("x" * (MAX_LINE + 1))
    assert st.malformed == 1
    st.feed_chunk("yyy\nexists -\n")  # the rest of the overlong line, then a good one
    assert st.malformed == 2 and st.initial_done
    st.feed_chunk("exists resource name:r0 ro")
    st.reset()  # the stream restarted: the partial line belongs to the old stream
    st.feed_chunk("le:Primary\nexists resource name:r1 role:Primary\n")
    assert list(st.resources) == ["r1"]


def test_aliases_named_in_the_brief() -> None:
    st = DrbdState()
    feed_all(st, samples.ALPHA_STATISTICS)
    res = st.resources["r0"]
    assert res.devices[0].size == res.devices[0].size_kib == 1371956
    conn = res.connections[1]
    assert conn.conn_name == conn.name == "bravo"
    assert conn.peer_devices[0].out_of_sync == 857472
