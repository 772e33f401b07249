"""Snapshots of ``drbdeck mon`` on the recorded cluster stream (80×24 and 200×60)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from drbdeck.tui.mon_app import MonApp
from drbdeck.tui.mon_source import events2_argv

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def mon_app(monkeypatch: pytest.MonkeyPatch) -> MonApp:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FAKE_EVENTS", str(TESTS / "fixtures" / "events2" / "cluster.txt"))
    for var in ("FAKE_EVENTS_LIVE", "FAKE_EXIT", "FAKE_GEN", "FAKE_LOG"):
        monkeypatch.delenv(var, raising=False)
    return MonApp(events2_argv(str(TESTS / "fakebin" / "drbdsetup")), node="bravo")


async def _until_drawn(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, MonApp)
    deadline = time.monotonic() + 15
    while len(app.resource_list.order) < 5 or "live" not in app._header_text:
        assert time.monotonic() < deadline, "mon never showed the five resources"
        await pilot.pause(0.05)
    await pilot.pause(0.6)  # one more repaint tick of list and chrome


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_mon_screen(snap_compare, mon_app: MonApp, size: tuple[int, int]) -> None:
    assert snap_compare(mon_app, terminal_size=size, run_before=_until_drawn)
