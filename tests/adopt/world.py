"""Shared set-up for the adoption tests: emulated nodes with a hand-made resource, a
controller (runtime + REST) and the nodes registered with an LVM pool."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from drbdeck.emulator.cluster import Cluster
from drbdeck.emulator.handmade import HandmadeSpec, install
from tests.integration.test_seed_walk import GIB_KIB, Walk, walk


@contextlib.asynccontextmanager
async def adopt_world(tmp_path: Path, names: list[str],
                      specs: list[HandmadeSpec]) -> AsyncIterator[Walk]:
    def prepare(cluster: Cluster) -> None:
        for s in specs:
            install(cluster, s)

    async with walk(tmp_path, names, {"datastore": 8 * GIB_KIB}, prepare=prepare) as w:
        for n in names:
            await w.node_create(n, "Combined")
        await w.wait("nodes online", lambda: all(w.rt.is_connected(n) for n in names))
        yield w
