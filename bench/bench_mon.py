"""CPU of ``drbdeck mon`` vs Debian's drbdmon on one synthetic events2 stream (issue 4).

Both run side by side in a private tmux server (default 160×50 panes), each against the
fake ``drbdsetup`` on PATH in generator mode (tests/fakebin/gen_events2.py, drbd.md
Appendix A): N resources, then R ``change peer-device … done:`` lines/s for T seconds. The
generators are seeded alike, so both programs get the same stream. The clock starts when
both screens show the initial dump (the generators wait on a gate file until then); CPU is
utime+stime from /proc/PID/stat over the streaming window (+1 s to drain). Target:
CPU(mon) / CPU(drbdmon) ≤ 2. Prints JSON.

Figures taken while other work runs on the machine are noisy; say so when quoting them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FAKEBIN = REPO / "tests" / "fakebin"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def find_pid(root: int, marker: str) -> int:
    for p in descendants(root):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd and "drbdsetup" not in cmd:
            return p
    raise BenchError(f"no process matching {marker!r} under pid {root}")


class Tmux:
    def __init__(self, tmux: str) -> None:
        self.argv = [tmux, "-L", f"bench-mon-{os.getpid()}"]

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.argv, *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    def start(self, name: str, command: str, env: dict[str, str], w: int, h: int) -> int:
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.run("new-session", "-d", "-s", name, "-x", str(w), "-y", str(h),
                 f"exec env -i {envs} {command}")  # fmt: skip
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def capture(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def kill(self) -> None:
        subprocess.run([*self.argv, "kill-server"], capture_output=True, check=False, timeout=30)


def wait(cond, what: str, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out waiting for {what}")
        time.sleep(0.1)


def measure(resources: int, rate: int, seconds: float, width: int, height: int) -> dict:
    tmux_bin = shutil.which("tmux")
    drbdmon = shutil.which("drbdmon") or "/usr/sbin/drbdmon"
    if tmux_bin is None or not os.access(drbdmon, os.X_OK):
        raise BenchError("needs tmux and drbdmon (/usr/sbin/drbdmon)")
    tmux = Tmux(tmux_bin)
    with tempfile.TemporaryDirectory(prefix="bench-mon-") as tmp:
        gate = Path(tmp) / "go"
        env = {
            "PATH": f"{FAKEBIN}:/usr/bin:/bin",
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "HOME": tmp,
            "PYTHONPATH": str(REPO),
            "FAKE_GEN": f"{resources} {rate} {seconds}",
            "GEN_GATE": str(gate),
        }
        try:
            roots = {
                "drbdmon": tmux.start("drbdmon", drbdmon, env, width, height),
                "mon": tmux.start(
                    "mon", f"{sys.executable} -m drbdeck.cli.main mon", env, width, height
                ),
            }
            wait(lambda: "res0" in tmux.capture("drbdmon"), "drbdmon's first screen", 60)
            wait(lambda: "res0" in tmux.capture("mon"), "drbdeck mon's first screen", 120)
            pids = {
                "drbdmon": find_pid(roots["drbdmon"], "drbdmon"),
                "mon": find_pid(roots["mon"], "drbdeck.cli.main mon"),
            }
            startup = {k: cpu_s(p) for k, p in pids.items()}
            gate.touch()
            t0 = time.monotonic()
            time.sleep(seconds + 1.0)
            wall = time.monotonic() - t0
            used = {k: cpu_s(p) - startup[k] for k, p in pids.items()}
            rss = {k: rss_mib(p) for k, p in pids.items()}
            screens = {k: tmux.capture(k) for k in pids}
        finally:
            tmux.kill()
    ratio = used["mon"] / used["drbdmon"] if used["drbdmon"] > 0 else None
    return {
        "bench": "mon_vs_drbdmon",
        "stream": {"resources": resources, "lines_per_s": rate, "seconds": seconds},
        "terminal": f"{width}x{height}",
        "window_s": round(wall, 2),
        "cpu_s": {k: round(v, 2) for k, v in used.items()},
        "cpu_share_of_one_core": {k: round(v / wall, 3) for k, v in used.items()},
        "startup_cpu_s": {k: round(v, 2) for k, v in startup.items()},
        "rss_mib": {k: round(v, 1) for k, v in rss.items()},
        "ratio_mon_over_drbdmon": round(ratio, 2) if ratio is not None else None,
        "target_ratio": 2.0,
        "meets_target": ratio is not None and ratio <= 2.0,
        "last_screen_line": {k: s.rstrip().splitlines()[0][:60] for k, s in screens.items()},
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--resources", type=int, default=1000)
    p.add_argument("--rate", type=int, default=5000, help="change lines per second")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--size", default="160x50", help="tmux pane size WxH")
    args = p.parse_args(argv)
    try:
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        p.error(f"--size: expected WxH such as 160x50, got {args.size!r}")
    if not (args.resources > 0 and args.rate > 0 and args.seconds > 0 and w >= 20 and h >= 5):
        p.error("--resources, --rate, --seconds must be > 0; --size at least 20x5")
    try:
        result = measure(args.resources, args.rate, args.seconds, w, h)
    except BenchError as exc:
        print(json.dumps({"bench": "mon_vs_drbdmon", "error": str(exc)}))
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
