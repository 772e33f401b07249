"""The emulated shell: parsing, connectors, redirections, builtins."""

from __future__ import annotations

import pytest

from drbdeck.emulator.node import EmulatedNode
from drbdeck.emulator.shell import Redirect, ShellSyntaxError, parse, tokenize
from tests.emulator.test_lvm_tools import sh


@pytest.fixture
def node() -> EmulatedNode:
    return EmulatedNode("bravo", "10.99.0.2")


def test_tokenize_quotes_and_operators() -> None:
    toks = tokenize("""echo 'a && b' "c \\"d\\"" e\\ f&&x 2>/dev/null 2>&1 >> y""")
    assert [(t.kind, t.value) for t in toks] == [
        ("word", "echo"), ("word", "a && b"), ("word", 'c "d"'), ("word", "e f"),
        ("op", "&&"), ("word", "x"), ("op", "2>"), ("word", "/dev/null"), ("op", "2>&1"),
        ("op", ">>"), ("word", "y")]


def test_parse_structure() -> None:
    clist = parse("LANG=C vgs -o x | cat; a || b && c > f")
    assert [c for c, _ in clist] == [";", ";", "||", "&&"]
    first = clist[0][1].commands
    assert first[0].env == {"LANG": "C"} and first[0].argv == ["vgs", "-o", "x"]
    assert first[1].argv == ["cat"]
    assert clist[3][1].commands[0].redirects == [Redirect(1, "f")]


@pytest.mark.parametrize("line", ["a &&", "| b", "echo 'x", 'echo "x', "a > ", "a & b"])
def test_syntax_errors(line: str) -> None:
    with pytest.raises(ShellSyntaxError):
        parse(line)


async def test_syntax_error_exit_status(node: EmulatedNode) -> None:
    r = await sh(node, "echo 'oops")
    assert r.status == 2 and r.err.startswith("bash: ")


async def test_unknown_command(node: EmulatedNode) -> None:
    r = await sh(node, "frobnicate --now")
    assert (r.status, r.err) == (127, "bash: frobnicate: command not found\n")
    r = await sh(node, "frobnicate 2>/dev/null || echo fallback")
    assert (r.status, r.out, r.err) == (0, "fallback\n", "")


async def test_connectors_and_status(node: EmulatedNode) -> None:
    r = await sh(node, "false && echo no; echo rc=$?")
    assert r.out == "rc=1\n"
    r = await sh(node, "true || echo no")
    assert (r.status, r.out) == (0, "")
    r = await sh(node, "test -e /etc/drbd.conf && echo yes")
    assert r.out == "yes\n"
    r = await sh(node, "test -e /etc/nothing")
    assert r.status == 1
    r = await sh(node, "[ -d /etc/drbd.d ] && [ ! -f /etc/drbd.d ]")
    assert r.status == 0


async def test_cat_write_and_mv(node: EmulatedNode) -> None:
    body = b'resource "r1" {\n}\n'
    r = await sh(node, "cat > /etc/drbd.d/r1.res.tmp && mv /etc/drbd.d/r1.res.tmp "
                 "/etc/drbd.d/r1.res", stdin=body)
    assert r.status == 0, r.err
    assert node.fs.read_bytes("/etc/drbd.d/r1.res") == body
    assert not node.fs.exists("/etc/drbd.d/r1.res.tmp")
    r = await sh(node, "cat /etc/drbd.d/r1.res | sha256sum")
    assert r.out.endswith("  -\n") and len(r.out.split()[0]) == 64


async def test_redirections(node: EmulatedNode) -> None:
    await sh(node, "echo one > /tmp/f; echo two >> /tmp/f")
    assert node.fs.read_text("/tmp/f") == "one\ntwo\n"
    r = await sh(node, "cat /nope > /tmp/g 2>&1")
    assert r.err == "" and "No such file" in node.fs.read_text("/tmp/g")
    r = await sh(node, "echo x > /no/dir/f")
    assert r.status == 1 and "No such file or directory" in r.err
    r = await sh(node, "echo to-err >&2")
    assert (r.out, r.err) == ("", "to-err\n")
    r = await sh(node, "cat < /etc/hostname")
    assert r.out == "bravo\n"


