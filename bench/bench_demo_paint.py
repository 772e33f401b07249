"""Time from starting ``drbdeck demo`` to its first paint (target <= 2 s), and to a live
cluster (every node ONLINE and every demo resource placed, read over the demo's REST API).

Why in tmux: the first paint is what an operator waits for in a terminal, so the demo
runs as a user would start it (a fresh Python process in a pane). Two clocks per run: the
demo's own first-frame hook (``DRBDECK_DEMO_PAINT_FILE``: the wall time of Textual's
``Ready``, written by the demo) and ``tmux capture-pane`` polled every 10 ms until the
console's text is on screen. Each run ends with ``tmux kill-session`` (SIGHUP), and the
bench checks that the demo's emulator child is gone afterwards.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_RESOURCES = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


def _live(port: int) -> bool:
    try:
        nodes = _get(f"http://127.0.0.1:{port}/v1/nodes")
        rds = _get(f"http://127.0.0.1:{port}/v1/resource-definitions")
    except (OSError, ValueError):
        return False
    return (len(nodes) == 4 and all(n.get("connection_status") == "ONLINE" for n in nodes)
            and len(rds) >= DEMO_RESOURCES)


def _emulators_of(state_dir: Path) -> int:
    p = subprocess.run(["pgrep", "-f", f"emulator.*{state_dir}"], capture_output=True,
                       text=True, check=False)
    return len(p.stdout.split())


def one_run(size: str, work: Path) -> dict[str, Any]:
    session = f"bench-paint-{os.getpid()}"
    w, h = size.split("x")
    paint = work / "paint"
    state = work / "state"
    port = _free_port()
    cmd = [sys.executable, "-m", "drbdeck.cli.main", "demo", "--state-dir", str(state),
           "--listen", f"127.0.0.1:{port}"]
    shell = (f"cd {shlex.quote(str(ROOT))} && DRBDECK_DEMO_PAINT_FILE={shlex.quote(str(paint))}"
             f" exec {shlex.join(cmd)}")
    t0 = time.time()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", w, "-y", h, shell],
                   check=True)
    seen = live = None
    last = ""
    try:
        deadline = time.time() + 60
        while time.time() < deadline and (seen is None or live is None):
            last = _screen(session)
            if seen is None and "drbdeck" in last and "drbdeck demo:" not in last:
                seen = time.time()
            if seen is not None and live is None and _live(port):
                live = time.time()
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True,
                       check=False)
    hook = float(paint.read_text()) if paint.exists() else None
    leftover = 0
    for _ in range(100):  # the demo cleans up after SIGHUP
        leftover = _emulators_of(state)
        if not leftover:
            break
        time.sleep(0.1)
    return {
        "first_paint_hook_s": None if hook is None else round(hook - t0, 3),
        "first_paint_screen_s": None if seen is None else round(seen - t0, 3),
        "cluster_live_s": None if live is None else round(live - t0, 3),
        "emulator_left_running": leftover,
        **({} if live is not None else {"screen": [ln for ln in last.splitlines() if ln.strip()]}),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="time from `drbdeck demo` to first paint")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--size", default="80x24", help="terminal WxH (default 80x24)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if shutil.which("tmux") is None:
        print(json.dumps({"error": "tmux is not installed"}))
        return 1
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix=f"bench-paint-{i}-") as d:
            runs.append(one_run(args.size, Path(d)))

    def med(k: str) -> float | None:
        xs = [r[k] for r in runs if r[k] is not None]
        return round(statistics.median(xs), 3) if xs else None

    print(json.dumps({
        "bench": "demo_paint",
        "terminal": args.size,
        "runs": runs,
        "first_paint_hook_s_median": med("first_paint_hook_s"),
        "first_paint_screen_s_median": med("first_paint_screen_s"),
        "cluster_live_s_median": med("cluster_live_s"),
        "target_first_paint_s": 2.0,
        "loadavg": os.getloadavg(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
