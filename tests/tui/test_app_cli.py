"""``drbdeck tui`` options: bad input exits 2 with a clear message, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from drbdeck.config import Config
from drbdeck.tui import cli


@pytest.mark.parametrize(("argv", "message"), [
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--controllers", ""], "--controllers: empty"),
    (["--controllers", "h:1", "--db", "/tmp/x.db"], "cannot be combined"),
    (["--listen", "nonsense"], "expected HOST:PORT"),
    (["--listen", "127.0.0.1:99999"], "must be an integer from 0 to 65535"),
    (["--controllers", "https://x:1"], "https is not supported"),
    (["--db", "/nonexistent/dir/x.db"], "does not exist"),
])
def test_bad_options_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LS_CONTROLLERS", raising=False)
    assert cli.main(argv, Config()) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("drbdeck tui: ")


def test_db_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LS_CONTROLLERS", raising=False)
    assert cli.main(["--db", str(tmp_path)], Config()) == 2
    assert "is a directory" in capsys.readouterr().err


def test_controller_url_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    args = cli.parse([])
    assert cli.controller_url(args, Config(), env={}) is None
    assert cli.controller_url(args, Config(), env={"LS_CONTROLLERS": "ctl:3371"}) \
        == "http://ctl:3371"
    args = cli.parse(["--controllers", "a,b:1"])
    assert cli.controller_url(args, Config(), env={"LS_CONTROLLERS": "c"}) == "http://a:3370"


def test_busy_rest_port_exits_2_and_says_how_to_attach(tmp_path: Path) -> None:
    """Run as a process: a second controller on a busy port must not start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "drbdeck.cli.main", "tui", "--db", str(tmp_path / "x.db"),
             "--listen", f"127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(
                Path(__file__).resolve().parents[2])})
    assert proc.returncode == 2, proc.stderr
    assert f"--listen 127.0.0.1:{port}: cannot listen" in proc.stderr
    assert f"--controllers 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_controller_exits_20(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connection refused
        assert cli.main(["--controllers", f"127.0.0.1:{port}"], Config()) == 20
    err = capsys.readouterr().err
    assert "cannot attach to the controller" in err and "Traceback" not in err
