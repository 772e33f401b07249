"""Unit tests of the node layer's pure parts: validation, lines, log, host keys, backoff."""

from __future__ import annotations

import random
from pathlib import Path

import asyncssh
import pytest

from drbdeck.backend.satellite import (
    CommandLog,
    HostKeyStore,
    HostKeyStoreError,
    InvalidArgument,
    LinkPool,
    LinkStatus,
    NodeEndpoint,
    NodeLink,
    NodeOffline,
    UnknownNode,
    validate_argv,
    validate_node_name,
)
from drbdeck.backend.satellite.command import validate_remote_path
from drbdeck.backend.satellite.hostkeys import fingerprint, host_pattern
from drbdeck.backend.satellite.lines import LineSplitter
from drbdeck.backend.satellite.stream import full_jitter
from drbdeck.config import SshConfig

# -- names and endpoints ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ab", "node-1", "n1.example.com", "1node", "A" * 63])
def test_valid_node_names(name: str) -> None:
    assert validate_node_name(name) == name


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("a", "2 to 255"),
        ("-node", "may not start or end with '-'"),
        ("node-", "may not start or end with '-'"),
        ("no_de", "may contain only"),
        ("a;rm -rf /", "may contain only"),
        ("node..x", "empty label"),
        (".node", "empty label"),
        ("a" * 64, "longer than 63"),
        (("a" * 60 + ".") * 5, "2 to 255"),
        (7, "must be a string"),
    ],
)
def test_invalid_node_names_name_the_rule(name: object, rule: str) -> None:
    with pytest.raises(InvalidArgument, match="node name") as info:
        validate_node_name(name)
    assert rule in str(info.value)


def test_endpoint_validation_and_resolution() -> None:
    cfg = SshConfig(user="admin", port=2222, identity_file="/k", known_hosts="/kh")
    ep = NodeEndpoint("n1", "10.0.0.1").resolve(cfg)
    assert (ep.port, ep.user, ep.identity_file, ep.known_hosts) == (2222, "admin", "/k", "/kh")
    own = NodeEndpoint("n1", "10.0.0.1", port=22, user="root", identity_file="/mine",
                       known_hosts="/own").resolve(cfg)
    assert (own.port, own.user, own.identity_file, own.known_hosts) == (22, "root", "/mine",
                                                                        "/own")
    assert NodeEndpoint("n1", "fe80::1", port=22).address == "[fe80::1]:22"
    for kwargs, rule in [
        ({"host": ""}, "host must be a non-empty"),
        ({"host": "a b"}, "RFC 1123"),
        ({"host": "-oProxyCommand=x"}, "RFC 1123"),
        ({"host": "h", "port": 0}, "port must be an integer from 1 to 65535"),
        ({"host": "h", "port": 70000}, "port must be"),
        ({"host": "h", "user": "ro ot"}, "ssh user"),
        ({"host": "h", "identity_file": "a\x00b"}, "identity_file"),
    ]:
        with pytest.raises(InvalidArgument, match=rule):
            NodeEndpoint("n1", **kwargs)  # type: ignore[arg-type]


# -- argv and paths ------------------------------------------------------------------------


def test_argv_validation() -> None:
    assert validate_argv(("a", "b c", "")) == ["a", "b c", ""]
    for bad, rule in [
        ("ls -l", "list of strings"),
        (b"ls", "list of strings"),
        ([], "must not be empty"),
        ([""], "argv\\[0\\]"),
        (["ls", 3], "argv\\[1\\] must be a string"),
        (["ls", "a\rb"], "newline"),
        (["ls", "a\x00"], "NUL"),
    ]:
        with pytest.raises(InvalidArgument, match=rule):
            validate_argv(bad)


def test_remote_path_validation() -> None:
    assert validate_remote_path("/etc/drbd.d/r0.res") == "/etc/drbd.d/r0.res"
    for bad, rule in [("r0.res", "absolute"), ("/a\nb", "newline"), ("/etc/", "directory"),
                      (None, "absolute")]:
        with pytest.raises(InvalidArgument, match=rule):
            validate_remote_path(bad)


# -- line splitting -------------------------------------------------------------------------


