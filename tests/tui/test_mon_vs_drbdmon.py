"""``drbdeck mon`` next to Debian's drbdmon on the same fake drbdsetup (issue 4, drbd.md §5.4).

Both programs run in one tmux server (its own socket), each pane against the fake
``drbdsetup`` on PATH replaying ``cluster.txt``; the live part is gated by files the test
creates, so both screens are compared at the same three points of the stream: the initial
dump (r0 resyncing at 20.10 %), after a ``done:61.25`` update, and after the resync ended
and the lost peer of ``data`` came back. Each screen is parsed into the same fact model per
resource (role, healthy or not, minors, quorum lost, connections with state and whether the
peer is Primary, local disks that are not UpToDate, non-Established replication on connected
peers, resync %), and the two models must be equal.

What is compared is what drbdmon prints: it shows resync progress only on the SyncTarget
side and hides the peer volumes of a disconnected peer, so those are left out of the model.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require_tool

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FAKEBIN = TESTS / "fakebin"
FIX = TESTS / "fixtures" / "events2"

ROLES = ("Primary", "Secondary", "Unknown")


@dataclass
class Facts:
    """What one screen says about one resource."""

    role: str = "?"
    ok: bool = True
    minors: dict[int, int] = field(default_factory=dict)
    quorum_lost: bool = False
    conns: dict[str, tuple[str, bool]] = field(default_factory=dict)  # (state, peer Primary)
    bad_disks: dict[int, str] = field(default_factory=dict)
    repl: dict[tuple[str, int], str] = field(default_factory=dict)  # non-Established only
    sync: dict[str, float] = field(default_factory=dict)  # peer -> % (SyncTarget side)


Screen = dict[str, Facts]


# -- drbdmon 9.22 (CompactDisplay) --------------------------------------------------------

_DM_RES = re.compile(r"^(\S)RES: (\S+)\s+(.*)$")
_DM_VOL = re.compile(r"^    \S\s+(\d+):\s+(\d+)\s+(\w+)")
_DM_CONN = re.compile(r"^    (\S)([⇄↯])(⚫| )(\S+)(?:\s+(\w+)\s+⚫?(\w+))?\s*$")
_DM_COLLAPSED = re.compile(r"\S[⇄↯](⚫| )(\S+)")
_DM_PVOL = re.compile(r"^        \S\s+(\d+)\s+(\w+)\s+(\w+)")
_DM_SYNC = re.compile(r"^\s+(\d+\.\d+)% ")


def parse_drbdmon(text: str) -> tuple[Screen, tuple[int, int] | None]:
    out: Screen = {}
    cur: Facts | None = None
    conn: str | None = None
    counts = None
    for line in text.splitlines():
        if m := re.match(r"^Resources:\s+(\d+) \((\d+) degraded\)", line):
            counts = (int(m[1]), int(m[2]))
            continue
        if m := _DM_RES.match(line):
            cur = out[m[2]] = Facts()
            conn = None
            cur.ok = m[1] == "⚬"
            rest = m[3]
            cur.role = next((r for r in ROLES if r in rest), "?")
            cur.quorum_lost = "QUORUM LOST" in rest
            cur.minors = {int(v): int(n) for v, n in re.findall(r"◎\s+(\d+):\s+(\d+)", rest)}
            continue
        if cur is None:
            continue
        if m := _DM_VOL.match(line):
            cur.minors[int(m[1])] = int(m[2])
            if m[3] != "UpToDate":
                cur.bad_disks[int(m[1])] = m[3]
        elif m := _DM_CONN.match(line):
            conn = m[4]
            state = m[5] or ("Connected" if m[2] == "⇄" else "?")
            primary = m[3] == "⚫" or m[6] == "Primary"
            cur.conns[conn] = (state, primary)
        elif line.startswith("    ") and not line.startswith("     ") and "⇄" in line:
            for mark, name in _DM_COLLAPSED.findall(line):  # healthy: all on one line
                cur.conns[name] = ("Connected", mark == "⚫")
        elif (m := _DM_PVOL.match(line)) and conn is not None:
            if m[3] != "Established":
                cur.repl[(conn, int(m[1]))] = m[3]
        elif (m := _DM_SYNC.match(line)) and conn is not None:
            cur.sync[conn] = float(m[1])
    return out, counts


# -- drbdeck mon (the ResourceList in mon mode) ---------------------------------------------

_MON_RES = re.compile(r"^([✓△✗])\s+(\S+)\s+(Primary|Secondary|Unknown)\b(.*)$")
_MON_COLLAPSED = re.compile(r"([⇄↯])([\w.-]+)(★?)")
_MON_VOL = re.compile(r"^\s+volume (\d+) minor (\d+)\s+\W*(\w+)")
_MON_CONN = re.compile(r"^\s+([⇄↯]) (\S+)\s+(\w+)\s+(\w+)\s*$")
_MON_PVOL = re.compile(r"^\s+v(\d+) (?:[←→] \S+ )?(\w+)")
_MON_PCT = re.compile(r"(\d+(?:\.\d+)?)%")


def parse_mon(text: str) -> tuple[Screen, tuple[int, int] | None]:
    out: Screen = {}
    cur: Facts | None = None
    conn: str | None = None
    counts = None
    for line in text.splitlines():
        if m := re.search(r"Resources: (\d+) \((\d+) degraded\)", line):
            counts = (int(m[1]), int(m[2]))
            continue
        if m := _MON_RES.match(line):
            cur = out[m[2]] = Facts()
            conn = None
            cur.ok = m[1] == "✓"
            cur.role = m[3]
            rest = m[4]
            cur.quorum_lost = "q:LOST" in rest
            cur.minors = {int(v): int(n) for v, n in re.findall(r"(\d+):(\d+)", rest)}
            for mark, name, star in _MON_COLLAPSED.findall(rest):
                cur.conns[name] = ("Connected" if mark == "⇄" else "?", star == "★")
            continue
        if cur is None:
            continue
        if m := _MON_VOL.match(line):
            if m[3] != "UpToDate" and not (m[3] == "Diskless" and cur.ok):
                cur.bad_disks[int(m[1])] = m[3]
        elif m := _MON_CONN.match(line):
            conn = m[2]
            cur.conns[conn] = (m[3], m[4] == "Primary")
        elif (m := _MON_PVOL.match(line)) and conn is not None:
            if cur.conns[conn][0] != "Connected":
                continue  # drbdmon hides the peer volumes of a disconnected peer
            if m[2] != "Established":
                cur.repl[(conn, int(m[1]))] = m[2]
            if m[2] == "SyncTarget" and (p := _MON_PCT.search(line)):
                cur.sync[conn] = float(p[1])
    return out, counts


def normalized(screen: Screen) -> Screen:
    """Resync percentages as drbdeck prints them (``%.1f``; drbdmon prints two decimals)."""
    for facts in screen.values():
        facts.sync = {k: float(f"{v:.1f}") for k, v in facts.sync.items()}
    return screen


# -- tmux ---------------------------------------------------------------------------------


class Panes:
    """Two programs side by side in a private tmux server (killed afterwards)."""

    def __init__(self, tmux: str, socket: str) -> None:
        self.tmux = tmux
        self.socket = socket

    def _run(self, *args: str) -> str:
        return subprocess.run(
            [self.tmux, "-L", self.socket, *args],
            capture_output=True, text=True, check=True, timeout=20,
        ).stdout  # fmt: skip

    def start(self, name: str, command: str, env: dict[str, str], size: tuple[int, int]) -> None:
        envs = " ".join(f"{k}={v}" for k, v in env.items())
        self._run(
            "new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]),
            f"env -i {envs} {command}",
        )  # fmt: skip

    def capture(self, name: str) -> str:
        return self._run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str) -> None:
        self._run("send-keys", "-t", name, *keys)

    def kill(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True,
                       check=False, timeout=20)  # fmt: skip


@pytest.fixture
def panes() -> Iterator[Panes]:
    p = Panes(require_tool("tmux"), f"drbdeck-mon-cmp-{os.getpid()}")
    try:
        yield p
    finally:
        p.kill()


def poll(cond: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


LIVE = """\
@wait {gate1}
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:61.25
@wait {gate2}
change resource name:r0 may_promote:no promotion_score:10102
change device name:r0 volume:0 minor:1000 backing_dev:/dev/vg0/r0_00000 disk:UpToDate client:no quorum:yes
change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 replication:Established
change path name:data peer-node-id:2 conn-name:charlie local:ipv4:10.0.0.2:7001 peer:ipv4:10.0.0.3:7001 established:yes
change connection name:data peer-node-id:2 conn-name:charlie connection:Connected role:Secondary
change peer-device name:data peer-node-id:2 conn-name:charlie volume:0 replication:Established peer-disk:UpToDate peer-client:no
change peer-device name:data peer-node-id:2 conn-name:charlie volume:1 replication:Established peer-disk:UpToDate peer-client:no
"""  # noqa: E501


def test_same_resources_and_states_as_drbdmon(panes: Panes, tmp_path: Path) -> None:
    drbdmon = require_tool("drbdmon")
    live = tmp_path / "live.txt"
    gate1, gate2 = tmp_path / "gate1", tmp_path / "gate2"
    live.write_text(LIVE.format(gate1=gate1, gate2=gate2))
    env = {
        "PATH": f"{FAKEBIN}:/usr/bin:/bin",
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "FAKE_EVENTS": str(FIX / "cluster.txt"),
        "FAKE_EVENTS_LIVE": str(live),
        "PYTHONPATH": str(REPO),
    }
    size = (160, 50)
    panes.start("drbdmon", drbdmon, env, size)
    panes.start("mon", f"{sys.executable} -m drbdeck.cli.main mon", env, size)

    def screens() -> tuple[tuple[Screen, object], tuple[Screen, object]]:
        dm, dm_counts = parse_drbdmon(panes.capture("drbdmon"))
        mon, mon_counts = parse_mon(panes.capture("mon"))
        return (normalized(dm), dm_counts), (normalized(mon), mon_counts)

    def both(pred: Callable[[Screen], bool]) -> bool:
        (dm, _), (mon, _) = screens()
        return pred(dm) and pred(mon)

    def compare(stage: str) -> Screen:
        time.sleep(0.6)  # one more paint of each (drbdmon 40 ms, mon 250 ms)
        (dm, dm_counts), (mon, mon_counts) = screens()
        assert sorted(mon) == sorted(dm), stage
        for name in dm:
            assert mon[name] == dm[name], (
                f"{stage}: {name}\n drbdmon {dm[name]}\n mon     {mon[name]}"
            )
        assert mon_counts == dm_counts, stage
        return dm

    def sync_at(pct: float) -> Callable[[Screen], bool]:
        return lambda s: "r0" in s and s["r0"].sync.get("alpha") == pct and len(s) == 5

    poll(lambda: both(sync_at(20.1)), "both screens at the initial dump")
    first = compare("initial dump")
    assert first["r0"].repl == {("alpha", 0): "SyncTarget"}
    assert first["qdb"].quorum_lost and first["qdb"].bad_disks == {0: "Outdated"}
    assert first["data"].conns["charlie"][0] == "Connecting"
    assert first["web"].ok and first["web"].conns == {
        "alpha": ("Connected", True),
        "charlie": ("Connected", False),
    }

    gate1.touch()
    poll(lambda: both(sync_at(61.2)), "both screens at done:61.25")
    compare("after done:61.25")

    gate2.touch()
    poll(lambda: both(lambda s: s.get("r0", Facts(ok=False)).ok and s["data"].ok), "healed")
    last = compare("after the resync and the reconnect")
    assert [n for n, f in last.items() if not f.ok] == ["qdb"]

    # The problems view of both shows only qdb.
    panes.keys("drbdmon", "p")
    panes.keys("mon", "p")
    poll(lambda: both(lambda s: sorted(s) == ["qdb"]), "problems view with qdb only")


def test_parsers_on_recorded_screens() -> None:
    """The parsers themselves, on screens as the two programs printed them."""
    dm = parse_drbdmon(
        "⚬RES: web        Secondary  ◎    0:   1005\n"
        "    ⚬⇄⚫alpha ⚬⇄ charlie\n"
        "⤷RES: r0         Secondary\n"
        "    ✗    0:   1000  Inconsistent\n"
        "    ⚬⇄ charlie\n"
        "    ⤷⇄⚫alpha        Connected            ⚫Primary\n"
        "        ✗    0  UpToDate             SyncTarget\n"
        "             20.10% ███▒▒▒\n"
        "Resources:      2 (1 degraded)\n"
    )
    mon = parse_mon(
        "✓ web      Secondary 0:1005● ⇄alpha★● ⇄charlie○  q:ok\n"
        "△ r0       Secondary 0:1000◐ ⇄alpha★● ⇄charlie○  q:ok\n"
        "    volume 0 minor 1000  ◐Inconsistent  quorum yes\n"
        "    ⇄ alpha      Connected    Primary\n"
        "        v0 ← alpha SyncTarget [██░░░░░░░░]  20.1%  ?/s  ETA ?\n"
        "    ⇄ charlie    Connected    Secondary\n"
        "        v0 Established  peer ○Diskless\n"
        " Resources: 2 (1 degraded)  1 warning\n"
    )
    assert normalized(dm[0]) == normalized(mon[0])
    assert dm[1] == mon[1] == (2, 1)
    assert dm[0]["r0"].sync == {"alpha": 20.1}


def test_same_end_state_on_the_emulator_recording(panes: Panes, tmp_path: Path) -> None:
    """The stream recorded from the emulator (disconnect, resync, helpers): both end alike."""
    drbdmon = require_tool("drbdmon")
    env = {
        "PATH": f"{FAKEBIN}:/usr/bin:/bin",
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "FAKE_EVENTS": str(FIX / "emulated_resync.txt"),
        "FAKE_EVENTS_LIVE": str(FIX / "emulated_resync_live.txt"),
        "PYTHONPATH": str(REPO),
    }
    panes.start("drbdmon", drbdmon, env, (120, 30))
    panes.start("mon", f"{sys.executable} -m drbdeck.cli.main mon", env, (120, 30))

    def healed(parse: Callable[[str], tuple[Screen, object]], pane: str) -> Screen | None:
        screen, _ = parse(panes.capture(pane))
        return screen if "legacy" in screen and screen["legacy"].ok else None

    poll(lambda: healed(parse_drbdmon, "drbdmon") is not None, "drbdmon healed")
    poll(lambda: healed(parse_mon, "mon") is not None, "mon healed")
    dm, mon = healed(parse_drbdmon, "drbdmon"), healed(parse_mon, "mon")
    assert (
        dm
        == mon
        == {
            "legacy": Facts(
                role="Secondary", ok=True, minors={10: 9100}, conns={"alpha": ("Connected", True)}
            )
        }
    )
