"""``drbdeck demo``: options, bad input, and the script form (``--no-tui``: only the
emulator with the four demo nodes, stopped cleanly)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drbdeck.cli.demo import DEMO_NODES, demo_argv, main, parse_args
from drbdeck.config import Config
from drbdeck.emulator.cli import UsageError


def test_demo_argv_defaults_state_dir():
    args = demo_argv(["--no-tui"], Config())
    assert args[:2] == ["--nodes", "alpha,bravo,charlie,delta"]
    assert "--state-dir" in args and "--no-tui" not in args


def test_demo_refuses_other_nodes():
    with pytest.raises(UsageError, match="--nodes"):
        demo_argv(["--nodes", "x"], Config())


def test_console_options_parse():
    a = parse_args(["--port-base", "2300", "--sync-rate", "2048", "--listen", "127.0.0.1:0"])
    assert (a.port_base, a.sync_rate, a.rest) == (2300, 2048, ("127.0.0.1", 0))
    assert parse_args(["--no-rest"]).rest is None


@pytest.mark.parametrize(("argv", "needle"), [
    (["--port-base", "65534"], "--port-base"),
    (["--port-base", "x"], "--port-base"),
    (["--sync-rate", "0"], "--sync-rate"),
    (["--listen", "nohost"], "--listen"),
    (["--listen", "127.0.0.1:99999"], "--listen"),
    (["--bogus"], "--bogus"),
])
def test_bad_options_exit_2_naming_the_option(argv, needle, capsys):
    assert main(argv, Config()) == 2
    err = capsys.readouterr().err
    assert err.startswith("drbdeck demo: ") and needle in err and "Traceback" not in err


def test_state_dir_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["--state-dir", str(f)], Config()) == 2
    assert "--state-dir" in capsys.readouterr().err


def test_console_without_a_terminal_says_use_no_tui(tmp_path):
    p = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "demo"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "--no-tui" in p.stderr and "Traceback" not in p.stderr


def test_no_tui_runs_four_nodes_and_stops_on_sigterm(tmp_path: Path):
    state = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "drbdeck.cli.main", "demo", "--no-tui", "--port-base", "0",
         "--state-dir", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while not (state / "nodes.json").exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "demo did not write nodes.json"
            time.sleep(0.1)
        nodes = json.loads((state / "nodes.json").read_text())
        assert [n["name"] for n in nodes] == list(DEMO_NODES)
        assert all("vg0" in n["vgs"] for n in nodes)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
