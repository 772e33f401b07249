"""``drbdeck emulator`` and ``drbdeck emulator ctl``: arguments, a real process, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from drbdeck.config import Config
from drbdeck.emulator.cli import main, parse_size_kib


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "--nodes"),
        (["--nodes", ""], "--nodes: give at least one"),
        (["--nodes", "a,a"], "--nodes: node names must be unique"),
        (["--nodes", "a b"], "--nodes: node name 'a b' is invalid"),
        (["--nodes", "a", "--vg", "vg0"], "--vg: 'vg0' must be NAME:SIZE"),
        (["--nodes", "a", "--vg", "vg0:lots"], "--vg vg0: size 'lots' is invalid"),
        (["--nodes", "a", "--vg", "bad/name:1G"], "--vg: volume group name"),
        (["--nodes", "a", "--port-base", "70000"], "--port-base: 70000"),
        (["--nodes", "a", "--sync-rate", "0"], "--sync-rate: must be a positive"),
        (["--nodes", "a", "--port-base", "x"], "--port-base: invalid int value"),
        (["--nodes", "a", "--thin-pool", "-1"], "--thin-pool"),
    ],
)
def test_bad_arguments(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, Config()) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["ctl"], 2, "--state-dir"),
        (["ctl", "--state-dir", "/nonexistent", "explode", "a"], 2, "unknown verb 'explode'"),
        (["ctl", "--state-dir", "/nonexistent", "stop-node"], 2, "stop-node takes 1"),
        (["ctl", "--state-dir", "/nonexistent", "slow-link", "a", "b", "fast"], 2,
         "KIB must be an integer"),
        (["ctl", "--state-dir", "/nonexistent", "stop-node", "a"], 20, "no emulator is running"),
    ],
)
def test_ctl_errors(argv: list[str], code: int, needle: str,
                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, Config()) == code
    assert needle in capsys.readouterr().err


def test_size_parsing() -> None:
    assert parse_size_kib("100G", "x") == 100 * 1024 * 1024
    assert parse_size_kib("512m", "x") == 512 * 1024
    assert parse_size_kib("2", "x") == 2 * 1024 * 1024
    assert parse_size_kib("1TiB", "x") == 1024**3


def _ctl(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "emulator", "ctl",
                           "--state-dir", str(state), *args], capture_output=True, text=True,
                          timeout=30, check=False)


def test_emulator_process_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "st"
    env = {**os.environ, "DRBDECK_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    proc = subprocess.Popen(
        [sys.executable, "-m", "drbdeck.cli.main", "emulator", "--nodes", "alpha,bravo",
         "--port-base", "0", "--state-dir", str(state), "--vg", "vg0:10G", "--vg", "data:1G"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the nodes listen
        assert f"state dir: {state}" in first, proc.stderr.read() if proc.stderr else ""
        nodes = json.loads((state / "nodes.json").read_text())
        assert [n["name"] for n in nodes] == ["alpha", "bravo"]
        assert nodes[0]["vgs"] == {"vg0": 10 * 1024 * 1024, "data": 1024 * 1024}
        assert (state / "ctl.sock").exists()

        r = _ctl(state, "nodes")
        assert r.returncode == 0, r.stderr
        assert [n["running"] for n in json.loads(r.stdout)] == [True, True]
        r = _ctl(state, "stop-node", "alpha")
        assert (r.returncode, r.stdout) == (0, "node alpha stopped\n")
        r = _ctl(state, "stop-node", "alpha")
        assert r.returncode == 10 and "not running" in r.stderr
        r = _ctl(state, "start-node", "alpha")
        assert r.returncode == 0 and f"port {nodes[0]['ssh_port']}" in r.stdout
        r = _ctl(state, "drop-sessions", "bravo")
        assert r.returncode == 0
        r = _ctl(state, "fail-disk", "bravo", "/dev/vg0/none")
        assert r.returncode == 10 and "no block device /dev/vg0/none" in r.stderr
        r = _ctl(state, "cut-link", "alpha", "nobody")
        assert r.returncode == 10 and "unknown node 'nobody'" in r.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0
    assert not (state / "ctl.sock").exists()


def test_port_in_use_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        port = s.getsockname()[1]
        code = main(["--nodes", "a", "--port-base", str(port), "--state-dir",
                     str(tmp_path / "st")], Config())
    finally:
        s.close()
    assert code == 1
    assert "cannot start" in capsys.readouterr().err