def test_line_splitter_handles_partial_lines() -> None:
    sp = LineSplitter()
    assert sp.feed(b"exists res") == []
    assert sp.feed(b"ource r0\nchange") == ["exists resource r0"]
    assert sp.feed(b" a\r\nb\n\nc") == ["change a", "b", ""]
    assert sp.flush() == "c" and sp.flush() is None
    assert sp.feed("ünï\n".encode()[:2]) == []  # a multi-byte char split across reads
    assert sp.feed("ünï\n".encode()[2:]) == ["ünï"]
    sp.feed(b"half")
    sp.discard()
    assert sp.feed(b"x\n") == ["x"]


def test_line_splitter_caps_runaway_lines() -> None:
    sp = LineSplitter(max_line=10)
    assert sp.feed(b"a" * 25) == ["a" * 25]
    assert sp.feed(b"ok\n") == ["ok"]


# -- command log ------------------------------------------------------------------------------


def test_command_log_ring_filters_and_listeners() -> None:
    log = CommandLog(maxlen=3)
    got = []
    remove = log.add_listener(got.append)
    log.add_listener(lambda e: 1 / 0)  # a broken listener must not break recording
    log.record("a", ["drbdadm", "up", "r0"], 0, 0.01)
    log.record("b", ["lvcreate", "-n", "x y"], 5, 0.02, b"  Insufficient free space\n")
    log.record("a", ["sleep", "9"], None, 1.0, timed_out=True, error="timed out after 1 s")
    log.record("a", ["true"], 0, 0.0)
    assert len(log) == 3 and [e.seq for e in log] == [2, 3, 4]
    assert [e.command for e in log.entries(node="a")] == ["sleep 9", "true"]
    failed = log.entries(failed=True)
    assert [e.node for e in failed] == ["b", "a"]
    assert failed[0].command == "lvcreate -n 'x y'"
    assert failed[0].stderr_tail == "Insufficient free space"
    assert failed[1].timed_out and failed[1].exit_status is None
    assert log.entries(contains="lvcreate")[0].exit_status == 5
    assert [e.seq for e in log.entries(since_seq=3)] == [4]
    remove()
    log.record("a", ["x"], 0, 0.0)
    assert len(got) == 4


def test_command_log_keeps_only_the_stderr_tail() -> None:
    log = CommandLog()
    e = log.record("a", ["x"], 1, 0.0, b"x" * 5000 + b"THE END")
    assert e.stderr_tail.endswith("THE END") and len(e.stderr_tail) <= 2001
    with pytest.raises(ValueError, match="maxlen"):
        CommandLog(maxlen=0)


# -- host keys --------------------------------------------------------------------------------


def _key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def test_host_key_store_pin_lookup_forget(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "known_hosts"
    store = HostKeyStore(path)
    assert store.lookup("10.0.0.1", 22) == [] and store.known_hosts_for("10.0.0.1", 22) is None
    k1, k2, k3 = _key(), _key(), _key()
    store.pin("10.0.0.1", 22, k1)
    store.pin("127.0.0.1", 2201, k2)
    text = path.read_text()
    assert "\n10.0.0.1 ssh-ed25519 " in text and "\n[127.0.0.1]:2201 ssh-ed25519 " in text
    assert path.stat().st_mode & 0o777 == 0o600
    store.pin("127.0.0.1", 2201, k3)  # replaces, never accumulates
    other = HostKeyStore(path)  # another process reading the same file
    assert [fingerprint(k) for k in other.lookup("127.0.0.1", 2201)] == [fingerprint(k3)]
    assert other.lookup("127.0.0.1", 2202) == []
    assert other.known_hosts_for("10.0.0.1", 22) is not None
    assert other.forget("10.0.0.1", 22) and not other.forget("10.0.0.1", 22)
    assert store.lookup("10.0.0.1", 22) == []  # store noticed the change on disk
    assert store.hosts() == [("127.0.0.1", 2201)]
    assert host_pattern("h", 22) == "h" and host_pattern("h", 23) == "[h]:23"


def test_host_key_store_reads_openssh_files_and_rejects_garbage(tmp_path: Path) -> None:
    k = _key()
    pub = k.export_public_key().decode().strip()
    path = tmp_path / "kh"
    path.write_text(f"# comment\n\nnode1,[10.0.0.2]:2200 {pub}\n"
                    f"|1|hashed|entry {pub}\n@revoked * {pub}\n")
    store = HostKeyStore(path)
    assert store.lookup("node1", 22) and store.lookup("10.0.0.2", 2200)
    store.pin("x", 22, k)
    assert "|1|hashed|entry" in path.read_text() and "@revoked" in path.read_text()
    path.write_text("node1 not-a-key\n")
    with pytest.raises(HostKeyStoreError, match=r"kh:1: not a known_hosts entry"):
        HostKeyStore(path).lookup("node1", 22)


# -- backoff ------------------------------------------------------------------------------------


def test_full_jitter_doubles_up_to_the_cap() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (30, 60.0)]:
        values = [full_jitter(1.0, 60.0, attempt, rng) for _ in range(300)]
        assert all(0 <= v <= ceiling for v in values)
        assert max(values) > ceiling * 0.8  # the whole range is used (full jitter)
    assert full_jitter(0.0, 0.0, 5, rng) <= 0.01  # a zero minimum cannot spin


