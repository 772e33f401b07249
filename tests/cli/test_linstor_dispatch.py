"""How ``drbdeck.cli.main`` tells LINSTOR command lines from its own programs."""

from __future__ import annotations

import io
import shlex
from types import SimpleNamespace

import pytest

from drbdeck.cli.linstor import claims, main


@pytest.mark.parametrize(
    ("words", "ours"),
    [
        ("node list", True),
        ("n l", True),
        ("--controllers=10.43.7.254 node list", True),
        ("--controllers 10.43.7.254 -m --no-color --curl rd c r1", True),
        ("-t 5 --no-utf8 r lv", True),
        ("spd c drbdpool", True),
        ("storage-pool-definition create drbdpool", True),
        ("controller version", True),
        ("c lp", True),
        ("controller sp Key Value", True),
        ("controller", False),  # the daemon
        ("controller --db /tmp/x.db --listen 127.0.0.1:3370", False),
        ("emulator --nodes a,b", False),
        ("demo", False),
        ("", False),
        ("--controllers x", False),
    ],
)
def test_claims(words: str, ours: bool) -> None:
    assert claims(shlex.split(words)) is ours


def test_config_controllers_used_without_option() -> None:
    out = io.StringIO()
    config = SimpleNamespace(controllers="cfg-ctl:4000")
    assert main(["--curl", "n", "l"], config, stdout=out, environ={}) == 0
    assert out.getvalue().split()[-1] == "http://cfg-ctl:4000/v1/nodes"
    out = io.StringIO()
    assert main(["--controllers", "opt", "--curl", "n", "l"], config, stdout=out, environ={}) == 0
    assert out.getvalue().split()[-1] == "http://opt:3370/v1/nodes"
