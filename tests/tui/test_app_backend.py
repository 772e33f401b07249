"""The console backend's parts without a screen: event log, state watcher, operation log,
host metrics, node cell texts, remote model decoding and .res redaction."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.satellite import LinkState, LinkStatus
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.collectors.hostmetrics import CpuTimes, HostMetrics, NetCounters
from drbdeck.tui.eventlog import EventLog
from drbdeck.tui.logline import LogLine
from drbdeck.tui.metrics import MetricsPoller
from drbdeck.tui.opslog import wrap_operations
from drbdeck.tui.remote_model import build_model, observed_lines
from drbdeck.tui.statewatch import StateWatcher
from drbdeck.tui.views.nodefmt import short_size, ssh_state
from drbdeck.tui.views.resfiles import redact
from tests.tui.conftest import T0, events2_lines


def test_event_log_bounded_listeners_and_dedup() -> None:
    log = EventLog(maxlen=3)
    seen: list[str] = []
    remove = log.add_listener(lambda ln: seen.append(ln.text))
    log.append(LogLine(T0, "ops", "rd_create(r1) → New resource definition 'r1' created.",
                       "info"))
    # a form logging the same answer again is not shown twice
    log.append(LogLine(T0, "controller", "create r1: New resource definition 'r1' created.",
                       "info"))
    for i in range(4):
        log.add(f"line {i}", source="test")
    assert [ln.text for ln in log] == ["line 1", "line 2", "line 3"]
    assert len(seen) == 5
    remove()
    log.add("after")
    assert len(seen) == 5


def test_state_watcher_logs_transitions_not_progress() -> None:
    lines: list[LogLine] = []
    st = DrbdState("bravo")
    st.feed_many(events2_lines()["bravo"])
    st.feed("exists -")
    w = StateWatcher(lines.append, lambda: T0)
    w.watch("bravo", st)
    st.feed("change peer-device name:db peer-node-id:0 conn-name:alpha volume:0 done:50.00")
    assert lines == []  # progress is not a transition
    st.feed("change device name:db volume:0 minor:1001 disk:UpToDate")
    st.feed("change connection name:tmp peer-node-id:0 conn-name:alpha connection:Connected")
    st.feed("destroy resource name:web")
    texts = [ln.text for ln in lines]
    assert "bravo db/0: disk Inconsistent→UpToDate" in texts
    assert "bravo tmp ↔ alpha: Connecting→Connected" in texts
    assert "bravo web: down (no longer in events2)" in texts
    assert {ln.level for ln in lines} == {"info"}
    st.feed("change connection name:tmp peer-node-id:0 conn-name:alpha connection:Connecting")
    assert lines[-1].level == "warning"
    st.reset()  # a restarted stream is absorbed silently
    n = len(lines)
    st.feed_many(events2_lines()["bravo"])
    st.feed("exists -")
    assert len(lines) == n
    w.close()


def test_state_watcher_absorbs_a_dump_once_not_per_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A dump (first one, or after a restart) is summarised once at ``exists -``: one
    summary per resource, not one pass over all resources per dump line (O(n²))."""
    import drbdeck.tui.statewatch as sw

    calls: list[str] = []
    real = sw.summarize

    def counting(res: Any) -> Any:
        calls.append(res.name)
        return real(res)

    monkeypatch.setattr(sw, "summarize", counting)
    lines: list[LogLine] = []
    st = DrbdState("bravo")
    w = StateWatcher(lines.append, lambda: T0)
    w.watch("bravo", st)
    dump = events2_lines()["bravo"]
    for _round in range(2):  # the first dump, then a restarted stream
        calls.clear()
        st.feed_many(dump)
        assert calls == []  # nothing per line during the dump
        st.feed("exists -")
        assert sorted(calls) == sorted(st.resources)  # each resource once
        assert lines == []  # absorbed silently
        st.reset()
    st.feed_many(dump)
    st.feed("exists -")
    st.feed("change device name:db volume:0 minor:1001 disk:UpToDate")
    assert [ln.text for ln in lines] == ["bravo db/0: disk Inconsistent→UpToDate"]
    w.close()