# -- link and pool without a server ---------------------------------------------------------------


async def test_link_not_started_is_offline_at_once(tmp_path: Path) -> None:
    link = NodeLink(NodeEndpoint("n1", "127.0.0.1"), SshConfig(known_hosts=str(tmp_path / "k")))
    assert link.status == LinkStatus.STOPPED
    with pytest.raises(NodeOffline, match="node 'n1' is not connected \\(status STOPPED\\)"):
        await link.run(["true"])
    with pytest.raises(NodeOffline):
        await link.write_file("/tmp/x", b"x")
    with pytest.raises(InvalidArgument, match="timeout must be positive"):
        await link.run(["true"], timeout=0)
    with pytest.raises(InvalidArgument, match="max_sessions"):
        NodeLink(NodeEndpoint("n1", "h"), max_sessions=0)
    await link.stop()  # stopping a never-started link is fine
    assert link.status == LinkStatus.STOPPED


async def test_pool_names_and_errors(tmp_path: Path) -> None:
    pool = LinkPool(SshConfig(known_hosts=str(tmp_path / "k")))
    a = pool.add(NodeEndpoint("alpha", "10.0.0.1"))
    pool.add(NodeEndpoint("bravo", "10.0.0.2", known_hosts=str(tmp_path / "other")))
    assert pool.get("alpha") is a and "bravo" in pool and len(pool) == 2
    assert a.command_log is pool.command_log
    with pytest.raises(InvalidArgument, match="'alpha' is already in the pool"):
        pool.add(NodeEndpoint("alpha", "10.0.0.9"))
    with pytest.raises(UnknownNode, match="no node named 'zulu'"):
        pool.get("zulu")
    await pool.remove("bravo")
    assert "bravo" not in pool
    with pytest.raises(InvalidArgument, match="max_concurrent_connects must be at least 1"):
        LinkPool(SshConfig(max_concurrent_connects=0))
    await pool.stop_all()


async def test_broken_known_hosts_file_is_reported_not_fatal(tmp_path: Path) -> None:
    kh = tmp_path / "kh"
    kh.write_text("garbage line\n")
    link = NodeLink(NodeEndpoint("n1", "127.0.0.1", port=1),
                    SshConfig(known_hosts=str(kh), reconnect_min=0.05, reconnect_max=0.1))
    link.start()
    try:
        st = await link.wait_status(LinkStatus.OFFLINE, timeout=20)
        assert "not a known_hosts entry" in st.error and str(kh) in st.error
    finally:
        await link.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[fe80::1]", "node-1.example.com",
                                  "alpha", "10.0.0.1", "example.com."])
def test_host_accepts_addresses_and_host_names(host: str) -> None:
    from drbdeck.backend.satellite.endpoint import validate_host

    assert validate_host(host) == host


@pytest.mark.parametrize("host", ["$(reboot)", "a b", "-oProxyCommand=x", "a;b", "bad_name",
                                  "x" * 64 + ".com", "", "a..b", "`id`"])
def test_host_refuses_anything_else(host: str) -> None:
    from drbdeck.backend.satellite.endpoint import validate_host

    with pytest.raises(InvalidArgument, match="node host"):
        validate_host(host)
