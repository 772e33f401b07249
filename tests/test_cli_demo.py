"""``drbdeck demo`` starts the four demo nodes and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drbdeck.cli.demo import DEMO_NODES, demo_argv
from drbdeck.config import Config
from drbdeck.emulator.cli import UsageError


def test_demo_argv_defaults_state_dir():
    args = demo_argv([], Config())
    assert args[:2] == ["--nodes", "alpha,bravo,charlie,delta"]
    assert "--state-dir" in args


def test_demo_refuses_other_nodes():
    with pytest.raises(UsageError, match="--nodes"):
        demo_argv(["--nodes", "x"], Config())


def test_demo_runs_four_nodes_and_stops_on_sigterm(tmp_path: Path):
    state = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "drbdeck.cli.main", "demo", "--state-dir", str(state)],
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
