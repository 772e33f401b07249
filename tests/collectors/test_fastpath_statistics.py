"""The --statistics --timestamps fast path: field templates, lazy progress values, and the
per-second timestamp cache must give exactly what the validating parser path gives."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drbdeck.collectors import fieldtemplates
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.collectors.events2 import Events2ParseError, parse_line, parse_timestamp
from tests.collectors.test_drbdstate import snapshot

PD = "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0"
SETUP = [
    "exists resource name:r0 role:Primary suspended:no force-io-failures:no",
    "exists device name:r0 volume:0 minor:1000 disk:UpToDate client:no quorum:yes size:1000",
    "exists connection name:r0 peer-node-id:1 conn-name:bravo connection:Connected role:Secondary",
    "exists peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 "
    "replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no",
    "exists -",
    f"{PD} replication:SyncSource peer-disk:Inconsistent",
]


def stats(done: float, oos: int, dbdt1: str = "10.00", eta: str = "5") -> str:
    return (
        f"{PD} done:{done:.2f} received:0 sent:{oos // 2} out-of-sync:{oos} pending:0 "
        f"unacked:0 dbdt1:{dbdt1} eta:{eta}"
    )


def both(lines: list[str]) -> tuple[DrbdState, DrbdState]:
    """The same lines through feed() (fast paths) and through parse_line+apply."""
    fast = DrbdState(clock=lambda: 100.0)
    slow = DrbdState(clock=lambda: 100.0)
    for line in lines:
        fast.feed(line)
        try:
            slow.apply(parse_line(line))
        except (Events2ParseError, ValueError):
            slow.malformed += 1
    return fast, slow


def pd_of(state: DrbdState):
    return state.resources["r0"].connections[1].peer_devices[0]


def assert_same(fast: DrbdState, slow: DrbdState) -> None:
    assert fast.malformed == slow.malformed
    assert snapshot(fast) == snapshot(slow)
    a, b = pd_of(fast), pd_of(slow)
    assert list(a._samples) == list(b._samples)
    assert (a.resync_speed_kib_s, a.speed_source, a.eta_s) == (
        b.resync_speed_kib_s,
        b.speed_source,
        b.eta_s,
    )


def test_statistics_keys_applied_for_speed_and_eta() -> None:
    lines = SETUP + [stats(10.0 * i, 900 - 100 * i, f"{i}.50", str(20 - i)) for i in range(1, 6)]
    fast, slow = both(lines)
    assert fast._hot is not None  # the whole-line template really was used
    pd = pd_of(fast)
    assert pd.raw["done"] == "50.00"
    assert pd.out_of_sync_kib == 400
    assert pd.resync_speed_kib_s == 5.5 * 1024.0
    assert pd.speed_source == "kernel"
    assert pd.eta_s == 15.0
    assert pd.done == 50.0
    assert len(pd._samples) == 5
    assert_same(fast, slow)


def test_layout_changes_keep_older_keys_and_order() -> None:
    """A parked progress match is folded in before a line of another layout applies."""
    lines = [
        *SETUP,
        stats(10, 900),
        stats(20, 800),
        stats(30, 700),  # parked (lazy) values
        f"{PD} done:40.00 out-of-sync:600",  # another layout: eta/dbdt1 must survive
        f"{PD} done:45.00 out-of-sync:550",
        f"{PD} done:50.00 out-of-sync:500",
        stats(60, 400, eta="nan"),
        f"{PD} replication:Established peer-disk:UpToDate",  # drops progress keys
        f"{PD} received:5 sent:6",
        f"{PD} received:7 sent:8",
    ]
    for upto in range(len(SETUP), len(lines) + 1):
        fast, slow = both(lines[:upto])
        assert_same(fast, slow)
    pd = pd_of(fast)
    assert "done" not in pd.raw and pd.raw["sent"] == "8"
    assert pd.resync_speed_kib_s is None


def test_eta_nan_and_paused_through_fast_path() -> None:
    fast, slow = both([*SETUP, stats(1, 99, eta="nan"), stats(2, 98, eta="nan")])
    assert pd_of(fast).eta_s is None
    assert_same(fast, slow)
    fast, slow = both([*SETUP, stats(1, 99), f"{PD} resync-suspended:user", stats(2, 98)])
    assert pd_of(fast).resync_speed_kib_s == 0.0
    assert_same(fast, slow)


def test_unusual_values_in_a_known_layout_agree_with_the_parser() -> None:
    base = [*SETUP, stats(1, 99), stats(2, 98), stats(3, 97)]
    odd = [
        f"{PD} done:4.00 received:0 sent:1 out-of-sync:a:b pending:0 unacked:0 dbdt1:1 eta:5",
        f"{PD} done:4.00 received:0 sent:1 out-of-sync: pending:0 unacked:0 dbdt1:1 eta:5",
        f"{PD} done:\x1b[31m4.00\x1b[0m received:0 sent:1 out-of-sync:9 pending:0 unacked:0 "
        "dbdt1:1 eta:5",
        stats(5, 95) + " ",  # trailing space: empty token, malformed
        stats(5, 95).replace(" sent:", "  sent:"),  # double space: malformed
        stats(5, 95) + " done:6.00",  # a key twice: malformed
        stats(5, 95) + " volume:1",  # an identity key again: malformed
        stats(5, 95).replace("volume:0", "volume:1"),  # unknown peer device: parser path
    ]
    for line in odd:
        fast, slow = both([*base, line, stats(6, 94)])
        assert_same(fast, slow)
    fast, _ = both([*base, odd[0]])
    assert pd_of(fast).raw["out-of-sync"] == "a:b"


def test_timestamp_cache_follows_changing_seconds_and_offsets() -> None:
    stamps = [
        "2025-06-02T12:00:00.000001+00:00",
        "2025-06-02T12:00:00.999999+00:00",
        "2025-06-02T12:00:01.000000+00:00",  # next second
        "2025-06-02T14:00:01.500000+02:00",  # same instant, other offset
        "2025-06-02T12:00:01.250000+00:00",  # back to the earlier second text
        "2025-06-02T11:59:59.000000-01:30",
        "2025-12-31T23:59:59.999999+00:00",
        "2026-01-01T00:00:00.000000+00:00",  # year boundary
    ]
    lines = list(SETUP)
    for i, ts in enumerate(stamps):
        lines.append(f"{ts} {stats(i + 1, 99 - i)}")
    fast, slow = both(lines)
    assert_same(fast, slow)
    got = [t for t, _, _ in pd_of(fast)._samples]
    assert got == [parse_timestamp(ts) for ts in stamps]
    assert pd_of(fast).last_progress_at == parse_timestamp(stamps[-1])


def test_bad_timestamps_after_a_warm_cache_are_malformed() -> None:
    good = "2025-06-02T12:00:00.000001+00:00"
    bad = [
        "2025-06-02T12:00:00.00000x+00:00",  # same second and offset, bad microseconds
        "2025-13-02T12:00:00.000001+00:00",  # no month 13
        "2025-06-02T12:00:00.000001*00:00",  # no offset sign
        "2025-06-02T12:00:00.000001+00:0",  # short
    ]
    for b in bad:
        lines = [*SETUP, f"{good} {stats(1, 99)}", f"{good} {stats(2, 98)}", f"{b} {stats(3, 97)}"]
        fast, slow = both(lines)
        assert fast.malformed == 1, b
        assert_same(fast, slow)
    # fromisoformat() takes a decimal comma: the cached path must not judge differently
    comma = "2025-06-02T12:00:00,000001+00:00"
    fast, slow = both([*SETUP, f"{good} {stats(1, 99)}", f"{comma} {stats(2, 98)}"])
    assert_same(fast, slow)


def test_template_cache_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(fieldtemplates, "MAX_TEMPLATES", len(fieldtemplates._CACHE))
    assert fieldtemplates.template_for(("never-seen-a", "never-seen-b")) is None
    lines = [*SETUP] + [f"{PD} never-seen-a:{i} never-seen-b:{i}" for i in range(4)]
    fast, slow = both(lines)
    assert pd_of(fast).raw["never-seen-b"] == "3"
    assert_same(fast, slow)


def test_template_matches_exactly_the_layout() -> None:
    tpl = fieldtemplates.FieldTemplate(("a.b", "c"))
    assert tpl.match("a.b:1 c:2") is not None
    assert tpl.match("aXb:1 c:2") is None  # keys are literal, not regex
    assert tpl.match("a.b:1 c:2 d:3") is None
    assert tpl.match("a.b:1  c:2") is None
    m = tpl.match("a.b:x:y c:")
    assert m is not None and m.groups() == ("x:y", "")


# -- property: random statistics streams, fast path == parser path ----------------------

_seconds = st.sampled_from(["2025-06-02T12:00:00", "2025-06-02T12:00:03", "2025-06-02T14:00:03"])
_offsets = st.sampled_from(["+00:00", "+02:00", "-01:00"])
_value = st.sampled_from(["0", "1", "12.50", "nan", "", "a:b", "7"])


@st.composite
def stat_lines(draw: st.DrawFn) -> str:
    vol = draw(st.sampled_from(["0", "0", "0", "1"]))
    head = f"change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:{vol}"
    layout = draw(
        st.sampled_from(
            [
                ("done", "received", "sent", "out-of-sync", "pending", "unacked", "dbdt1", "eta"),
                ("done", "out-of-sync"),
                ("received", "sent"),
                ("replication", "done"),
                ("resync-suspended", "done", "dbdt1"),
            ]
        )
    )
    body = " ".join([head, *(f"{k}:{draw(_value)}" for k in layout)])
    if draw(st.integers(0, 15)) == 0:
        body = draw(
            st.sampled_from(
                [body + " ", body + " done:1", body.replace(" ", "  ", 2), body + "\x1b[0m"]
            )
        )
    ts = ""
    if draw(st.booleans()):
        ts = f"{draw(_seconds)}.{draw(st.integers(0, 999_999)):06d}{draw(_offsets)} "
    return ts + body


@given(st.lists(stat_lines(), max_size=30))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_statistics_fast_path_matches_parser_path(lines: list[str]) -> None:
    fast, slow = both([*SETUP, *lines])
    assert_same(fast, slow)
