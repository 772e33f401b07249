"""Property tests: format/parse round trips, garbage never escapes feed(), fast == slow path."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.collectors.events2 import (
    ACTIONS,
    IDENTITY_KEYS,
    Event,
    Events2ParseError,
    format_line,
    parse_line,
)
from tests.collectors.test_drbdstate import snapshot

_PRINTABLE = st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="\x7f")
keys = st.text(_PRINTABLE.filter(lambda c: c != ":"), min_size=1, max_size=12)
values = st.text(_PRINTABLE, max_size=20)  # may contain ':' (addresses do)

timestamps = st.builds(
    lambda d, us, sign, hh, mm: f"{d.isoformat()}.{us:06d}{sign}{hh:02d}:{mm:02d}",
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2099, 1, 1),
    ).map(lambda d: d.replace(microsecond=0)),
    st.integers(0, 999_999),
    st.sampled_from("+-"),
    st.integers(0, 13),
    st.sampled_from([0, 30, 45]),
)


@st.composite
def valid_events(draw: st.DrawFn) -> Event:
    obj = draw(
        st.sampled_from(["resource", "connection", "device", "peer-device", "path", "helper"])
    )
    if obj == "helper":
        action = draw(st.sampled_from(["call", "response"]))
    elif obj == "resource":
        action = draw(st.sampled_from(sorted(ACTIONS - {"call", "response"})))
    else:
        action = draw(st.sampled_from(sorted(ACTIONS - {"call", "response", "rename"})))
    fields = {k: draw(values) for k in IDENTITY_KEYS[obj]}
    extra = draw(st.dictionaries(keys, values, max_size=6))
    for k, v in extra.items():
        fields.setdefault(k, v)
    ts = draw(st.none() | timestamps)
    return Event(action, obj, fields, None, ts)


@given(valid_events())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_format_then_parse_round_trips(ev: Event) -> None:
    line = format_line(ev)
    back = parse_line(line + "\n")
    assert back.action == ev.action
    assert back.object == ev.object
    assert back.fields == ev.fields
    assert back.timestamp_text == ev.timestamp_text
    assert (back.timestamp is None) == (ev.timestamp_text is None)


def _mutations(line: str) -> st.SearchStrategy[str]:
    toks = line.split(" ")
    return st.one_of(
        st.just(line.replace(":", "", 1)),
        st.just(line.replace(" ", "  ", 1)),
        st.integers(0, len(line)).map(lambda i: line[:i]),
        st.integers(0, len(toks) - 1).map(lambda i: " ".join(toks[:i] + toks[i + 1 :])),
        st.text(max_size=5).map(lambda junk: line + " " + junk),
    )


garbage = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    valid_events().map(format_line).flatmap(_mutations),
)


@given(st.lists(garbage, max_size=8))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_garbage_never_escapes_feed(lines: list[str]) -> None:
    state = DrbdState()
    state.feed("exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 done:1")
    for line in lines:
        before = state.malformed
        state.feed(line)  # must not raise
        try:
            parse_line(line)
        except Events2ParseError:
            assert state.malformed == before + 1, line


# -- fast path == parser path, on a small universe so the prefix cache gets hits ---------

_names = st.sampled_from(["r0", "r1"])
_pnid = st.sampled_from(["1", "2"])
_vol = st.sampled_from(["0", "1"])
_state_kv = st.sampled_from(
    [
        "role:Primary",
        "role:Secondary",
        "replication:SyncSource",
        "replication:Established",
        "replication:PausedSyncS",
        "resync-suspended:user",
        "resync-suspended:no",
        "done:10.00",
        "done:50.00",
        "done:5.00",
        "out-of-sync:100",
        "dbdt1:1.5",
        "eta:nan",
        "eta:7",
        "disk:UpToDate",
        "connection:Connected",
        "established:yes",
        "peer-disk:Outdated",
    ]
)


@st.composite
def stream_lines(draw: st.DrawFn) -> str:
    name, pnid, vol = draw(_names), draw(_pnid), draw(_vol)
    obj = draw(st.sampled_from(["resource", "connection", "device", "peer-device", "path"]))
    ident = {
        "resource": f"name:{name}",
        "connection": f"name:{name} peer-node-id:{pnid} conn-name:n{pnid}",
        "device": f"name:{name} volume:{vol} minor:{vol}",
        "peer-device": f"name:{name} peer-node-id:{pnid} conn-name:n{pnid} volume:{vol}",
        "path": f"name:{name} peer-node-id:{pnid} conn-name:n{pnid} local:ipv4:a:1 peer:ipv4:b:2",
    }[obj]
    action = draw(st.sampled_from(["change"] * 6 + ["exists", "create", "destroy"]))
    if draw(st.integers(0, 30)) == 0:
        return f"rename resource name:{name} new_name:{'r1' if name == 'r0' else 'r0'}"
    kvs = draw(st.lists(_state_kv, max_size=3, unique_by=lambda s: s.split(":")[0]))
    ts = draw(
        st.sampled_from(
            ["", "2025-06-02T12:00:00.000001+00:00 ", "2025-06-02T12:00:07.500000+00:00 "]
        )
    )
    return ts + " ".join([action, obj, ident, *kvs]).rstrip()


@given(st.lists(stream_lines(), max_size=40))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_fast_path_matches_parser_path(lines: list[str]) -> None:
    fast = DrbdState(clock=lambda: 1.0)
    slow = DrbdState(clock=lambda: 1.0)
    for line in lines:
        fast.feed(line)
        try:
            slow.apply(parse_line(line))
        except ValueError:
            slow.malformed += 1
    assert snapshot(fast) == snapshot(slow)
    assert fast.malformed == slow.malformed
    for res_f in fast.resources.values():
        res_s = slow.resources[res_f.name]
        for pnid, conn in res_f.connections.items():
            for vol, pd in conn.peer_devices.items():
                other = res_s.connections[pnid].peer_devices[vol]
                assert pd.eta_s == other.eta_s
                assert pd.resync_speed_kib_s == other.resync_speed_kib_s
