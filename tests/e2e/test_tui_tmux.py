"""``drbdeck tui`` in a real terminal: it paints, and a hang-up (the tmux session killed,
the SSH session to the controller host dropped) ends it instead of leaving a console —
and its in-process controller — running with nobody to see it."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: str) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_tui_paints_and_exits_on_hangup(tmp_path: Path) -> None:
    tmux = require_tool("tmux")
    session = f"drbdeck-tui-{int(time.time() * 1000) % 10**8}"
    cmd = [sys.executable, "-m", "drbdeck.cli.main", "tui", "--db", str(tmp_path / "c.db"),
           "--listen", "none"]
    subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    f"cd {shlex.quote(str(ROOT))} && exec env -u COLUMNS -u LINES "
                    f"{shlex.join(cmd)}"], check=True)
    try:
        pid = subprocess.run([tmux, "display", "-p", "-t", session, "#{pane_pid}"],
                             capture_output=True, text=True, check=True).stdout.strip()
        deadline = time.monotonic() + 30
        screen = ""
        while time.monotonic() < deadline and "Resources" not in screen:
            time.sleep(0.2)
            screen = subprocess.run([tmux, "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True, check=False).stdout
        assert "Resources" in screen, screen
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], capture_output=True,
                       check=False)
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "the console kept running after its terminal hung up"
