"""Emulated nodes over real SSH: exec, stdin, SFTP, crashes, restarts, dropped sessions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from drbdeck.emulator.cluster import Cluster
from drbdeck.emulator.node import NodeStateError

T = 10.0  # every network wait is bounded


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    c = await Cluster.start(["alpha", "bravo"], tmp_path / "state")
    yield c
    await c.stop()


def connect(c: Cluster, name: str) -> asyncssh.connect:
    sd = c.state_dir
    n = c.node(name)
    return asyncssh.connect(n.host, n.port, username="root",
                            client_keys=[str(sd.client_key_path)],
                            known_hosts=str(sd.known_hosts_path), connect_timeout=T)


async def test_state_dir_files(cluster: Cluster) -> None:
    sd = cluster.state_dir
    nodes = json.loads(sd.nodes_json_path.read_text())
    assert [n["name"] for n in nodes] == ["alpha", "bravo"]
    assert nodes[0]["address"] != nodes[1]["address"]
    assert nodes[0]["vgs"] == {"vg0": 100 * 1024 * 1024}
    assert nodes[0]["ssh_port"] == cluster.node("alpha").port
    kh = sd.known_hosts_path.read_text().splitlines()
    assert kh[0].startswith(f"[127.0.0.1]:{nodes[0]['ssh_port']} ssh-ed25519 ")
    assert (sd.path / "id_ed25519.pub").read_text().startswith("ssh-ed25519 ")


async def test_exec_basics(cluster: Cluster) -> None:
    async with connect(cluster, "alpha") as conn:
        r = await asyncio.wait_for(conn.run("uname -n"), T)
        assert (r.exit_status, r.stdout) == (0, "alpha\n")
        r = await asyncio.wait_for(conn.run("nosuchprog x"), T)
        assert (r.exit_status, r.stderr) == (127, "bash: nosuchprog: command not found\n")
        r = await asyncio.wait_for(conn.run("vgs --reportformat json --units k --nosuffix"), T)
        assert json.loads(r.stdout)["report"][0]["vg"][0]["vg_name"] == "vg0"
        # many sessions on one connection, concurrently
        rs = await asyncio.wait_for(asyncio.gather(*(conn.run(f"echo {i}") for i in range(20))),
                                    T)
        assert [x.stdout for x in rs] == [f"{i}\n" for i in range(20)]


async def test_cat_write_with_stdin(cluster: Cluster) -> None:
    async with connect(cluster, "bravo") as conn:
        r = await asyncio.wait_for(conn.run(
            "cat > /etc/drbd.d/r.res.tmp && mv /etc/drbd.d/r.res.tmp /etc/drbd.d/r.res",
            input="resource r {}\n"), T)
        assert r.exit_status == 0, r.stderr
        r = await asyncio.wait_for(conn.run("test -e /etc/drbd.d/r.res && cat /etc/drbd.d/r.res"),
                                   T)
        assert r.stdout == "resource r {}\n"
    assert cluster.node("bravo").fs.read_text("/etc/drbd.d/r.res") == "resource r {}\n"
    assert not cluster.node("alpha").fs.exists("/etc/drbd.d/r.res")


async def test_sftp_put_and_rename(cluster: Cluster) -> None:
    async with connect(cluster, "alpha") as conn, conn.start_sftp_client() as sftp:
        async with sftp.open("/etc/drbd.d/x.res.tmp", "w") as f:
            await f.write("resource x {}\n")
        await sftp.posix_rename("/etc/drbd.d/x.res.tmp", "/etc/drbd.d/x.res")
        assert sorted(await sftp.listdir("/etc/drbd.d")) == [
            ".", "..", "global_common.conf", "x.res"]
        assert (await sftp.stat("/etc/drbd.d/x.res")).size == 14
        async with sftp.open("/etc/drbd.d/x.res.tmp", "w") as f:
            await f.write("resource x { }\n")
        with pytest.raises(asyncssh.SFTPFailure):
            await sftp.rename("/etc/drbd.d/x.res.tmp", "/etc/drbd.d/x.res")
        await sftp.posix_rename("/etc/drbd.d/x.res.tmp", "/etc/drbd.d/x.res")
        async with sftp.open("/etc/drbd.d/x.res") as f:
            assert await f.read() == "resource x { }\n"
        with pytest.raises(asyncssh.SFTPNoSuchFile):
            await sftp.stat("/etc/nothing")
        await sftp.mkdir("/var/lib/drbdeck.d/sub")
        await sftp.remove("/etc/drbd.d/x.res")
        assert not cluster.node("alpha").fs.exists("/etc/drbd.d/x.res")


async def test_stop_refuses_and_start_keeps_host_key(cluster: Cluster) -> None:
    node = cluster.node("alpha")
    port = node.port
    conn = await connect(cluster, "alpha")
    node.lvm.create_linear("vg0", "keep", 4 * 1024**2)
    node.block_device("/dev/vg0/keep").md = "metadata"
    await node.stop()
    with pytest.raises(OSError):
        await asyncio.wait_for(connect(cluster, "alpha"), T)
    with pytest.raises((asyncssh.Error, OSError)):
        await asyncio.wait_for(conn.run("true"), T)
    conn.close()
    with pytest.raises(NodeStateError):
        await node.stop()
    await node.start()
    assert node.port == port
    async with connect(cluster, "alpha") as conn2:  # known_hosts still matches
        r = await asyncio.wait_for(conn2.run("lvs --reportformat json -o lv_name vg0/keep"), T)
        assert r.exit_status == 0
    assert node.block_device("/dev/vg0/keep").md == "metadata"


async def test_restarted_emulator_keeps_identities(tmp_path: Path) -> None:
    c1 = await Cluster.start(["n1"], tmp_path / "s")
    key1 = c1.node("n1").host_key.export_public_key()
    await c1.stop()
    c2 = await Cluster.start(["n1"], tmp_path / "s")
    try:
        assert c2.node("n1").host_key.export_public_key() == key1
    finally:
        await c2.stop()


async def test_drop_sessions_kills_streams(cluster: Cluster) -> None:
    node = cluster.node("bravo")
    async with connect(cluster, "bravo") as conn:
        proc = await conn.create_process("sleep 30")
        await asyncio.sleep(0.05)
        assert node.drop_sessions() == 1
        with pytest.raises((asyncssh.Error, OSError)):
            await asyncio.wait_for(conn.run("true"), T)
        proc.close()
    async with connect(cluster, "bravo") as conn:  # still up
        r = await asyncio.wait_for(conn.run("uname -n"), T)
        assert r.stdout == "bravo\n"


async def test_closing_channel_ends_long_command(cluster: Cluster) -> None:
    async with connect(cluster, "alpha") as conn:
        proc = await conn.create_process("sleep 30")
        await asyncio.sleep(0.05)
        proc.close()
        await asyncio.wait_for(proc.wait_closed(), T)
        r = await asyncio.wait_for(conn.run("echo alive"), T)
        assert r.stdout == "alive\n"


async def test_unknown_client_key_rejected(cluster: Cluster) -> None:
    n = cluster.node("alpha")
    other = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncio.wait_for(asyncssh.connect(
            n.host, n.port, username="root", client_keys=[other],
            known_hosts=str(cluster.state_dir.known_hosts_path), password=None), T)


async def test_faults_are_checked(cluster: Cluster) -> None:
    with pytest.raises(NodeStateError, match="unknown node 'zulu'"):
        cluster.node("zulu")
    with pytest.raises(NodeStateError, match="no block device"):
        cluster.node("alpha").fail_disk("/dev/vg0/none")
    with pytest.raises(NodeStateError, match="two different nodes"):
        cluster.cut_link("alpha", "alpha")


async def test_cluster_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        await Cluster.start(["a", "a"], tmp_path)
    with pytest.raises(ValueError, match="node name"):
        await Cluster.start(["bad name"], tmp_path)
    with pytest.raises(ValueError, match="at least one"):
        await Cluster.start([], tmp_path)


async def test_keepalive_answered(cluster: Cluster) -> None:
    n = cluster.node("alpha")
    sd = cluster.state_dir
    async with asyncssh.connect(n.host, n.port, username="root",
                                client_keys=[str(sd.client_key_path)],
                                known_hosts=str(sd.known_hosts_path),
                                keepalive_interval=0.05, keepalive_count_max=2) as conn:
        await asyncio.sleep(0.3)  # several keepalive rounds; an unanswered one would close it
        r = await asyncio.wait_for(conn.run("true"), T)
        assert r.exit_status == 0
