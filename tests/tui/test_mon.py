"""Pilot tests of ``drbdeck mon`` against the fake drbdsetup (tests/fakebin, drbd.md §5.4).

The app really spawns the fake as a child process and reads its pipe, so these tests cover
the source's stream rules and respawning as well as the view; waits poll with a generous
deadline (no timing is asserted).
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from drbdeck.tui.mon_app import MonApp
from drbdeck.tui.mon_detail import ResourceDetailScreen, render_resource
from drbdeck.tui.mon_messages import MessageScreen
from drbdeck.tui.mon_source import events2_argv, pid_alive

TESTS = Path(__file__).resolve().parents[1]
FAKE = TESTS / "fakebin" / "drbdsetup"
FIX = TESTS / "fixtures" / "events2"


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Environment of the fake: invocations logged to the returned file."""
    log = tmp_path / "invocations.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "cluster.txt"))
    for var in ("FAKE_EVENTS_LIVE", "FAKE_EXIT", "FAKE_GEN"):
        monkeypatch.delenv(var, raising=False)
    return log


def make_app(**kw: object) -> MonApp:
    return MonApp(events2_argv(str(FAKE)), node="bravo", respawn_delay=0.2, **kw)  # type: ignore[arg-type]


async def until(pilot: Pilot, cond: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def row_text(app: MonApp, name: str) -> str:
    row = app.resource_list.row(name)
    assert row is not None, f"no row for {name}: {app.resource_list.order}"
    return "\n".join(t.plain for t in row.lines)


def spawns(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def live(app: MonApp) -> bool:
    return app.state.initial_done and app.resource_list.display and bool(app.resource_list.order)


async def test_initial_status_then_resources(fake_env: Path, tmp_path: Path, monkeypatch) -> None:
    dump = [ln for ln in (FIX / "resync.txt").read_text().splitlines() if ln != "exists -"]
    (tmp_path / "dump.txt").write_text("\n".join(dump) + "\n")
    (tmp_path / "live.txt").write_text("@sleep 1\nexists -\n")
    monkeypatch.setenv("FAKE_EVENTS", str(tmp_path / "dump.txt"))
    monkeypatch.setenv("FAKE_EVENTS_LIVE", str(tmp_path / "live.txt"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "r0" in app.state.resources, "the dump to be read")
        reading = app.query_one("#mon-reading")
        assert reading.display and not app.resource_list.display
        assert "Reading initial DRBD status" in str(reading.render())
        await until(pilot, lambda: live(app), "exists -")
        assert not reading.display
        assert app.resource_list.order == ["r0"]
        assert "SyncTarget" in row_text(app, "r0") and "20.1" in row_text(app, "r0")
        assert "Node bravo" in app._header_text and "events2 live" in app._header_text
    assert fake_env.read_text().split(maxsplit=1)[1].strip() == "events2 all --statistics"


async def test_cluster_stream_problem_first(fake_env: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.resource_list.order) == 5, "five resources")
        order = app.resource_list.order
        assert set(order[:3]) == {"data", "qdb", "r0"}  # problems first
        assert set(order[3:]) == {"scratch", "web"}
        assert "Connecting" in row_text(app, "data")
        assert "Outdated" in row_text(app, "qdb")
        assert len(app.resource_list.row("web").lines) == 1  # healthy: one line
        await until(pilot, lambda: "Resources: 5 (3 degraded)" in app._status_text, "status")


async def test_live_done_updates_until_healthy(fake_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "resync.txt"))
    monkeypatch.setenv("FAKE_EVENTS_LIVE", str(FIX / "resync_live.txt"))
    app = make_app()
    seen: set[str] = set()

    def progress() -> bool:
        if app.resource_list.row("r0") is not None:
            text = row_text(app, "r0")
            seen.update(p for p in ("38.", "61.", "84.") if p in text)
        return len(seen) >= 2

    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, progress, "done: updates on screen")
        await until(
            pilot,
            lambda: len(app.resource_list.row("r0").lines) == 1,  # type: ignore[union-attr]
            "r0 to collapse when the resync ended",
        )
        assert "Inconsistent" not in row_text(app, "r0")
        assert app.state.resources["r0"].devices[0].disk == "UpToDate"


async def test_problems_toggle(fake_env: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(app.resource_list.order) == 5, "five resources")
        await pilot.press("p")
        await until(pilot, lambda: len(app.resource_list.order) == 3, "problems only")
        assert "scratch" not in app.resource_list.order
        await until(pilot, lambda: "Problems only" in app._header_text, "header mark")
        await pilot.press("p")
        await until(pilot, lambda: len(app.resource_list.order) == 5, "all again")


