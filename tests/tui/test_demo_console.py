"""The demo console under Pilot: it paints before the cluster is up, the scenario fills
it in the background, and the chaos menu (key ``x``) stops and restarts a node through the
emulator process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import OptionList

from drbdeck.tui.chaos import ChaosScreen, menu_entries
from drbdeck.tui.demo_app import build_app
from drbdeck.tui.demo_session import DemoOptions, DemoSession


async def until(pilot, what: str, pred: Callable[[], bool], timeout: float = 30.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not pred():
                await pilot.pause(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def option_index(screen: ChaosScreen, option_id: str) -> int:
    menu = screen.query_one(OptionList)
    return next(i for i in range(menu.option_count)
                if menu.get_option_at_index(i).id == option_id)


async def test_console_runs_the_scenario_and_the_chaos_menu(tmp_path: Path) -> None:
    session = DemoSession(DemoOptions(state_dir=tmp_path / "demo", rest=None))
    try:
        session.prepare()
        app = build_app(session)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            # the first frame is up before any node is registered
            assert not session.runtime.model.nodes
            await until(pilot, "set-up done", lambda: session.setup is not None
                        and session.setup.done.is_set(), 60)
            assert session.setup.failed is None, session.setup.failed
            await until(pilot, "all nodes online", lambda: all(
                session.runtime.node_status(n) == "ONLINE" for n in session.chaos.nodes()))

            await pilot.press("x")
            await until(pilot, "chaos menu open", lambda: isinstance(app.screen, ChaosScreen)
                        and bool(app.screen.query(OptionList)))
            screen = app.screen
            assert isinstance(screen, ChaosScreen)
            menu = screen.query_one(OptionList)
            menu.focus()
            menu.highlighted = option_index(screen, "stop:bravo")
            await pilot.press("enter")
            await until(pilot, "menu closed", lambda: not isinstance(app.screen, ChaosScreen))
            await until(pilot, "bravo OFFLINE",
                        lambda: session.runtime.node_status("bravo") == "OFFLINE")
            running = await session.emulator.running_nodes()
            assert running["bravo"] is False and running["alpha"] is True
            ids = [e[0] for e in menu_entries(session.chaos) if e is not None]
            assert "start:bravo" in ids and "stop:bravo" not in ids

            await pilot.press("x")
            await until(pilot, "chaos menu open", lambda: isinstance(app.screen, ChaosScreen)
                        and bool(app.screen.query(OptionList)))
            screen = app.screen
            menu = screen.query_one(OptionList)
            menu.focus()
            menu.highlighted = option_index(screen, "start:bravo")
            await pilot.press("enter")
            await until(pilot, "bravo ONLINE",
                        lambda: session.runtime.node_status("bravo") == "ONLINE")
            texts = [e.text for e in session.narration]
            assert any("node bravo stopped" in t for t in texts)
            assert any("node bravo started" in t for t in texts)
            elog = getattr(getattr(app, "backend", None), "event_log", None)
            if elog is not None:  # the console's event log got the narration
                lines = [(ln.source, ln.text) for ln in elog]
                assert ("chaos", "node bravo stopped") in lines, lines[-20:]
                assert any(src == "demo" and "ready" in t for src, t in lines)
    finally:
        await session.close()


async def test_chaos_error_keeps_the_menu_open_with_the_reason(tmp_path: Path) -> None:
    session = DemoSession(DemoOptions(state_dir=tmp_path / "demo", rest=None, setup=False))
    try:
        session.prepare()
        app = build_app(session)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await session.emulator.wait_ready()
            await session.emulator.stop()  # the emulator is gone: every action must fail
            app.push_screen(ChaosScreen(session.chaos))
            await until(pilot, "chaos menu open", lambda: isinstance(app.screen, ChaosScreen)
                        and bool(app.screen.query(OptionList)))
            screen = app.screen
            menu = screen.query_one(OptionList)
            menu.focus()
            menu.highlighted = option_index(screen, "cut:alpha:bravo")
            await pilot.press("enter")
            status = screen.query_one("#chaos-status")
            await until(pilot, "error shown", lambda: "✗" in str(status.render()))
            assert "not running" in str(status.render())
            assert isinstance(app.screen, ChaosScreen)
            await pilot.press("escape")
            await until(pilot, "menu closed", lambda: not isinstance(app.screen, ChaosScreen))
    finally:
        await session.close()


async def test_setup_failure_is_narrated_not_raised(tmp_path: Path) -> None:
    session = DemoSession(DemoOptions(state_dir=tmp_path / "demo", rest=None))
    try:
        await session.open()
        await session.emulator.wait_ready()
        await session.emulator.stop()  # the nodes vanish before the scenario runs
        session.start_setup()
        await session.wait_setup(60)
        assert session.setup is not None and session.setup.failed
        assert any(e.level == "error" and "set-up stopped" in e.text and "emulator" in e.text
                   for e in session.narration), [e.text for e in session.narration]
    finally:
        await session.close()
