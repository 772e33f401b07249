"""Snapshots (80×24) of the resource list (healthy, degraded, syncing, ASCII) and the
placement matrix. Plain ``def`` tests: snap_compare runs its own event loop (tui.md §4.4).
Update with ``pytest tests/widgets/test_snapshots.py --snapshot-update`` and review."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drbdeck.collectors.drbdstate import DrbdState
from tests.widgets.conftest import build_model
from tests.widgets.demo import list_app
from tests.widgets.demo_more import placement_app
from tests.widgets.fixtures import NODES, cluster, demo_states, disconnect, start_resync

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("DRBDECK_ASCII", raising=False)


def _names(n: int) -> list[str]:
    return [f"vol-{i:03d}" for i in range(n)]


def test_snapshot_resource_list_healthy(snap_compare) -> None:  # type: ignore[no-untyped-def]
    states = cluster(NODES, _names(30), volumes=2, primary={"vol-004": "alpha"},
                     diskless={"vol-002": ["charlie"]})
    assert snap_compare(list_app(states, ascii=False), terminal_size=SIZE)


def test_snapshot_resource_list_degraded(snap_compare) -> None:  # type: ignore[no-untyped-def]
    states = cluster(NODES, _names(30))
    disconnect(states, "vol-007", "alpha", "charlie", NODES)
    states["bravo"].feed("change device name:vol-011 volume:0 minor:1110 disk:Outdated "
                         "quorum:no")
    assert snap_compare(list_app(states, ascii=False), terminal_size=SIZE)


def test_snapshot_resource_list_syncing(snap_compare) -> None:  # type: ignore[no-untyped-def]
    states = cluster(NODES, _names(30))
    start_resync(states, "vol-003", "alpha", "bravo", NODES, done=42.25)

    async def problems_only(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("p")

    assert snap_compare(list_app(states, ascii=False), terminal_size=SIZE,
                        run_before=problems_only)


def test_snapshot_resource_list_ascii_mon(snap_compare) -> None:  # type: ignore[no-untyped-def]
    states = demo_states(20)
    mon: dict[str, DrbdState] = {"alpha": states["alpha"]}
    assert snap_compare(list_app(mon, ascii=True), terminal_size=SIZE)


def test_snapshot_placement(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = asyncio.run(build_model(tmp_path))
    states = cluster(NODES, ["web", *_names(25)], primary={"web": "alpha"},
                     diskless={"web": ["charlie"]})
    start_resync(states, "vol-005", "alpha", "bravo", NODES, done=63.0)
    disconnect(states, "vol-009", "bravo", "charlie", NODES)
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE",
              "delta": "OFFLINE"}.__getitem__

    async def move(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("down", "right")

    assert snap_compare(placement_app(model, states, status, ascii=False),
                        terminal_size=SIZE, run_before=move)
