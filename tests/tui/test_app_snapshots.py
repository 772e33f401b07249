"""Snapshots of the console's views at 80×24 with the deterministic backend.

Plain ``def`` tests (snap_compare runs its own event loop), NO_COLOR removed, UTC clock,
no blinking cursors. Update with ``pytest tests/tui/test_app_snapshots.py
--snapshot-update`` after checking the new pictures.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from drbdeck.tui.app import DrbdeckApp
from tests.tui.conftest import T0

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, utc: None) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("DRBDECK_ASCII", raising=False)


def _before(*keys: str, wait: float = 0.6) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        for inp in pilot.app.query(Input):
            inp.cursor_blink = False
        await pilot.pause(0.3)
        for k in keys:
            await pilot.press(k)
            await pilot.pause(0.1)
        await pilot.pause(wait)
        for screen in pilot.app.screen_stack:
            for inp in screen.query(Input):
                inp.cursor_blink = False
    return run_before


def test_snapshot_resources(snap_compare: Any, fixed_backend: Any) -> None:
    assert snap_compare(DrbdeckApp(fixed_backend, clock=lambda: T0), terminal_size=SIZE,
                        run_before=_before())


def test_snapshot_nodes(snap_compare: Any, fixed_backend: Any) -> None:
    assert snap_compare(DrbdeckApp(fixed_backend, clock=lambda: T0), terminal_size=SIZE,
                        run_before=_before("2"))


def test_snapshot_placement(snap_compare: Any, fixed_backend: Any) -> None:
    assert snap_compare(DrbdeckApp(fixed_backend, clock=lambda: T0), terminal_size=SIZE,
                        run_before=_before("3"))


def test_snapshot_log(snap_compare: Any, fixed_backend: Any) -> None:
    assert snap_compare(DrbdeckApp(fixed_backend, clock=lambda: T0), terminal_size=SIZE,
                        run_before=_before("4"))


def test_snapshot_drill_down(snap_compare: Any, fixed_backend: Any) -> None:
    assert snap_compare(DrbdeckApp(fixed_backend, clock=lambda: T0), terminal_size=SIZE,
                        run_before=_before("down", "down", "enter"))


def test_snapshot_readonly_help(snap_compare: Any, fixed_backend: Any) -> None:
    app = DrbdeckApp(fixed_backend, readonly=True, clock=lambda: T0)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before("question_mark"))
