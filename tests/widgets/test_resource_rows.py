"""The pure state -> rows logic of the resource list (no Textual)."""

from __future__ import annotations

import time

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.widgets.glyphs import ALERT, ASCII, OK, UNICODE, WARN
from drbdeck.widgets.resource_rows import (
    RowContext,
    all_resource_names,
    build_row,
    legend,
    sort_key,
)
from tests.collectors import samples
from tests.widgets.fixtures import NODES, cluster, demo_states, disconnect, start_resync


def _plain(ctx: RowContext, name: str) -> list[str]:
    return [t.plain for t in build_row(name, ctx).lines]


def test_healthy_resource_is_one_line_with_role_disks_and_quorum() -> None:
    states = cluster(NODES, ["web"], volumes=2, primary={"web": "bravo"},
                     diskless={"web": ["charlie"]})
    row = build_row("web", RowContext(states, g=UNICODE))
    assert row.severity == OK and row.problems == []
    (line,) = [t.plain for t in row.lines]
    assert line.startswith("✓ web")
    assert "Primary@bravo" in line
    assert "alpha●● bravo★●● charlie○○" in line
    assert line.rstrip().endswith("q:ok")


def test_degraded_resource_expands_with_connections_and_problem_text() -> None:
    states = cluster(NODES, ["web"])
    disconnect(states, "web", "alpha", "bravo", NODES)
    row = build_row("web", RowContext(states, g=UNICODE))
    assert row.severity == ALERT
    lines = [t.plain for t in row.lines]
    assert lines[0].startswith("✗ web")
    alpha = next(ln for ln in lines if ln.strip().startswith("alpha"))
    assert "↯bravo:Connecting" in alpha and "⇄charlie" in alpha
    assert "alpha: bravo Connecting" in lines[-1]


def test_resync_shows_once_with_bar_percent_speed_eta() -> None:
    states = cluster(NODES, ["db"])
    start_resync(states, "db", "alpha", "charlie", NODES, done=37.5)
    row = build_row("db", RowContext(states, g=UNICODE))
    assert row.severity == WARN  # a running resync heals itself: warning, not alert
    syncs = [t.plain for t in row.lines if "Sync" in t.plain and "%" in t.plain
             and "[" in t.plain]
    assert len(syncs) == 1, syncs  # the source side's duplicate is left out
    assert "← alpha SyncTarget" in syncs[0]
    assert "37.5%" in syncs[0] and "85.5 MiB/s" in syncs[0] and "ETA 0:10" in syncs[0]
    assert "charlie◐" in row.lines[0].plain


def test_order_is_alert_then_warn_then_ok_then_name() -> None:
    states = demo_states(12)
    ctx = RowContext(states)
    rows = sorted((build_row(n, ctx) for n in all_resource_names(ctx)), key=sort_key)
    assert [r.name for r in rows[:2]] == ["res05", "res07"]
    assert [r.severity for r in rows[:3]] == [ALERT, WARN, OK]
    assert [r.name for r in rows[2:]] == sorted(r.name for r in rows[2:])


def test_mon_mode_is_the_own_node_view_like_drbdmon() -> None:
    alpha = DrbdState("alpha")
    alpha.feed_many(samples.ALPHA[:14])  # bravo reconnected, resync at 18.66 %
    ctx = RowContext({"alpha": alpha}, g=UNICODE)
    assert ctx.mon
    lines = _plain(ctx, "r0")
    assert lines[0].startswith("△ r0") and "Primary" in lines[0]
    assert "0:1000●" in lines[0]  # volume:minor and the local disk
    assert "⇄bravo◐" in lines[0] and "⇄charlie○" in lines[0]
    assert any("volume 0 minor 1000" in ln and "UpToDate" in ln for ln in lines)
    assert any("bravo" in ln and "Connected" in ln and "Secondary" in ln for ln in lines)
    assert any("→ bravo SyncSource" in ln and "18.7%" in ln for ln in lines)