async def test_file_tools(node: EmulatedNode) -> None:
    r = await sh(node, "mkdir /a/b")
    assert r.status == 1 and "cannot create directory '/a/b'" in r.err
    assert (await sh(node, "mkdir -p /a/b && test -d /a/b")).status == 0
    r = await sh(node, "rm /a/missing")
    assert r.status == 1 and "cannot remove" in r.err
    assert (await sh(node, "rm -f /a/missing")).status == 0
    r = await sh(node, "mv /a/missing /a/x")
    assert r.status == 1 and "cannot stat" in r.err
    r = await sh(node, "uname -n")
    assert r.out == "bravo\n"
    r = await sh(node, "cat /proc/loadavg /proc/meminfo /proc/stat /proc/net/dev")
    assert "MemTotal:" in r.out and r.out[0].isdigit()
    assert "cpu " in r.out and "eth0:" in r.out


async def test_glob_in_fs(node: EmulatedNode) -> None:
    node.fs.write_bytes("/etc/drbd.d/a.res", b"")
    node.fs.write_bytes("/etc/drbd.d/b.res", b"")
    assert node.fs.glob("/etc/drbd.d/*.res") == ["/etc/drbd.d/a.res", "/etc/drbd.d/b.res"]


async def test_satellite_cat_fallback_line(node: EmulatedNode) -> None:
    line = ("cat > /etc/drbd.d/r.res.tmp && chmod 0644 /etc/drbd.d/r.res.tmp && "
            "mv /etc/drbd.d/r.res.tmp /etc/drbd.d/r.res || { rm -f /etc/drbd.d/r.res.tmp; "
            "exit 1; }")
    r = await sh(node, line, stdin=b"resource r {}\n")
    assert r.status == 0, r.err
    assert node.fs.read_text("/etc/drbd.d/r.res") == "resource r {}\n"
    r = await sh(node, line.replace("/etc/drbd.d", "/missing"), stdin=b"x")
    assert r.status == 1 and "No such file or directory" in r.err


async def test_groups_and_exit(node: EmulatedNode) -> None:
    r = await sh(node, "false || { echo a; echo b; } > /tmp/g; cat /tmp/g")
    assert r.out == "a\nb\n"
    r = await sh(node, "exit 3; echo never")
    assert (r.status, r.out) == (3, "")
    with pytest.raises(ShellSyntaxError):
        parse("{ echo a }")


async def test_wrappers_and_probes(node: EmulatedNode) -> None:
    r = await sh(node, "stdbuf -oL env LANG=C timeout 5 uname -n")
    assert r.out == "bravo\n"
    r = await sh(node, "timeout 0.01 sleep 5")
    assert r.status == 124
    r = await sh(node, "command -v lvcreate && which cat")
    assert r.out == "/usr/sbin/lvcreate\n/usr/bin/cat\n"
    r = await sh(node, "command -v nothing-here")
    assert (r.status, r.out) == (1, "")


def test_memory_fs_sparse_and_errors() -> None:
    import errno

    from drbdeck.emulator.fs import MemoryFS

    fs = MemoryFS()
    fs.mkdir("/d")
    fs.truncate("/d/big", 1 << 40)  # a hole: costs nothing
    assert fs.size("/d/big") == 1 << 40
    with pytest.raises(OSError) as exc:
        fs.read_bytes("/d/big")
    assert exc.value.errno == errno.EFBIG
    fs.write_bytes("/d/f", b"abc")
    fs.rename("/d/f", "/")  # into a directory
    assert fs.read_bytes("/f") == b"abc"
    with pytest.raises(FileNotFoundError):
        fs.write_bytes("/nodir/x", b"")
    with pytest.raises(NotADirectoryError):
        fs.listdir("/f")
    with pytest.raises(OSError):
        fs.rmdir("/d")  # not empty


def test_proc_moves_with_time() -> None:
    from drbdeck.emulator.seed import ProcModel

    now = [100.0]
    proc = ProcModel("alpha", clock=lambda: now[0])
    first = proc.stat().split(b"\n")[0].split()[1:]
    now[0] += 10
    second = proc.stat().split(b"\n")[0].split()[1:]
    assert sum(map(int, second)) > sum(map(int, first))
    assert proc.loadavg() != ProcModel("bravo", clock=lambda: now[0]).loadavg()


async def test_small_node_tools(node: EmulatedNode) -> None:
    r = await sh(node, "udevadm settle && sync && cat /proc/uptime")
    assert r.status == 0 and len(r.out.split()) == 2
    r = await sh(node, "wipefs -a /dev/vg0/none")
    assert r.status == 1 and "No such file or directory" in r.err
