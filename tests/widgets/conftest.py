"""Shared fixtures of the widget tests: a ClusterModel made by the real controller code."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store


def _ok(answers: list) -> None:  # type: ignore[type-arg]
    errors = [a.message for a in answers if a.is_error()]
    assert not errors, errors


async def build_model(tmp_path: Path) -> ClusterModel:
    """alpha/bravo/charlie/delta; ``web`` on alpha+bravo+charlie(diskless), ``fresh`` on
    alpha+delta (delta has not started it yet), ``web`` on bravo being deleted."""
    o = Operations(Store(tmp_path / "widgets.db"), is_connected=lambda n: True)
    for i, n in enumerate(("alpha", "bravo", "charlie", "delta")):
        _ok(await o.node_create(n, f"10.0.0.{i + 1}", ssh_port=2200))
        _ok(await o.storage_pool_create(n, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"}))
    for rd in ("web", "fresh"):
        _ok(await o.rd_create(rd))
        _ok(await o.vd_create(rd, 1024 * 1024))
    _ok(await o.rsc_create("web", ["alpha", "bravo"], storage_pool="pool1"))
    _ok(await o.rsc_create("web", ["charlie"], diskless=True))
    _ok(await o.rsc_create("fresh", ["alpha", "delta"], storage_pool="pool1"))
    _ok(await o.rsc_delete("web", "bravo"))
    return o.model


@pytest.fixture
async def model(tmp_path: Path) -> ClusterModel:
    return await build_model(tmp_path)