def test_mon_mode_lost_connection_is_alert() -> None:
    alpha = DrbdState("alpha")
    alpha.feed_many(samples.ALPHA[:9])  # initial dump: bravo Connecting
    row = build_row("r0", RowContext({"alpha": alpha}, g=UNICODE))
    assert row.severity == ALERT
    assert any("↯ bravo" in t.plain and "Connecting" in t.plain for t in row.lines)
    assert any("v0 Off" in t.plain and "DUnknown" in t.plain for t in row.lines)


def test_cluster_with_model_pending_deleting_and_diskless(model: ClusterModel) -> None:
    states = cluster(NODES, ["web"], diskless={"web": ["charlie"]})
    states = {k: v for k, v in states.items()}
    ctx = RowContext(states, model, lambda n: "ONLINE", g=UNICODE)
    assert sorted(all_resource_names(ctx)) == ["fresh", "web"]
    web = build_row("web", ctx)
    assert web.severity == WARN
    assert "bravo⊖●" in web.lines[0].plain  # DELETING, still up
    assert any("DELETING" in t.plain for t in web.lines)
    fresh = build_row("fresh", ctx)  # desired on alpha+delta, nobody has it yet
    assert fresh.severity == WARN
    assert "alpha+" in fresh.lines[0].plain and "delta+" in fresh.lines[0].plain
    assert any("not up yet (diskful wanted)" in t.plain for t in fresh.lines)


def test_tie_breaker_and_stale_node(model: ClusterModel) -> None:
    model.resource("web", "charlie").flags.add("TIE_BREAKER")
    states = cluster(NODES, ["web"], diskless={"web": ["charlie"]})
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "OFFLINE", "delta": "ONLINE"}
    ctx = RowContext(states, model, status.__getitem__, g=UNICODE,
                     stale_since={"charlie": 100.0}, clock=lambda: 142.0)
    web = build_row("web", ctx)
    assert web.severity == ALERT
    assert "charlie⊘◇" in web.lines[0].plain  # stale mark, then the last known state
    charlie = next(t.plain for t in web.lines if t.plain.strip().startswith("charlie"))
    since = time.strftime("%H:%M:%S", time.localtime(100.0))
    assert "TieBreaker" in charlie
    assert any(f"OFFLINE since {since}: stale" in t.plain for t in web.lines)
    assert "charlie: node OFFLINE, data stale" in web.problems


def test_ascii_fallback_has_no_non_ascii() -> None:
    states = demo_states(12)
    ctx = RowContext(states, g=ASCII)
    for name in all_resource_names(ctx):
        for t in build_row(name, ctx).lines:
            assert t.plain.isascii(), t.plain
    assert legend(ASCII).plain.isascii()


def test_odd_data_never_raises() -> None:
    st = DrbdState("alpha")
    for line in (
        "exists resource name:odd role:Weird",
        "exists device name:odd volume:0 minor:7 disk:Frobnicated quorum:maybe",
        "exists connection name:odd peer-node-id:3 conn-name:x connection:Connected",
        "exists peer-device name:odd peer-node-id:3 conn-name:x volume:9 replication:Zap",
        "exists resource name:bare",
        "exists -",
    ):
        st.feed(line)
    for ctx in (RowContext({"alpha": st}), RowContext({"alpha": st, "b": DrbdState("b")})):
        for name in ("odd", "bare", "missing"):
            row = build_row(name, ctx)
            assert row.lines and row.lines[0].plain
    odd = build_row("odd", RowContext({"alpha": st}, g=UNICODE))
    assert odd.severity == ALERT
    assert any("Frobnicated" in t.plain for t in odd.lines)


def test_broken_node_status_callable_is_contained() -> None:
    states = cluster(NODES, ["web"])

    def boom(node: str) -> str:
        raise RuntimeError("backend gone")

    row = build_row("web", RowContext(states, None, boom, g=UNICODE))
    assert row.severity == ALERT and "node UNKNOWN" in " ".join(row.problems)