async def test_operations_logged_once_with_answers(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    try:
        ops = Operations(store)
        lines: list[LogLine] = []
        unwrap = wrap_operations(ops, lines.append, lambda: T0)
        await ops.rd_create("r1")
        await ops.rd_set_property("r1", "Aux/x", "1")  # calls rd_modify inside: one line
        await ops.rd_create("1bad")
        texts = [ln.text for ln in lines]
        assert texts[0].startswith("rd_create(r1) → New resource definition 'r1'")
        assert any(t.startswith("rd_set_property(r1, Aux/x, 1) → ") for t in texts)
        assert not any("rd_modify" in t for t in texts)  # the inner call is not logged
        assert lines[-1].level == "error" and "rd_create(1bad)" in lines[-1].text
        unwrap()
        await ops.rd_create("r2")
        assert len(lines) == len(texts)
    finally:
        store.close()


def _sample(busy: float, total: float, rx: int) -> HostMetrics:
    return HostMetrics(0.5, 0.4, 0.3, 1000, 250, CpuTimes(busy, total), 2,
                       {"lo": NetCounters(10**9, 10**9), "eth0": NetCounters(rx, rx // 2)})


async def test_metrics_poller_rates_and_stale_on_failure() -> None:
    samples = [_sample(10, 100, 1000), _sample(20, 120, 11000)]
    now = [T0]

    async def fetch(node: str) -> HostMetrics:
        if not samples:
            raise RuntimeError("node offline")
        return samples.pop(0)

    p = MetricsPoller(lambda: ["alpha"], fetch, clock=lambda: now[0])
    await p.poll_once()
    assert p.metrics["alpha"].cpu_percent is None and p.metrics["alpha"].mem_percent == 75
    now[0] += 10
    await p.poll_once()
    m = p.metrics["alpha"]
    assert m.cpu_percent == 50.0 and m.rx_bytes_s == 1000.0 and m.tx_bytes_s == 500.0
    await p.poll_once()
    assert p.metrics["alpha"].error == "node offline"
    assert p.metrics["alpha"].cpu_percent == 50.0  # the last figures stay, marked


async def test_metrics_poller_schedules_after_each_round() -> None:
    calls: list[float] = []

    async def fetch(node: str) -> HostMetrics:
        calls.append(asyncio.get_running_loop().time())
        return _sample(1, 10, 1)

    p = MetricsPoller(lambda: ["a"], fetch, interval=0.05)
    p.start()
    await asyncio.sleep(0.3)
    await p.stop()
    assert len(calls) >= 3
    n = len(calls)
    await asyncio.sleep(0.15)
    assert len(calls) == n  # stopped for good


def test_ssh_state_texts() -> None:
    def st(status: LinkStatus, **kw: object) -> str:
        return ssh_state("x", LinkState(status, since=T0, **kw)).plain  # type: ignore[arg-type]

    assert st(LinkStatus.ONLINE) == "✓ ONLINE"
    assert st(LinkStatus.OFFLINE).startswith("✗ OFFLINE\nsince ")
    assert "↻ 4 tries" in st(LinkStatus.OFFLINE, attempts=4)
    assert st(LinkStatus.CONNECTING, attempts=3) == "↻ reconnecting\n  attempt 4"
    assert st(LinkStatus.HOST_KEY_MISMATCH) == "✗ HOST KEY\nMISMATCH"
    assert st(LinkStatus.UNKNOWN_HOST_KEY) == "△ UNKNOWN\nHOST KEY"
    assert ssh_state("OFFLINE", None).plain == "✗ OFFLINE"
    assert short_size(100 * 1024 * 1024) == "100G" and short_size(1536) == "1.5M"


def test_remote_model_survives_odd_json() -> None:
    model, status = build_model(
        [{"name": "a", "type": "weird", "net_interfaces": [{"address": "10.0.0.1"}],
          "connection_status": "ONLINE"}, "junk", {"no": "name"}],
        [{"node_name": "a", "storage_pool_name": "p", "provider_kind": "LVM",
          "free_capacity": "x"}, None],
        [{"name": "r", "volume_definitions": [{"volume_number": "0"}, {"volume_number": 0,
                                                                      "size_kib": 5}]}],
        [{"name": "r", "node_name": "a", "volumes": [None, {"volume_number": 0}]}, 7])
    assert list(model.nodes) == ["A"] and status == {"a": "ONLINE"}
    assert model.pools[("A", "P")].free_kib is None
    assert list(model.rds["r"].volumes) == [0]
    assert len(model.resources_of_rd("r")) == 1
    lines = observed_lines(model, "r", "a", {"in_use": True, "volumes": {
        "0": {"disk_state": "SyncTarget(12.50%)", "replication_states": {
            "b": {"replication_state": "SyncTarget", "done_percentage": 12.5}}},
        "x": {}}, "connections": {"b": {"connected": True, "message": "Connected"}}})
    st = DrbdState("a")
    st.feed("exists -")
    st.feed_many(lines)
    assert st.malformed == 0
    res = st.resources["r"]
    assert res.role == "Primary" and res.devices[0].disk == "Inconsistent"
    assert res.connection_by_name("b").peer_devices[0].done == 12.5
    assert observed_lines(model, "r", "a", None) == []


def test_res_files_never_show_the_secret() -> None:
    text = 'net {\n    cram-hmac-alg sha1;\n    shared-secret     "s3cr:et x";\n}\n'
    out = redact(text)
    assert "s3cr" not in out and 'shared-secret     "‹redacted›";' in out


def test_emulated_proc_stat_gives_a_cpu_figure_at_every_poll() -> None:
    """The Nodes view showed "cpu ?" on emulated nodes: their /proc/stat busy counter went
    backwards at times. It must only grow, and every pair of polls gives a percentage."""
    from drbdeck.collectors.hostmetrics import cpu_percent, parse_proc_dump
    from drbdeck.emulator.seed import ProcModel

    now = [0.0]
    for name in ("alpha", "bravo", "charlie", "delta"):
        proc = ProcModel(name, clock=lambda: now[0])
        prev = None
        now[0] = 0.0
        for _ in range(400):  # 400 polls, 2 s apart: 13 minutes of emulated time
            now[0] += 2.0
            text = b"".join((proc.loadavg(), proc.meminfo(), proc.stat(), proc.net_dev()))
            cur = parse_proc_dump(text.decode())
            if prev is not None:
                pct = cpu_percent(prev, cur)
                assert pct is not None and 0.0 < pct < 100.0, (name, now[0], pct)
            prev = cur
