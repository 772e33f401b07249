"""Snapshots of two forms at 80×24 (deterministic Store-backed data, no emulator).

Plain ``def`` tests (snap_compare runs its own loop), NO_COLOR removed, cursor blink off.
Update with ``pytest tests/tui/test_forms_snapshots.py --snapshot-update`` after looking
at the new pictures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from drbdeck.backend.controller.store import Store
from drbdeck.tui.forms import open_form
from tests.tui.forms_kit import GIB, FormHost, StoreBackend

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[StoreBackend]:
    b = StoreBackend(Store(tmp_path / "c.db"))

    async def fill() -> None:
        for i, n in enumerate(["alpha", "bravo", "charlie"]):
            await b.ops.node_create(n, f"10.0.0.{i + 1}")
            await b.ops.storage_pool_create(n, "pool1", "LVM",
                                            {"StorDriver/StorPoolName": "vg0"})
            await b.ops.pool_report(n, "pool1", free_kib=(100 - i) * GIB,
                                    total_kib=100 * GIB, extent_kib=4096)
        await b.ops.rd_create("web")
        await b.ops.vd_create("web", 10 * GIB)

    asyncio.run(fill())
    try:
        yield b
    finally:
        b.store.close()


def _open(kind: str, *keys: str, **context: Any) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        open_form(pilot.app, kind, **context)
        for _ in range(100):
            await pilot.pause(0.02)
            if getattr(pilot.app.screen, "form_ready", False):
                break
        for inp in pilot.app.screen.query(Input):
            inp.cursor_blink = False
        for k in keys:
            await pilot.press(k)
        await pilot.pause(0.4)  # the preview refresh is debounced
    return run_before


def test_snapshot_resource_form_auto_place(snap_compare: Any, backend: StoreBackend) -> None:
    assert snap_compare(FormHost(backend), terminal_size=SIZE,
                        run_before=_open("resource", rd="web"))


def test_snapshot_resource_definition_invalid_size(snap_compare: Any,
                                                   backend: StoreBackend) -> None:
    assert snap_compare(FormHost(backend), terminal_size=SIZE,
                        run_before=_open("resource-definition", *"db", "tab", "tab", "tab",
                                         *"1.5G", "ctrl+s"))
