"""The DRBD emulation reached the way the controller reaches it: over SSH.

Only the wiring is tested here (commands registered, kernel per node, blockdev on
/dev/drbdN, events2 streaming and its end on dropped sessions); DRBD behaviour itself is
tested by the drbd subsystem's own tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from drbdeck.emulator.cluster import Cluster
from drbdeck.emulator.core import COMMANDS
from tests.emulator.test_server_ssh import T, connect

RES = """resource "r0" {
    on "alpha" {
        volume 0 { disk /dev/vg0/r0_00000; meta-disk internal; device minor 1000; }
        node-id 0;
        address ipv4 10.99.0.1:7000;
    }
    on "bravo" {
        volume 0 { disk /dev/vg0/r0_00000; meta-disk internal; device minor 1000; }
        node-id 1;
        address ipv4 10.99.0.2:7000;
    }
    connection-mesh { hosts alpha bravo; }
}
"""


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    c = await Cluster.start(["alpha", "bravo"], tmp_path / "state")
    assert c.node("alpha").drbd is not None and "drbdadm" in COMMANDS
    yield c
    await c.stop()


async def _bring_up(conn: asyncssh.SSHClientConnection) -> None:
    for line, data in (("lvcreate -L 64M -n r0_00000 vg0 -y", None),
                       ("cat > /etc/drbd.d/r0.res", RES),
                       ("drbdadm create-md --force --max-peers 7 r0", None),
                       ("drbdadm up r0", None)):
        r = await asyncio.wait_for(conn.run(line, input=data), T)
        assert r.exit_status == 0, (line, r.stderr)


async def test_drbd_over_ssh(cluster: Cluster) -> None:
    async with connect(cluster, "alpha") as a, connect(cluster, "bravo") as b:
        await _bring_up(a)
        await _bring_up(b)
        r = await asyncio.wait_for(a.run("blockdev --getsize64 /dev/drbd1000"), T)
        assert r.exit_status == 0 and 0 < int(r.stdout) < 64 * 1024**2
        r = await asyncio.wait_for(a.run("lvremove -f vg0/r0_00000"), T)
        assert (r.exit_status, r.stderr) == (5, "  Logical volume vg0/r0_00000 in use.\n")
        proc = await b.create_process("drbdsetup events2 all")
        lines = []
        while "exists -" not in lines:
            lines.append((await asyncio.wait_for(proc.stdout.readline(), T)).strip())
        assert any(x.startswith("exists connection name:r0") for x in lines)
        cluster.node("bravo").drop_sessions()
        with pytest.raises((asyncssh.Error, OSError)):
            while await asyncio.wait_for(proc.stdout.readline(), T):
                pass
            await asyncio.wait_for(b.run("true"), T)


async def test_kernel_replaced_on_restart(cluster: Cluster) -> None:
    node = cluster.node("alpha")
    first = node.drbd
    await node.stop()
    assert node.drbd is None
    await node.start()
    assert node.drbd is not None and node.drbd is not first


async def test_ctl_write_and_open_attr(cluster: Cluster) -> None:
    from drbdeck.emulator.ctl import CtlError, request, serve

    async with connect(cluster, "alpha") as a, connect(cluster, "bravo") as b:
        await _bring_up(a)
        await _bring_up(b)
        r = await asyncio.wait_for(a.run("lvs --reportformat json -o lv_attr vg0/r0_00000"), T)
        assert '"lv_attr":"-wi-ao----"' in r.stdout
        r = await asyncio.wait_for(a.run("drbdadm primary --force r0"), T)
        assert r.exit_status == 0, r.stderr
    sock = cluster.state_dir.ctl_socket
    server = await serve(cluster, sock)
    try:
        out = await asyncio.to_thread(request, sock, "write", ["alpha", "r0", "0", "4096"])
        assert out.startswith("wrote 4096 bytes to r0/0 on alpha")
        with pytest.raises(CtlError, match="r9"):
            await asyncio.to_thread(request, sock, "write", ["alpha", "r9", "0", "1"])
        nodes = await asyncio.to_thread(request, sock, "nodes", [])
        assert [n["name"] for n in nodes] == ["alpha", "bravo"]
    finally:
        server.close()
