"""NodeLink and LinkPool against an in-process asyncssh server (no sshd needed).

Used where a real sshd cannot easily show the behaviour: a network that silently drops
packets (keepalive), many simultaneous handshakes (connect concurrency bound), and canned
command output (events2, vgs/lvs).
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncssh
import pytest

from drbdeck.backend.satellite import (
    EVENTS2_ARGV,
    HostKeyStore,
    LinkPool,
    LinkStatus,
    NodeEndpoint,
    NodeLink,
)
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import SshConfig

WAIT = 20.0

EVENTS2 = (
    "2025-06-02T12:00:00.004811+00:00 exists resource name:r0 role:Secondary suspended:no "
    "force-io-failures:no may_promote:yes promotion_score:10101\n"
    "2025-06-02T12:00:00.004811+00:00 exists device name:r0 volume:0 minor:1000 "
    "backing_dev:/dev/vg0/r0_00000 disk:UpToDate client:no open:no quorum:yes\n"
    "2025-06-02T12:00:00.005127+00:00 exists -\n"
)

VGS_JSON = {"report": [{"vg": [{
    "vg_name": "vg0", "vg_size": "104857600.00", "vg_free": "52428800.00",
    "vg_extent_size": "4096.00", "vg_extent_count": "25600", "vg_free_count": "12800",
    "lv_count": "1"}]}]}


class FakeNode:
    """An asyncssh server answering a few commands; counts handshakes in flight."""

    def __init__(self, tmp: Path, auth_delay: float = 0.0) -> None:
        self.tmp = tmp
        self.auth_delay = auth_delay
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.key_path = tmp / "client_key"
        self.key_path.write_bytes(self.client_key.export_private_key())
        self.key_path.chmod(0o600)
        self.conns: list[asyncssh.SSHServerConnection] = []
        self.inflight = 0
        self.max_inflight = 0
        self.commands: list[str] = []
        self.handlers: dict[str, Callable[[asyncssh.SSHServerProcess[str]], None]] = {}
        self.port = 0
        self._listener: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        node = self

        class Server(asyncssh.SSHServer):
            authed = False

            def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
                node.conns.append(conn)
                node.inflight += 1
                node.max_inflight = max(node.max_inflight, node.inflight)

            async def begin_auth(self, username: str) -> bool:
                await asyncio.sleep(node.auth_delay)
                return True

            def auth_completed(self) -> None:
                self.authed = True
                node.inflight -= 1

            def connection_lost(self, exc: Exception | None) -> None:
                if not self.authed:
                    node.inflight -= 1

        self._listener = await asyncssh.listen(
            "127.0.0.1", 0, server_factory=Server, server_host_keys=[self.host_key],
            authorized_client_keys=asyncssh.import_authorized_keys(
                self.client_key.export_public_key().decode()),
            process_factory=self._handle,
        )
        self.port = self._listener.get_port()

    async def _handle(self, process: asyncssh.SSHServerProcess[str]) -> None:
        command = process.command or ""
        self.commands.append(command)
        argv = shlex.split(command)
        handler = self.handlers.get(argv[0])
        if handler is None:
            process.stderr.write(f"sh: 1: {argv[0]}: not found\n")
            process.exit(127)
            return
        try:
            handler(process)
        except Exception as exc:
            process.stderr.write(f"handler failed: {exc}\n")
            process.exit(1)

    async def stop(self) -> None:
        for conn in self.conns:
            conn.abort()
        if self._listener is not None:
            self._listener.close()
            await self._listener.wait_closed()

    def pin(self, known_hosts: Path, port: int | None = None) -> None:
        HostKeyStore(known_hosts).pin("127.0.0.1", port or self.port,
                                      self.host_key.convert_to_public())

    def config(self, known_hosts: Path, **kw: object) -> SshConfig:
        values: dict[str, object] = dict(
            port=self.port, identity_file=str(self.key_path), known_hosts=str(known_hosts),
            connect_timeout=5.0, command_timeout=10.0, keepalive_interval=0.0,
            reconnect_min=0.05, reconnect_max=0.3)
        values.update(kw)
        return SshConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[FakeNode]:
    fake = FakeNode(tmp_path)
    await fake.start()
    yield fake
    await fake.stop()


class BlackholeProxy:
    """TCP proxy that can silently stop forwarding: a network partition, not a reset."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.blackhole = False
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [writer, up_writer]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with __import__("contextlib").suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    if not self.blackhole:
                        dst.write(data)
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def stop(self) -> None:
        for w in self._writers:
            w.close()
        if self._server is not None:
            self._server.close()


async def test_keepalive_detects_a_silent_peer_and_reconnects(
    node: FakeNode, tmp_path: Path
) -> None:
    node.handlers["true"] = lambda p: p.exit(0)
    proxy = BlackholeProxy(node.port)
    await proxy.start()
    kh = tmp_path / "kh"
    node.pin(kh, proxy.port)
    cfg = node.config(kh, port=proxy.port, keepalive_interval=0.1, keepalive_count_max=2,
                      connect_timeout=1.0)
    link = NodeLink(NodeEndpoint("quiet", "127.0.0.1"), cfg)
    try:
        link.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        proxy.blackhole = True  # nothing arrives any more, and nothing is closed either
        st = await link.wait_status(LinkStatus.OFFLINE, timeout=WAIT)
        assert "keepalive" in st.error.lower()
        proxy.blackhole = False
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        assert link.connects == 2 and (await link.run(["true"])).ok
    finally:
        await link.stop()
        await proxy.stop()