async def test_problems_option_and_ascii(fake_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "diskless.txt"))
    app = make_app(problems=True, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state.initial_done, "the dump")
        await pilot.pause(0.4)
        assert app.resource_list.problems_only
        assert app.resource_list.order == []  # a healthy diskless client is no problem
        await pilot.press("p")
        await until(pilot, lambda: app.resource_list.order == ["scratch"], "scratch shown")
        assert all(ord(c) < 128 for c in row_text(app, "scratch"))


async def test_respawn_after_source_exits(fake_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "healthy.txt"))
    monkeypatch.setenv("FAKE_EXIT", "3")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: spawns(fake_env) >= 3, "respawns")
        texts = [m.text for m in app.messages]
        assert any("exited (exit code 3)" in t for t in texts), texts
        await until(pilot, lambda: "exited" in app._status_text, "status line message")
        # the stream is read again after each spawn
        await until(pilot, lambda: app.resource_list.order == ["web"], "web shown")


async def test_garbage_lines_respawn_and_never_crash(fake_env: Path, tmp_path, monkeypatch) -> None:
    stream = (FIX / "healthy.txt").read_text() + (
        "change peer-device name:web peer-node-id:0 conn-name:alpha volume:0 done:1.00\n"
        "this is not events2\n"
    )
    (tmp_path / "bad.txt").write_text(stream)
    monkeypatch.setenv("FAKE_EVENTS", str(tmp_path / "bad.txt"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: spawns(fake_env) >= 2, "a respawn after garbage")
        texts = [m.text for m in app.messages]
        assert any("Invalid events2 data" in t and "not events2" in t for t in texts), texts
        await until(pilot, lambda: "Invalid events2 data" in app._status_text, "status line")
        await pilot.press("m")
        assert isinstance(app.screen, MessageScreen)
        shown = app.screen.query_one("#messages")
        assert "Invalid events2 data" in shown.content.plain  # type: ignore[attr-defined]
        count = len(app.messages)

        def repeats() -> int:  # the highest "(×N)" shown; 1 before any repeat
            text = shown.content.plain  # type: ignore[attr-defined]
            return max((int(n) for n in re.findall(r"\(×(\d+)\)", text)), default=1)

        # a repeat may already have arrived before the screen opened: wait for one more
        seen = repeats()
        await until(pilot, lambda: repeats() > seen, "a repeat while open")
        assert len(app.messages) == count
        await pilot.press("c")
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageScreen)
        assert app.messages.latest_problem is None or "Invalid" in app.messages.latest_problem.text


@pytest.mark.parametrize(
    ("stream", "why"),
    [
        ("change resource name:r0 role:Primary\nexists -\n", "'change' before the initial dump"),
        ("exists -\nexists resource name:x role:Secondary\n", "'exists' after the initial dump"),
        ("exists -\nchange peer-device name:x\n", "identity key"),
        ("exists -\n" + "x" * 70000, "longer than"),
    ],
)
async def test_stream_rule_violations(fake_env: Path, tmp_path, monkeypatch, stream, why) -> None:
    (tmp_path / "s.txt").write_text(stream)
    monkeypatch.setenv("FAKE_EVENTS", str(tmp_path / "s.txt"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any(why in m.text for m in app.messages), why)
        assert app.is_running


async def test_reinit_key_respawns(fake_env: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: live(app), "live")
        pid = app.source.status.pid
        await pilot.press("R")
        await until(pilot, lambda: spawns(fake_env) == 2 and live(app), "second spawn")
        await until(pilot, lambda: not pid_alive(pid), "old child gone")  # type: ignore[arg-type]
        assert any("Reinitializing" in m.text for m in app.messages)


async def test_drill_down_and_back(fake_env: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.resource_list.order) == 5, "five resources")
        app.resource_list.move_cursor_to("data")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ResourceDetailScreen), "drill-down")
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(render_resource(app.state.resources["data"], "bravo"))
        body = console.export_text()
        for word in ("Volumes", "1001", "1002", "charlie", "Connecting", "Peer devices"):
            assert word in body, word
        await pilot.press("escape")
        assert not isinstance(app.screen, ResourceDetailScreen)
        await pilot.press("r")  # repaint keeps the list
        await pilot.pause(0.3)
        assert len(app.resource_list.order) == 5


async def test_quit_reaps_the_child(fake_env: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: live(app), "live")
        pid = app.source.status.pid
        await pilot.press("q")
        await until(pilot, lambda: not pid_alive(pid), "child gone")  # type: ignore[arg-type]
    assert app.return_value == 0


