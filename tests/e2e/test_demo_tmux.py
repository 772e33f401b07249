"""End to end: ``drbdeck demo`` in a real terminal (tmux), driven from the keyboard.

An operator's path: wait for the demo cluster on screen, define a resource (``d``: name,
100M volume, ctrl+s), place it with auto-place (``c``: choose the resource in the select,
ctrl+s), and watch it reach UpToDate — first its row in the resource list (✓ and two
UpToDate marks), then the drill-down's "UpToDate" per diskful node. Killing the tmux
session (SIGHUP) must leave no emulator process behind.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
RSC = "e2e"


class Pane:
    def __init__(self, tmux: str, session: str) -> None:
        self.tmux, self.session = tmux, session

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = [self.tmux, "send-keys", "-t", self.session, *(["-l"] if literal else []),
                *keys]
        subprocess.run(args, check=True)

    def text(self) -> str:
        return subprocess.run([self.tmux, "capture-pane", "-p", "-t", self.session],
                              capture_output=True, text=True, check=False).stdout

    def wait(self, what: str, pred: Callable[[str], bool], timeout: float = 30.0) -> str:
        """Poll the screen until ``pred`` holds; the deadline only bounds a hang."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if pred(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; screen:\n{screen}")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    tmux = require_tool("tmux")
    session = f"drbdeck-e2e-{int(time.time() * 1000) % 10**8}"
    state = tmp_path / "demo"
    cmd = [sys.executable, "-m", "drbdeck.cli.main", "demo", "--state-dir", str(state),
           "--listen", "127.0.0.1:0"]
    # COLUMNS/LINES from the test process (pytest's plugins export 80x24) would win over
    # the pane's real size in Textual, and the toasts would wrap differently
    subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    f"cd {shlex.quote(str(ROOT))} && exec env -u COLUMNS -u LINES "
                    f"{shlex.join(cmd)}"], check=True)
    p = Pane(tmux, session)
    p.state = state  # type: ignore[attr-defined]
    try:
        yield p
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], capture_output=True,
                       check=False)


def _alive(pid: str) -> bool:
    """Running (a zombie waiting for tmux to reap it has exited)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def emulators(state: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-f", f"emulator .*{state}"], capture_output=True,
                         text=True, check=False).stdout
    return out.split()


def test_create_a_resource_with_auto_place_and_see_it_uptodate(pane: Pane) -> None:
    pane.wait("the demo cluster on screen", lambda s: "Primary@alpha" in s
              and "SyncTarget" in s and "Diskless" in s, timeout=40)

    pane.keys("d")
    pane.wait("the resource-definition form", lambda s: "Create resource definition" in s)
    time.sleep(0.5)  # the form focuses its first field once mounted; keys before it are lost
    pane.keys(RSC, literal=True)
    pane.wait("the name typed", lambda s: re.search(rf"Name\s+{RSC}\b", s) is not None,
              timeout=5)
    for _ in range(3):  # Name → Port → Peer slots → Volume 0 size, one key at a time
        time.sleep(0.2)
        pane.keys("Tab")
    time.sleep(0.2)
    pane.keys("100M", literal=True)
    pane.wait("the size typed", lambda s: re.search(r"Volume 0 size\s+100M", s) is not None,
              timeout=5)
    pane.keys("C-s")
    pane.wait("the definition created", lambda s: f"definition '{RSC}' created" in s)

    pane.keys("c")
    pane.wait("the resource form", lambda s: "Create resource" in s and "Replicas" in s)
    time.sleep(0.5)
    pane.keys("BTab", "BTab", "Enter")  # from Replicas back to the Resource select; open it
    pane.wait("the resource list of the select", lambda s: re.search(
        rf"│ \S.*\b{RSC}\b", s) is not None and "choose" in s)
    pane.keys(RSC, literal=True)  # type to search
    pane.keys("Enter")
    pane.wait("e2e chosen", lambda s: re.search(rf"Resource\s+{RSC}\b", s) is not None)
    pane.keys("C-s")

    row = re.compile(rf"^✓ {RSC}\s.*●.*●", re.MULTILINE)
    pane.wait(f"{RSC} healthy in the resource list", lambda s: row.search(s) is not None,
              timeout=60)

    # drill down into it: walk the cursor until the detail header names it
    pane.keys("Home")
    for _ in range(10):
        pane.keys("Enter")
        screen = pane.wait("a detail screen", lambda s: "◀ Esc" in s)
        if re.search(rf"◀ Esc\s+{RSC}\b", screen):
            break
        pane.keys("Escape")
        pane.wait("back at the list", lambda s: "◀ Esc" not in s)
        pane.keys("Down")
    else:
        pytest.fail(f"never reached {RSC}'s detail screen")
    vol_row = next(ln for ln in screen.splitlines() if ln.lstrip().startswith("0 "))
    assert vol_row.count("UpToDate") == 2, screen

    state = pane.state  # type: ignore[attr-defined]
    assert emulators(state)
    subprocess.run([pane.tmux, "kill-session", "-t", pane.session], check=True)
    deadline = time.monotonic() + 15
    while emulators(state) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not emulators(state), "the emulator outlived the demo"


def test_sigterm_closes_the_demo_and_its_emulator(pane: Pane) -> None:
    pane.wait("the demo cluster on screen", lambda s: "Primary@alpha" in s, timeout=40)
    state = pane.state  # type: ignore[attr-defined]
    # the pane's own process is the demo (exec); pgrep would also match the tmux server,
    # whose command line holds the demo's when this session started it
    demo = subprocess.run([pane.tmux, "display", "-p", "-t", pane.session, "#{pane_pid}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert len(demo) == 1 and "cli.main" in Path(f"/proc/{demo[0]}/cmdline").read_text()
    assert emulators(state)
    subprocess.run(["kill", "-TERM", demo[0]], check=True)
    deadline = time.monotonic() + 15
    while (_alive(demo[0]) or emulators(state)) and time.monotonic() < deadline:
        time.sleep(0.1)
    status = Path(f"/proc/{demo[0]}/status")
    assert not status.exists() or "zombie" in status.read_text(), (
        f"the demo ignored SIGTERM: {status.read_text() if status.exists() else ''}")
    assert not emulators(state), "the emulator outlived the demo"
