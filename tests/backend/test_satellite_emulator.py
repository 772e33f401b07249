"""The node layer against drbdeck's own emulator: what the controller will talk to in demos.

Uses the emulator's state dir exactly as an operator would (its client key and its
known_hosts file), so it also checks that both sides agree on the known_hosts format.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import SshConfig
from drbdeck.emulator.cluster import Cluster

WAIT = 20.0


@pytest.fixture
async def cluster_pool(tmp_path: Path) -> AsyncIterator[tuple[Cluster, LinkPool]]:
    cluster = await Cluster.start(["alpha", "bravo"], tmp_path / "emu")
    sd = cluster.state_dir
    cfg = SshConfig(identity_file=str(sd.client_key_path), known_hosts=str(sd.known_hosts_path),
                    reconnect_min=0.05, reconnect_max=0.3)
    pool = LinkPool(cfg)
    for n in cluster.nodes.values():
        pool.add(NodeEndpoint(n.name, n.host, port=n.port))
    try:
        pool.start_all()
        await pool.wait_all(timeout=WAIT)
        yield cluster, pool
    finally:
        await pool.stop_all()
        await cluster.stop()


async def test_commands_files_and_queries_on_emulated_nodes(
    cluster_pool: tuple[Cluster, LinkPool],
) -> None:
    _, pool = cluster_pool
    for link in pool:
        assert (await link.run(["uname", "-n"])).stdout_text.strip() == link.node
    alpha = pool.get("alpha")
    await alpha.write_file("/etc/drbd.d/t.res", "resource t {}\n")
    assert await alpha.read_file("/etc/drbd.d/t.res") == b"resource t {}\n"
    assert [vg.name for vg in await alpha.query_vgs()] == ["vg0"]
    assert any(lv.name == "thin0" for lv in await alpha.query_lvs())
    assert (await alpha.host_metrics()).mem_total_bytes > 0


async def test_events2_stream_survives_a_node_restart(
    cluster_pool: tuple[Cluster, LinkPool],
) -> None:
    cluster, pool = cluster_pool
    alpha = pool.get("alpha")
    state = DrbdState("alpha")
    stream = alpha.watch_events2(state)
    for _ in range(500):
        if state.initial_done:
            break
        await asyncio.sleep(0.02)
    assert state.initial_done and stream.starts == 1
    await cluster.node("alpha").stop()
    st = await alpha.wait_status(LinkStatus.OFFLINE, timeout=WAIT)
    assert st.error.startswith("connection")
    await cluster.node("alpha").start()
    await alpha.wait_status(LinkStatus.ONLINE, timeout=WAIT)
    for _ in range(500):
        if stream.starts >= 2 and state.initial_done:
            break
        await asyncio.sleep(0.02)
    assert stream.starts == 2 and state.initial_done and state.malformed == 0
    assert pool.get("bravo").status == LinkStatus.ONLINE
