"""The node layer (``backend.satellite``) against emulated nodes: the pairing the demo uses."""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.satellite import LinkStatus, NodeEndpoint, NodeLink
from drbdeck.emulator.cluster import Cluster


async def test_node_link_against_emulated_node(tmp_path: Path) -> None:
    c = await Cluster.start(["alpha"], tmp_path / "st")
    sd = c.state_dir
    node = c.node("alpha")
    link = NodeLink(NodeEndpoint("alpha", node.host, node.port, user="root",
                                 identity_file=str(sd.client_key_path),
                                 known_hosts=str(sd.known_hosts_path)))
    link.start()
    try:
        await link.wait_status(LinkStatus.ONLINE, timeout=10)
        r = await link.run(["uname", "-n"])
        assert (r.exit_status, r.stdout) == (0, b"alpha\n")
        await link.write_file("/etc/drbd.d/x.res", "resource x {}\n")
        assert node.fs.read_text("/etc/drbd.d/x.res") == "resource x {}\n"
        (vg,) = await link.query_vgs()
        assert (vg.name, vg.extent_size_kib) == ("vg0", 4096)
        assert [lv.name for lv in await link.query_lvs()] == ["thin0"]
        assert (await link.host_metrics()).mem_total_bytes > 0
        await node.stop()
        await link.wait_status(LinkStatus.OFFLINE, timeout=10)
        await node.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=20)
    finally:
        await link.stop()
        await c.stop()
