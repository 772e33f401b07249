"""In-process fakes for the DRBD emulation tests: nodes, file systems, block devices.

No SSH and no emulator server: a :class:`FakeNode` implements ``core.NodeServices`` with a
dict-backed file system, and :func:`run` invokes a registered program the way the server
would, collecting stdout/stderr. Time is simulated: tests call ``network.step(seconds)``.
"""

from __future__ import annotations

import asyncio
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from drbdeck.backend import resfile
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from drbdeck.emulator import core
from drbdeck.emulator.drbd import DrbdKernel, Network, register

GIB = 1024**3


class FakeFS:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def read_bytes(self, path: str) -> bytes:
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path]

    def write_bytes(self, path: str, data: bytes) -> None:
        self.files[path] = data

    def exists(self, path: str) -> bool:
        return path in self.files or self.is_dir(path)

    def is_dir(self, path: str) -> bool:
        return any(p.startswith(path.rstrip("/") + "/") for p in self.files)

    def listdir(self, path: str) -> list[str]:
        pre = path.rstrip("/") + "/"
        return sorted({p[len(pre):].split("/")[0] for p in self.files if p.startswith(pre)})

    def glob(self, pattern: str) -> list[str]:
        return sorted(p for p in self.files if fnmatch.fnmatch(p, pattern))

    def remove(self, path: str) -> None:
        del self.files[path]

    def rename(self, src: str, dst: str) -> None:
        self.files[dst] = self.files.pop(src)

    def mkdir(self, path: str, parents: bool = False) -> None:
        pass


@dataclass
class FakeDev:
    path: str
    size_bytes: int
    failed: bool = False
    md: Any = None


@dataclass
class FakeCluster:
    network: Network
    nodes: dict[str, FakeNode] = field(default_factory=dict)


class FakeNode:
    def __init__(self, name: str, address: str, cluster: FakeCluster) -> None:
        self.name = name
        self.address = address
        self.fs = FakeFS()
        self.devices: dict[str, FakeDev] = {}
        self._cluster = cluster
        self._drbd: DrbdKernel | None = DrbdKernel(self)
        self.fs.write_bytes(
            "/etc/drbd.conf",
            b'global { usage-count no; }\ncommon { }\ninclude "drbd.d/*.res";\n',
        )

    def block_device(self, path: str) -> FakeDev | None:
        return self.devices.get(path)

    @property
    def drbd(self) -> DrbdKernel | None:
        return self._drbd

    @property
    def cluster(self) -> FakeCluster:
        return self._cluster

    async def stop(self) -> None:
        assert self._drbd is not None
        await self._drbd.shutdown()
        self._drbd = None

    def start(self) -> None:
        self._drbd = DrbdKernel(self)


def make_cluster(names: list[str], disk_bytes: int = GIB, rate: int = 102400) -> FakeCluster:
    register()
    cl = FakeCluster(Network(default_rate_kib_s=rate, autotick=False))
    for i, n in enumerate(names):
        node = FakeNode(n, f"10.0.0.{i + 1}", cl)
        node.devices["/dev/vg0/r0_00000"] = FakeDev("/dev/vg0/r0_00000", disk_bytes)
        cl.nodes[n] = node
    return cl


def make_rc(
    cl: FakeCluster,
    diskless: tuple[str, ...] = (),
    name: str = "r0",
    options: dict[str, str] | None = None,
    port: int = 7000,
    minor: int = 1000,
) -> ResourceConfig:
    rc = ResourceConfig(name=name, options=dict(options or {}))
    rc.net = {"shared-secret": "s3cret"}
    for i, (n, node) in enumerate(cl.nodes.items()):
        disk = "none" if n in diskless else f"/dev/vg0/{name}_00000"
        if disk != "none" and disk not in node.devices:
            node.devices[disk] = FakeDev(disk, GIB)
        rc.hosts[n] = HostConfig(
            name=n, node_id=i, address=Address("ipv4", node.address, port),
            volumes={0: VolumeConfig(0, minor=minor, disk=disk, meta_disk="internal")},
        )
    return rc


def install(cl: FakeCluster, rc: ResourceConfig) -> None:
    """Write every node's .res for ``rc`` in LINSTOR's layout."""
    for n, node in cl.nodes.items():
        node.fs.write_bytes(f"/etc/drbd.d/{rc.name}.res", resfile.render(rc, n).encode())


@dataclass
class Result:
    rc: int
    out: str
    err: str


async def run(node: FakeNode, *argv: str, env: dict[str, str] | None = None) -> Result:
    out: list[str] = []
    err: list[str] = []
    inv = core.Invocation(
        node=node, argv=list(argv), env=dict(env or {}), out=out.append, err=err.append
    )
    rc = await core.COMMANDS[argv[0]](inv)
    return Result(rc, "".join(out), "".join(err))


class Stream:
    """A running ``drbdsetup events2`` whose output the test reads line by line."""

    def __init__(self, node: FakeNode, *args: str) -> None:
        self.chunks: list[str] = []
        self.inv = core.Invocation(
            node=node, argv=["drbdsetup", "events2", *args], out=self.chunks.append
        )
        self.task = asyncio.ensure_future(core.COMMANDS["drbdsetup"](self.inv))

    async def lines(self) -> list[str]:
        for _ in range(5):
            await asyncio.sleep(0)
        return "".join(self.chunks).splitlines()

    async def take(self) -> list[str]:
        out = await self.lines()
        self.chunks.clear()
        return out

    async def close(self) -> int:
        self.inv.closed.set()
        return await asyncio.wait_for(self.task, 5)


async def bring_up(cl: FakeCluster, rc: ResourceConfig, max_peers: int = 2) -> None:
    install(cl, rc)
    for node in cl.nodes.values():
        if rc.hosts[node.name].volumes[0].disk != "none":
            r = await run(node, "drbdadm", "create-md", f"--max-peers={max_peers}", rc.name)
            assert r.rc == 0, r.err
    for node in cl.nodes.values():
        r = await run(node, "drbdadm", "up", rc.name)
        assert r.rc == 0, r.err


def test_fake_fs_glob() -> None:
    fs = FakeFS()
    fs.write_bytes("/etc/drbd.d/a.res", b"")
    fs.write_bytes("/etc/drbd.d/b.res", b"")
    assert fs.glob("/etc/drbd.d/*.res") == ["/etc/drbd.d/a.res", "/etc/drbd.d/b.res"]
    assert fs.listdir("/etc") == ["drbd.d"]
