"""NodeLink against a real OpenSSH sshd on 127.0.0.1 (commands run in the real shell)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest

from drbdeck.backend.satellite import (
    CommandFailed,
    CommandLog,
    CommandTimeout,
    HostKeyError,
    InvalidArgument,
    LinkState,
    LinkStatus,
    NodeEndpoint,
    NodeLink,
    NodeOffline,
    RemoteFileError,
    fetch_host_key,
)
from drbdeck.backend.satellite.link import PREFERRED_CIPHERS
from tests.conftest import require_root, require_tool
from tests.sshd import Sshd, link_config, pin

pytestmark = pytest.mark.realtool

WAIT = 20.0  # generous upper bound for state changes; never a timing assertion


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    path = require_tool("sshd")
    require_root("sshd must log in as root and run commands in the real shell")
    server = Sshd(path, tmp_path / "sshd")
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def link(sshd: Sshd, tmp_path: Path) -> AsyncIterator[NodeLink]:
    kh = tmp_path / "known_hosts"
    pin(sshd, kh)
    lk = NodeLink(NodeEndpoint("node-a", "127.0.0.1"), link_config(sshd, kh))  # type: ignore[arg-type]
    lk.start()
    await lk.wait_status(LinkStatus.ONLINE, timeout=WAIT)
    yield lk
    await lk.stop()


def record_states(lk: NodeLink) -> list[LinkState]:
    seen: list[LinkState] = []
    lk.add_listener(lambda _link, st: seen.append(st))
    return seen


# -- commands ---------------------------------------------------------------------------


async def test_run_returns_stdout_stderr_and_exit(link: NodeLink) -> None:
    r = await link.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.exit_status, r.stdout, r.stderr) == (3, b"out\n", b"err\n")
    assert r.node == "node-a" and not r.ok and r.duration >= 0
    r = await link.run(["uname", "-n"])
    assert r.ok and r.stdout_text.strip() == os.uname().nodename


async def test_real_sshd_negotiates_the_preferred_cipher(link: NodeLink) -> None:
    """AES-GCM halves SSH CPU against chacha20 (bench_scale), and OpenSSH offers it."""
    conn = link.connection
    assert conn is not None
    assert conn.get_extra_info("send_cipher") == PREFERRED_CIPHERS[0]
    assert conn.get_extra_info("recv_cipher") == PREFERRED_CIPHERS[0]


async def test_hostile_arguments_arrive_as_single_literals(link: NodeLink, tmp_path: Path) -> None:
    hostile = ["a;rm -rf /", "two words", "it's", 'say "hi"', "$(touch pwned)", "`id`",
               "*", "back\\slash", "&& true", "|cat", "-n"]
    r = await link.run(["printf", "%s\\n", *hostile], check=True)
    assert r.stdout_text.split("\n")[:-1] == hostile
    assert not (Path.cwd() / "pwned").exists() and not Path("/root/pwned").exists()


async def test_stdin_input(link: NodeLink) -> None:
    r = await link.run(["wc", "-c"], input=b"x" * 100_000)
    assert r.stdout_text.strip() == "100000"
    r = await link.run(["cat"])  # stdin is closed when there is no input: no hang
    assert r.ok and r.stdout == b""


async def test_check_raises_with_stderr_tail(link: NodeLink) -> None:
    with pytest.raises(CommandFailed) as info:
        await link.run(["sh", "-c", "echo 'lvcreate: VG vg9 not found' >&2; exit 5"], check=True)
    err = info.value
    assert err.exit_status == 5 and "VG vg9 not found" in err.stderr_tail
    assert "node 'node-a'" in str(err) and "exited with status 5" in str(err)


async def test_timeout_kills_remote_process(link: NodeLink) -> None:
    with pytest.raises(CommandTimeout) as info:
        await link.run(["sleep", "37.125"], timeout=0.5)
    assert "timed out after 0.5 s" in str(info.value)

    def sleepers() -> list[psutil.Process]:
        out = []
        for p in psutil.process_iter(["cmdline"]):
            if p.info["cmdline"] == ["sleep", "37.125"]:
                out.append(p)
        return out

    for _ in range(200):  # the kill is asynchronous: wait for it, bounded
        if not sleepers():
            break
        await asyncio.sleep(0.05)
    assert sleepers() == []
    entry = link.command_log.entries(node="node-a")[-1]
    assert entry.timed_out and entry.exit_status is None and entry.command == "sleep 37.125"
    assert (await link.run(["true"])).ok  # the connection is still usable


async def test_command_log_records_every_command(link: NodeLink) -> None:
    seen = []
    link.command_log.add_listener(seen.append)
    await link.run(["sh", "-c", "echo boom >&2; exit 2"])
    await link.run(["echo", "fine"])
    failed = link.command_log.entries(failed=True)
    assert [e.exit_status for e in seen] == [2, 0]
    assert failed[-1].stderr_tail == "boom" and failed[-1].node == "node-a"
    assert failed[-1].argv == ("sh", "-c", "echo boom >&2; exit 2")
    assert failed[-1].command == "sh -c 'echo boom >&2; exit 2'"
    assert all(e.duration >= 0 and e.timestamp > 0 for e in seen)
    assert link.command_log.entries(contains="fine")[-1].ok


async def test_bad_argv_is_refused_before_sending(link: NodeLink) -> None:
    before = len(link.command_log)
    for bad, rule in [(["echo", "a\nb"], r"argv\[1\]"), (["x\x00"], "NUL"), ([], "empty"),
                      ("echo hi", "list")]:
        with pytest.raises(InvalidArgument, match=rule):
            await link.run(bad)  # type: ignore[arg-type]
    assert len(link.command_log) == before


# -- files ------------------------------------------------------------------------------


async def test_write_file_is_atomic_with_mode(link: NodeLink, tmp_path: Path) -> None:
    target = tmp_path / "r0.res"
    target.write_text("old content\n")
    old = target.open()  # an in-place rewrite would change what this handle reads
    old_inode = target.stat().st_ino
    await link.write_file(str(target), "resource r0 {}\n", mode=0o640)
    assert target.read_text() == "resource r0 {}\n"
    assert target.stat().st_mode & 0o7777 == 0o640
    assert target.stat().st_ino != old_inode and old.read() == "old content\n"
    old.close()
    assert [p.name for p in tmp_path.iterdir() if ".drbdeck-tmp-" in p.name] == []
    assert await link.read_file(str(target)) == b"resource r0 {}\n"
    assert link.command_log.entries()[-2].argv == ("sftp-put", str(target))


async def test_binary_roundtrip_and_errors(link: NodeLink, tmp_path: Path) -> None:
    data = bytes(range(256)) * 400
    await link.write_file(str(tmp_path / "bin"), data, mode=0o600)
    assert await link.read_file(str(tmp_path / "bin")) == data
    with pytest.raises(RemoteFileError, match="no such file"):
        await link.read_file(str(tmp_path / "missing"))
    with pytest.raises(RemoteFileError, match="cannot write"):
        await link.write_file(str(tmp_path / "no-dir" / "f"), b"x")
    with pytest.raises(InvalidArgument, match="absolute"):
        await link.write_file("relative/path", b"x")
    with pytest.raises(InvalidArgument, match="mode"):
        await link.write_file(str(tmp_path / "f"), b"x", mode=0o17777)


async def test_write_without_sftp_uses_cat_and_mv(tmp_path: Path) -> None:
    path = require_tool("sshd")
    require_root("sshd must log in as root")
    server = Sshd(path, tmp_path / "sshd", sftp=False)
    server.start()
    kh = tmp_path / "known_hosts"
    pin(server, kh)
    lk = NodeLink(NodeEndpoint("node-b", "127.0.0.1"), link_config(server, kh))  # type: ignore[arg-type]
    try:
        lk.start()
        await lk.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        target = tmp_path / "x it's.res"
        target.write_text("old")
        await lk.write_file(str(target), b"new\x00bytes", mode=0o600)
        assert target.read_bytes() == b"new\x00bytes"
        assert target.stat().st_mode & 0o7777 == 0o600
        assert await lk.read_file(str(target)) == b"new\x00bytes"
        assert lk.command_log.entries()[-2].argv == ("cat-put", str(target))
        with pytest.raises(RemoteFileError, match="cannot write"):
            await lk.write_file(str(tmp_path / "no-dir" / "f"), b"x")
        assert [p.name for p in tmp_path.iterdir() if ".drbdeck-tmp-" in p.name] == []
    finally:
        await lk.stop()
        server.kill()


# -- streams ----------------------------------------------------------------------------


async def test_stream_delivers_lines_in_order(link: NodeLink) -> None:
    lines: list[str] = []
    starts: list[int] = []
    script = ("for i in 1 2 3; do echo line$i; sleep 0.1; done;"
              " printf 'par'; sleep 0.1; printf 'tial\\nlast-no-newline'")
    s = link.stream(["sh", "-c", script], lines.append, on_start=lambda: starts.append(1),
                    restart=False)
    await asyncio.wait_for(s.done.wait(), WAIT)
    assert lines == ["line1", "line2", "line3", "partial", "last-no-newline"]
    assert starts == [1] and s.last_exit == 0


async def test_stream_restarts_when_command_exits(link: NodeLink) -> None:
    lines: list[str] = []
    s = link.stream(["echo", "tick"], lines.append)
    for _ in range(400):
        if len(lines) >= 3:
            break
        await asyncio.sleep(0.02)
    await s.stop()
    assert lines[:3] == ["tick", "tick", "tick"] and s.starts >= 3


# -- host keys --------------------------------------------------------------------------


async def test_fetch_host_key_does_not_need_trust(sshd: Sshd) -> None:
    key, fp = await fetch_host_key("127.0.0.1", sshd.port)
    assert fp == sshd.host_fingerprint
    assert key.export_public_key() == sshd.host_key.export_public_key()
    with pytest.raises(HostKeyError, match="cannot fetch host key"):
        await fetch_host_key("127.0.0.1", 1, timeout=5)


async def test_unknown_host_key_until_accepted(sshd: Sshd, tmp_path: Path) -> None:
    kh = tmp_path / "known_hosts"
    lk = NodeLink(NodeEndpoint("node-a", "127.0.0.1"), link_config(sshd, kh))  # type: ignore[arg-type]
    try:
        lk.start()
        st = await lk.wait_status(LinkStatus.UNKNOWN_HOST_KEY, timeout=WAIT)
        assert st.offered_fingerprint == sshd.host_fingerprint and lk.connects == 0
        with pytest.raises(NodeOffline, match="UNKNOWN_HOST_KEY"):
            await lk.run(["true"])
        with pytest.raises(HostKeyError, match="nothing was pinned"):
            await lk.accept_host_key("SHA256:not-the-right-one")
        assert not kh.exists() or "127.0.0.1" not in kh.read_text()
        assert await lk.accept_host_key(sshd.host_fingerprint) == sshd.host_fingerprint
        await lk.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        assert f"[127.0.0.1]:{sshd.port} ssh-ed25519 " in kh.read_text()
        assert (await lk.run(["true"])).ok
    finally:
        await lk.stop()


async def test_changed_host_key_is_a_mismatch_without_retries(
    link: NodeLink, sshd: Sshd
) -> None:
    states = record_states(link)
    old_fp = sshd.host_fingerprint
    sshd.restart(new_host_key=True)
    st = await link.wait_status(LinkStatus.HOST_KEY_MISMATCH, timeout=WAIT)
    assert st.offered_fingerprint == sshd.host_fingerprint != old_fp
    assert st.pinned_fingerprint == old_fp
    await asyncio.sleep(1.0)  # many backoff periods (0.05–0.3 s): no retry may happen
    assert link.status == LinkStatus.HOST_KEY_MISMATCH and link.connects == 1
    assert [s.status for s in states].count(LinkStatus.CONNECTING) == 1
    with pytest.raises(NodeOffline):
        await link.run(["true"])
    await link.accept_host_key(sshd.host_fingerprint)
    await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
    assert link.connects == 2 and (await link.run(["true"])).ok


async def test_auth_failure_is_reported(sshd: Sshd, tmp_path: Path) -> None:
    kh = tmp_path / "known_hosts"
    pin(sshd, kh)
    (sshd.dir / "authorized_keys").write_text("")
    lk = NodeLink(NodeEndpoint("node-a", "127.0.0.1"), link_config(sshd, kh))  # type: ignore[arg-type]
    try:
        lk.start()
        st = await lk.wait_status(LinkStatus.AUTH_FAILED, timeout=WAIT)
        assert "authentication failed" in st.error and st.attempts >= 1
    finally:
        await lk.stop()


# -- connection loss --------------------------------------------------------------------


async def test_node_restart_goes_offline_and_reconnects(link: NodeLink, sshd: Sshd) -> None:
    states = record_states(link)
    lines: list[str] = []
    starts: list[int] = []
    link.stream(["sh", "-c", "echo up; exec sleep 1000"], lines.append,
                on_start=lambda: starts.append(1))
    for _ in range(400):
        if lines:
            break
        await asyncio.sleep(0.02)
    sshd.kill()
    st = await link.wait_status(LinkStatus.OFFLINE, timeout=WAIT)
    assert st.error
    with pytest.raises(NodeOffline, match="node 'node-a' is not connected"):
        await link.run(["true"])
    sshd.start()
    await link.wait_status(LinkStatus.ONLINE, timeout=WAIT)
    assert link.connects == 2 and (await link.run(["true"])).ok
    for _ in range(400):  # the stream comes back by itself after the reconnect
        if len(lines) >= 2:
            break
        await asyncio.sleep(0.02)
    assert lines[:2] == ["up", "up"] and len(starts) >= 2
    kinds = [s.status for s in states]
    assert LinkStatus.OFFLINE in kinds and kinds[-1] == LinkStatus.ONLINE


async def test_unreachable_node_backs_off(tmp_path: Path, sshd: Sshd) -> None:
    kh = tmp_path / "known_hosts"
    pin(sshd, kh)
    sshd.kill()
    lk = NodeLink(NodeEndpoint("node-a", "127.0.0.1"), link_config(sshd, kh),  # type: ignore[arg-type]
                  command_log=CommandLog())
    try:
        lk.start()
        await lk.wait_status(LinkStatus.OFFLINE, timeout=WAIT)
        while lk.state.attempts < 3:
            await lk.wait_status(LinkStatus.CONNECTING, timeout=WAIT)
            await lk.wait_status(LinkStatus.OFFLINE, timeout=WAIT)
        st = lk.state
        assert st.attempts >= 3 and st.error == "connection refused" and st.next_retry
        sshd.start()
        await lk.wait_status(LinkStatus.ONLINE, timeout=WAIT)
        assert lk.state.attempts == 0
    finally:
        await lk.stop()
        assert lk.status == LinkStatus.STOPPED


# -- queries through the collectors -------------------------------------------------------


async def test_host_metrics_from_real_proc(link: NodeLink) -> None:
    m = await link.host_metrics()
    assert m.mem_total_bytes > 0 and m.cpu_count >= 1 and m.cpu.total_s > 0
    assert "lo" in m.net


async def test_query_vgs_and_lvs_with_real_lvm(link: NodeLink) -> None:
    require_tool("vgs")
    vgs = await link.query_vgs()
    lvs = await link.query_lvs()
    assert isinstance(vgs, list) and isinstance(lvs, list)
    entry = link.command_log.entries(contains="vgs --reportformat json")[-1]
    assert entry.exit_status == 0


async def test_connection_lost_during_a_command(link: NodeLink, sshd: Sshd) -> None:
    task = asyncio.create_task(link.run(["sh", "-c", "echo started; sleep 30"]))
    for _ in range(400):  # wait until the command is running on the node
        if any(p.info["cmdline"] == ["sleep", "30"]
               for p in psutil.process_iter(["cmdline"])):
            break
        await asyncio.sleep(0.02)
    sshd.kill()
    with pytest.raises(NodeOffline, match="connection lost"):
        await asyncio.wait_for(task, WAIT)
    assert link.command_log.entries()[-1].error.startswith("connection lost")
