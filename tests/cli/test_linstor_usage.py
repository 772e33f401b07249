"""Usage errors exit 2 with a message naming the argument; ``-h`` works everywhere."""

from __future__ import annotations

import io
import shlex

import pytest

from drbdeck.cli.linstor import main
from drbdeck.cli.linstor.grammar import GROUPS

BAD: list[tuple[str, str]] = [
    ("vd c r1 1.5G", 'argument SIZE: "." is not a valid unit'),
    ("vd c r1 10X", 'argument SIZE: "X" is not a valid unit'),
    ("vd c r1 big", "argument SIZE"),
    ("vd c r1", "SIZE"),
    ("vd c -m abc r1 1G", "argument -m/--minor: 'abc' is not an integer"),
    ("vd sp r1 x K V", "argument VLMNR"),
    ("rd c r1 --peer-slots 32", "argument --peer-slots: 32 is out of range 1-31"),
    ("rd c r1 -p 70000", "argument -p/--port: 70000 is out of range 1-65535"),
    ("n c alpha 10.0.0.1 --node-type master", "argument --node-type: invalid choice: 'master'"),
    ("n c alpha 10.0.0.1 --ssh-port 0", "argument --ssh-port: 0 is out of range 1-65535"),
    ("sp c alpha pool1 zfs tank", "argument DRIVER"),
    ("sp c lvm alpha pool1", "argument VG: driver 'lvm' needs a driver pool"),
    ("sp c diskless alpha dl vg0", "argument VG: the diskless driver takes no driver pool"),
    ("sp c lvm alpha", "arguments NODE and POOL are required"),
    ("r c r1", "arguments NODE and RSC are required"),
    ("r c alpha r1 --node-id 32", "argument --node-id: 32 is out of range 0-31"),
    ("r c alpha r1 --auto-place 2", "--auto-place takes only RSC"),
    ("r c r1 --auto-place 0", "argument --auto-place: '0' must be a count"),
    ("r c r1 --auto-place two", "argument --auto-place: 'two' must be a count"),
    ("r c r1 --auto-place 2 --diskless-on-remaining maybe", "must be true or false"),
    ("r c r1 --auto-place 2 --x-replicas-on-different dc x", "N 'x' is not an integer"),
    ("r d r1", "arguments NODE and RSC are required"),
    ("r frob", "argument COMMAND: unknown command 'frob'"),
    ("frob list", "argument GROUP: unknown group 'frob'"),
    ("n l --bogus", "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(("words", "message"), BAD, ids=[w for w, _ in BAD])
def test_usage_error_exits_2_naming_the_argument(
    words: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert main(["--curl", *shlex.split(words)], None, stdout=out, environ={}) == 2
    assert message in capsys.readouterr().err
    assert out.getvalue() == ""  # nothing was sent or printed as a request


COMMANDS = [(g.name, c.name) for g in GROUPS for c in g.commands]


@pytest.mark.parametrize(("group", "command"), COMMANDS, ids=[f"{g} {c}" for g, c in COMMANDS])
def test_help_everywhere(group: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([group, command, "-h"], None, environ={}) == 0
    assert f"usage: drbdeck {group} {command}" in capsys.readouterr().out


@pytest.mark.parametrize("group", [g.aliases[0] for g in GROUPS])
def test_group_help_lists_commands(group: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([group, "-h"], None, environ={}) == 0
    assert "commands:" in capsys.readouterr().out


def test_top_level_help_lists_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-h"], None, environ={}) == 0
    out = capsys.readouterr().out
    assert "resource-definition, rd" in out and "--controllers" in out


def test_group_without_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rd"], None, environ={}) == 2
    assert "commands:" in capsys.readouterr().err