async def test_pool_bounds_concurrent_connects(tmp_path: Path) -> None:
    fake = FakeNode(tmp_path, auth_delay=0.05)
    await fake.start()
    kh = tmp_path / "kh"
    fake.pin(kh)
    pool = LinkPool(fake.config(kh, max_concurrent_connects=3))
    try:
        for i in range(12):
            pool.add(NodeEndpoint(f"node{i:02d}", "127.0.0.1"))
        pool.start_all()
        await pool.wait_all(timeout=WAIT)
        assert 1 <= fake.max_inflight <= 3
        assert all(link.status == LinkStatus.ONLINE for link in pool)
        assert pool.get("node07").node == "node07" and len(pool) == 12
    finally:
        await pool.stop_all()
        await fake.stop()
    assert all(link.status == LinkStatus.STOPPED for link in pool)
    leftovers = [t for t in asyncio.all_tasks()
                 if t.get_name().startswith(("link ", "stream ")) and not t.done()]
    assert leftovers == []


async def test_watch_events2_feeds_drbdstate_and_resets_on_restart(
    node: FakeNode, tmp_path: Path
) -> None:
    seen_argv: list[list[str]] = []

    def events2(p: asyncssh.SSHServerProcess[str]) -> None:
        seen_argv.append(shlex.split(p.command or ""))
        # Written in awkward pieces to exercise line reassembly.
        for i in range(0, len(EVENTS2), 37):
            p.stdout.write(EVENTS2[i:i + 37])
        p.exit(0)

    node.handlers["drbdsetup"] = events2
    kh = tmp_path / "kh"
    node.pin(kh)
    link = NodeLink(NodeEndpoint("alpha", "127.0.0.1"), node.config(kh))
    state = DrbdState("alpha")
    resets: list[int] = []
    orig_reset = state.reset

    def counting_reset() -> None:
        resets.append(1)
        orig_reset()

    state.reset = counting_reset  # type: ignore[method-assign]
    try:
        link.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        stream = link.watch_events2(state)
        for _ in range(1000):
            if stream.starts >= 2 and state.initial_done:
                break
            await asyncio.sleep(0.02)
        assert seen_argv[0] == EVENTS2_ARGV
        assert seen_argv[0] == ["drbdsetup", "events2", "all", "--statistics", "--timestamps",
                                "--color=never"]
        assert len(resets) >= 2 and state.initial_done and state.malformed == 0
        assert state.resources["r0"].devices[0].disk == "UpToDate"
    finally:
        await link.stop()


async def test_query_vgs_uses_the_lvm_collector(node: FakeNode, tmp_path: Path) -> None:
    got: list[str] = []

    def vgs(p: asyncssh.SSHServerProcess[str]) -> None:
        got.append(p.command or "")
        p.stdout.write(json.dumps(VGS_JSON))
        p.exit(0)

    def lvs(p: asyncssh.SSHServerProcess[str]) -> None:
        p.stderr.write("  Volume group \"vg9\" not found\n")
        p.exit(5)

    node.handlers.update(vgs=vgs, lvs=lvs)
    kh = tmp_path / "kh"
    node.pin(kh)
    link = NodeLink(NodeEndpoint("alpha", "127.0.0.1"), node.config(kh))
    try:
        link.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        vg = (await link.query_vgs())[0]
        assert (vg.name, vg.size_kib, vg.free_kib) == ("vg0", 104857600, 52428800)
        assert got[0].startswith("vgs --reportformat json")
        from drbdeck.backend.satellite import CommandFailed

        with pytest.raises(CommandFailed, match="vg9"):
            await link.query_lvs()
    finally:
        await link.stop()


async def test_no_coreutils_timeout_means_no_wrapper(node: FakeNode, tmp_path: Path) -> None:
    node.handlers["echo"] = lambda p: (p.stdout.write("hi\n"), p.exit(0))  # type: ignore[func-returns-value]
    kh = tmp_path / "kh"
    node.pin(kh)
    link = NodeLink(NodeEndpoint("alpha", "127.0.0.1"), node.config(kh))
    try:
        link.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        r = await link.run(["echo", "hi"], timeout=5)
        assert r.stdout == b"hi\n"
        assert node.commands == ["timeout 10 true", "echo hi"]
        probe = link.command_log.entries()[0]
        assert probe.argv == ("timeout", "10", "true") and probe.exit_status == 127
    finally:
        await link.stop()


async def test_a_hung_command_times_out_and_the_link_survives(
    node: FakeNode, tmp_path: Path
) -> None:
    node.handlers["hang"] = lambda p: None  # never exits
    node.handlers["true"] = lambda p: p.exit(0)
    kh = tmp_path / "kh"
    node.pin(kh)
    link = NodeLink(NodeEndpoint("alpha", "127.0.0.1"), node.config(kh))
    try:
        link.start()
        await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        from drbdeck.backend.satellite import CommandTimeout

        with pytest.raises(CommandTimeout, match="node 'alpha': command timed out"):
            await link.run(["hang"], timeout=0.2)
        assert link.status == LinkStatus.ONLINE and (await link.run(["true"])).ok
        assert link.command_log.entries(contains="hang")[0].timed_out
    finally:
        await link.stop()
