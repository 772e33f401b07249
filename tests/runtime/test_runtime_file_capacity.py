"""FILE pools on emulated nodes report capacity (the emulator's ``df``), so auto-place can
choose them, and the figure follows the backing files the pool holds."""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.placement import PlaceRequest
from tests.runtime.test_runtime_e2e import NET_KIB, NODES, _ok, env
from tests.runtime.test_runtime_gaps import _nodes


async def test_file_pool_capacity_and_auto_place(tmp_path: Path) -> None:
    async with env(tmp_path) as e:
        ops = e.rt.ops
        await _nodes(e, NODES[:2], "fat", "FILE", "/srv/fat")
        model = e.rt.model
        await e.wait("file pools measured", lambda: all(
            model.pool(n, "fat").free_kib is not None for n in NODES[:2]))
        before = {n: model.pool(n, "fat").free_kib for n in NODES[:2]}
        assert all(model.pool(n, "fat").total_kib for n in NODES[:2])
        _ok(await ops.rd_create("a1"))
        _ok(await ops.vd_create("a1", NET_KIB))
        _ok(await ops.autoplace("a1", PlaceRequest(place_count=2, storage_pools=["fat"])))
        await e.wait("a1 UpToDate", lambda: all(e.state("a1", n) == "UpToDate"
                                                for n in NODES[:2]))
        await e.wait("free space shrank by the backing file", lambda: all(
            (model.pool(n, "fat").free_kib or 0) <= before[n] - NET_KIB
            for n in NODES[:2]))