def test_fake_drbdsetup_is_executable() -> None:
    assert os.access(FAKE, os.X_OK)


async def test_recorded_emulator_stream(fake_env: Path, monkeypatch) -> None:
    """A stream recorded from the emulator (disconnect, reconnect, resync with helpers and
    paths): degraded, then SyncTarget with progress, then healthy; no stream errors."""
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "emulated_resync.txt"))
    monkeypatch.setenv("FAKE_EVENTS_LIVE", str(FIX / "emulated_resync_live.txt"))
    app = make_app()
    saw: set[str] = set()

    def watch() -> bool:
        row = app.resource_list.row("legacy")
        if row is not None:
            text = row_text(app, "legacy")
            saw.update(w for w in ("SyncTarget", "Connecting", "NetworkFailure") if w in text)
        pd = app.state.resources.get("legacy")
        return (
            pd is not None
            and pd.last_helper is not None
            and pd.last_helper.get("helper") == "after-resync-target"
            and row is not None
            and len(row.lines) == 1
        )

    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, watch, "the recorded resync to finish")
    assert "SyncTarget" in saw
    assert app.state.malformed == 0
    assert not [m for m in app.messages if m.level != "info"]


async def test_drbdmon_paging_keys(fake_env: Path, tmp_path, monkeypatch) -> None:
    """``>``/``<``/``!`` page like drbdmon (60 degraded resources on a 24-line screen)."""
    lines = []
    for i in range(60):
        r = f"r{i:02d}"
        lines += [
            f"exists resource name:{r} role:Secondary suspended:no force-io-failures:no"
            " may_promote:no promotion_score:0",
            f"exists connection name:{r} peer-node-id:1 conn-name:alpha connection:Connecting"
            " role:Unknown",
            f"exists device name:{r} volume:0 minor:{1000 + i} backing_dev:/dev/vg0/{r}"
            " disk:Outdated client:no quorum:no",
        ]
    (tmp_path / "many.txt").write_text("\n".join([*lines, "exists -", ""]))
    monkeypatch.setenv("FAKE_EVENTS", str(tmp_path / "many.txt"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.resource_list.order) == 60, "60 resources")
        first = app.resource_list.cursor_resource
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: app.resource_list.cursor_resource != first, "a page down")
        await pilot.press("greater_than_sign", "greater_than_sign")
        await until(pilot, lambda: app.resource_list.scroll_offset.y > 0, "scrolled")
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: app.resource_list.cursor_resource == first, "first page")
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: app.resource_list.cursor_resource != first, "down again")
        await pilot.press("less_than_sign")
        await until(pilot, lambda: app.resource_list.cursor_resource == first, "page up")


async def test_failing_drbdsetup_says_why_and_collapses_repeats(fake_env, tmp_path) -> None:
    """A drbdsetup that fails at once (no DRBD module): the reason instead of the list,
    and one message line with a repeat count rather than one line per attempt."""
    script = tmp_path / "drbdsetup"
    script.write_text(
        "#!/bin/sh\necho 'Failed to modprobe drbd (No such file or directory)' >&2\nexit 20\n"
    )
    script.chmod(0o755)
    app = MonApp(events2_argv(str(script)), node="bravo", respawn_delay=0.1)
    async with app.run_test(size=(100, 20)) as pilot:
        await until(pilot, lambda: any(m.repeats >= 3 for m in app.messages), "repeats")
        texts = [m.text for m in app.messages if m.level == "warn"]
        assert texts == [
            "The external process that provides DRBD events exited (exit code 20): "
            "Failed to modprobe drbd (No such file or directory)"
        ]
        await until(
            pilot,
            lambda: "No DRBD status: " in str(app.query_one("#mon-reading").render()),
            "the reason on screen",
        )
        assert not app.resource_list.display


async def test_statistics_stream_shows_kernel_speed_and_eta(fake_env, monkeypatch) -> None:
    """Why mon asks for ``--statistics``: the kernel's dbdt1 (MiB/s) and eta reach the row."""
    monkeypatch.setenv("FAKE_EVENTS", str(FIX / "resync_statistics.txt"))
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until(
            pilot,
            lambda: "56.2" in ((app.resource_list.row("r0") and row_text(app, "r0")) or ""),
            "progress",
        )
        text = row_text(app, "r0")
        assert "83.1" in text, text  # MiB/s from dbdt1
        assert "0:07" in text, text  # eta:7
        pd = app.state.resources["r0"].connections[0].peer_devices[0]
        assert pd.speed_source == "kernel"
