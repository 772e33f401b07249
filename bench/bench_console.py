"""Console under load: 1,000 resources x 3 nodes, 1,000 events2 lines/s for 20 s.

Why this shape: the console must ingest at full rate and paint at <= 4 Hz only what
changed (issue 4). The console runs in a real terminal (a tmux pane, so Textual's real
driver composes and writes every frame) on an in-process backend whose three DrbdStates
are fed a synthetic events2 stream (resync progress, connection flaps, promotion-score
noise) by a task on the app's own event loop; no SSH, so the figures are the console's.

* CPU share: the console process's user+system CPU over the 20 s window / wall time. It
  includes generating and parsing the stream; a second run without the app (``--no-app``,
  same stream, same backend with its state-change log) gives that part, reported apart.
  The initial events2 dump is fed before the console attaches (steady state only).
* Event-to-paint latency: every 100 ms one probe line sets resource ``r0000``'s resync
  ``done`` on alpha to a fresh value in [10.0, 30.0) (no other figure on screen is in that
  range); this process polls ``tmux capture-pane`` and records when each value first
  appears on screen. Latency = first seen - fed. Resolution: the poll interval (~10-20 ms).
  At <= 4 Hz painting most probe values are overwritten before a frame shows them; those
  are not latencies (the screen never owed them), so ``probes_seen`` < ``probes_fed``.

Prints one JSON object. ``--quick``: 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NODES = ("alpha", "bravo", "charlie")
N_SYNC = 20  # resources r0001..r0020 resync between alpha and bravo (done 50..99 %)
N_FLAP = 3  # the last three resources' charlie-alpha connection flaps
PROBE = "r0000"
PROBE_RE = re.compile(r"\b([12]\d\.\d)%")


# ---- the synthetic stream ------------------------------------------------------------
def peers(node: str) -> list[tuple[int, str]]:
    return [(i, n) for i, n in enumerate(NODES) if n != node]


def initial_dump(node: str, n_res: int) -> list[str]:
    me = NODES.index(node)
    out: list[str] = []
    for i in range(n_res):
        r = f"r{i:04d}"
        syncing = i <= N_SYNC
        disk = "Inconsistent" if syncing and node == "bravo" else "UpToDate"
        out.append(f"exists resource name:{r} role:Secondary suspended:no "
                   "force-io-failures:no may_promote:no promotion_score:10101")
        for pid, peer in peers(node):
            out.append(f"exists connection name:{r} peer-node-id:{pid} conn-name:{peer} "
                       "connection:Connected role:Secondary")
        out.append(f"exists device name:{r} volume:0 minor:{1000 + i} "
                   f"backing_dev:/dev/vg0/{r}_00000 disk:{disk} client:no open:no "
                   "quorum:yes size:1048576")
        for pid, peer in peers(node):
            if syncing and {node, peer} == {"alpha", "bravo"}:
                rep = "SyncSource" if node == "alpha" else "SyncTarget"
                pdisk = "Inconsistent" if node == "alpha" else "UpToDate"
                done = "0.00" if i == 0 else "50.00"
                out.append(f"exists peer-device name:{r} peer-node-id:{pid} "
                           f"conn-name:{peer} volume:0 replication:{rep} peer-disk:{pdisk} "
                           f"peer-client:no resync-suspended:no done:{done}")
            else:
                out.append(f"exists peer-device name:{r} peer-node-id:{pid} "
                           f"conn-name:{peer} volume:0 replication:Established "
                           "peer-disk:UpToDate peer-client:no resync-suspended:no")
            out.append(f"exists path name:{r} peer-node-id:{pid} conn-name:{peer} "
                       f"local:ipv4:10.0.0.{me + 1}:{7000 + i} "
                       f"peer:ipv4:10.0.0.{pid + 1}:{7000 + i} established:yes")
    out.append("exists -")
    return out


class Stream:
    """Background lines: (node, line) pairs, mostly resync progress."""

    def __init__(self, n_res: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n_res = n_res
        self.done = {i: 50.0 for i in range(1, N_SYNC + 1)}
        self.flapped: dict[int, bool] = {}

    def next(self) -> list[tuple[str, str]]:
        rng = self.rng
        x = rng.random()
        if x < 0.85:
            i = rng.randint(1, N_SYNC)
            d = self.done[i] + rng.uniform(0.05, 0.5)
            self.done[i] = d = 50.0 if d >= 99.9 else d
            r = f"r{i:04d}"
            node, pid, peer = ("alpha", 1, "bravo") if rng.random() < 0.5 else \
                ("bravo", 0, "alpha")
            return [(node, f"change peer-device name:{r} peer-node-id:{pid} conn-name:{peer} "
                           f"volume:0 done:{d:.2f}")]
        if x < 0.95:  # a few flaky links (a flapping connection is rare in a real cluster)
            i = self.n_res - 1 - rng.randrange(N_FLAP)
            r = f"r{i:04d}"
            down = not self.flapped.get(i, False)
            self.flapped[i] = down
            cstate, role = ("Connecting", "Unknown") if down else ("Connected", "Secondary")
            rep, pdisk = ("Off", "DUnknown") if down else ("Established", "UpToDate")
            return [("charlie", f"change connection name:{r} peer-node-id:0 conn-name:alpha "
                                f"connection:{cstate} role:{role}"),
                    ("charlie", f"change peer-device name:{r} peer-node-id:0 conn-name:alpha "
                                f"volume:0 replication:{rep} peer-disk:{pdisk}")]
        i = rng.randrange(self.n_res)
        node = rng.choice(NODES)
        return [(node, f"change resource name:r{i:04d} may_promote:no "
                       f"promotion_score:{10100 + rng.randrange(10)}")]


def probe_line(value: float) -> str:
    return (f"change peer-device name:{PROBE} peer-node-id:1 conn-name:bravo volume:0 "
            f"done:{value:.2f}")


# ---- the console side (runs inside the tmux pane) -----------------------------------
async def build_backend(db: Path, n_res: int) -> tuple[Any, Any]:
    """A controller model of ``n_res`` 3-replica resources; node runtimes with DrbdStates
    but links never started (nothing connects), reported ONLINE."""
    from drbdeck.backend.controller.names import key
    from drbdeck.backend.controller.store import Store
    from drbdeck.backend.runtime.runtime import ControllerRuntime, NodeRuntime
    from drbdeck.backend.satellite import NodeEndpoint
    from drbdeck.collectors.drbdstate import DrbdState
    from drbdeck.tui.backend import InProcessBackend

    rt = ControllerRuntime(Store(db))
    ops = rt.ops
    for i, n in enumerate(NODES):
        await ops.node_create(n, f"10.0.0.{i + 1}", "Combined", ssh_host="127.0.0.1",
                              ssh_port=9)
        await ops.storage_pool_create(n, "thin", "LVM_THIN",
                                      {"StorDriver/StorPoolName": "vg0/thin0"})
    for i in range(n_res):
        r = f"r{i:04d}"
        await ops.rd_create(r)
        await ops.vd_create(r, 1048576)
        await ops.rsc_create(r, list(NODES), storage_pool="thin")
    for n in NODES:
        link = rt.pool.add(NodeEndpoint(n, "127.0.0.1", 9, "root"))
        state = DrbdState(node=n)
        # the initial dump before the console attaches: the bench measures the steady
        # state (the console's state-change log absorbs a dump line by line, O(n) each)
        state.feed_many(initial_dump(n, n_res))
        rt.nodes[key(n)] = NodeRuntime(n, link, state)
    rt.node_status = lambda name: "ONLINE"  # type: ignore[method-assign]
    rt.is_connected = lambda name: True  # type: ignore[method-assign]
    return rt, InProcessBackend(rt, metrics=False)


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def feed(states: dict[str, Any], n_res: int, rate: int, seconds: float,
               out: Path) -> dict[str, Any]:
    """Settle, then ``rate`` lines/s for ``seconds`` plus a probe per 100 ms."""
    await asyncio.sleep(2.0)
    stream = Stream(n_res)
    probes: list[tuple[float, float]] = []
    tick = 0.01
    k = 0
    (out / "started").write_text(str(time.time()))
    cpu0, t0 = _cpu(), time.perf_counter()
    next_probe = t0
    lines = 0
    while (now := time.perf_counter()) - t0 < seconds:
        due = int(rate * (now - t0))  # catch up after a late tick: the rate is kept
        while lines < due:
            for node, line in stream.next():
                states[node].feed(line)
                lines += 1
        if now >= next_probe:
            v = round(10.0 + (k % 200) / 10.0, 1)
            states["alpha"].feed(probe_line(v))
            probes.append((v, time.time()))
            k += 1
            next_probe += 0.1
        await asyncio.sleep(max(0.0, t0 + (round((now - t0) / tick) + 1) * tick
                                - time.perf_counter()))
    wall = time.perf_counter() - t0
    return {"cpu_s": _cpu() - cpu0, "wall_s": wall, "lines": lines + len(probes),
            "probes": probes}


def inner(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    try:
        return _inner(args, out)
    except BaseException:
        import traceback

        (out / "err").write_text(traceback.format_exc())
        raise


def _inner(args: argparse.Namespace, out: Path) -> int:

    async def main() -> None:
        rt, backend = await build_backend(out / "bench.db", args.resources)
        from drbdeck.backend.controller.names import key

        states = {n: rt.nodes[key(n)].state for n in NODES}
        if args.no_app:
            result = await feed(states, args.resources, args.rate, args.seconds, out)
            result["app"] = None
            (out / "result.json").write_text(json.dumps(result))
            return
        result_box: dict[str, Any] = {}
        tasks: list[asyncio.Task[None]] = []

        async def run_feed(app: Any) -> None:
            try:
                await asyncio.sleep(0.5)
                result_box.update(await feed(states, args.resources, args.rate,
                                             args.seconds, out))
                await asyncio.sleep(1.0)  # let the last probes reach the screen
            except BaseException:
                import traceback

                (out / "err").write_text(traceback.format_exc())
                raise
            finally:
                app.exit()

        def on_ready(app: Any) -> None:
            (out / "ready").write_text(str(time.time()))
            tasks.append(asyncio.get_running_loop().create_task(run_feed(app)))

        app, app_name = make_app(backend, rt, on_ready)
        await app.run_async()
        result_box["app"] = app_name
        (out / "result.json").write_text(json.dumps(result_box))

    asyncio.run(main())
    return 0


def make_app(backend: Any, rt: Any, on_ready: Any) -> tuple[Any, str]:
    """The console (or the demo's stand-in when it is absent), starting the feed once
    its first frame is on screen (Textual's ``Ready``)."""
    try:
        from drbdeck.tui.app import DrbdeckApp
    except ImportError:
        from drbdeck.tui.demo_fallback import DemoFallbackApp

        base, name, cargs = DemoFallbackApp, "DemoFallbackApp (no drbdeck.tui.app)", (rt,)
    else:
        base, name, cargs = DrbdeckApp, "DrbdeckApp", (backend,)
    # the module of the base: Textual resolves CSS_PATH next to the class's module
    cls = type("BenchConsole", (base,), {"on_ready": lambda self: on_ready(self),
                                         "__module__": base.__module__})
    return cls(*cargs), name


# ---- the measuring side ------------------------------------------------------------
def _capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def run_in_tmux(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    session = f"bench-console-{os.getpid()}"
    w, h = args.size.split("x")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--inner", "--dir", str(work),
           "--resources", str(args.resources), "--rate", str(args.rate),
           "--seconds", str(args.seconds)]
    # no stderr redirect: Textual draws on stderr; the inner run logs its errors itself
    shell = f"cd {shlex.quote(str(ROOT))} && {shlex.join(cmd)}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", w, "-y", h, shell],
                   check=True)
    seen: dict[float, float] = {}
    polls = 0
    sample = ""
    try:
        deadline = time.monotonic() + 120 + args.seconds
        while not (work / "result.json").exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"bench_console: no result; stderr: "
                                 f"{(work / 'err').read_text() if (work / 'err').exists() else ''}")
            screen = _capture(session)
            now = time.time()
            polls += 1
            if (work / "started").exists():
                for m in PROBE_RE.finditer(screen):
                    seen.setdefault(float(m.group(1)), now)
                if polls % 500 == 0:
                    sample = screen
            time.sleep(0.01)
        last = _capture(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True,
                       check=False)
    result = json.loads((work / "result.json").read_text())
    lat = []
    fed_at: dict[float, float] = {}
    for v, t in result["probes"]:
        fed_at.setdefault(float(v), t)  # values repeat after 20 s; keep the first
    for v, t in fed_at.items():
        if v in seen and seen[v] >= t:
            lat.append((seen[v] - t) * 1000)
    result["latencies_ms"] = sorted(lat)
    result["screen_polls"] = polls
    result["last_screen_head"] = (sample or last).splitlines()[:12]
    return result


def pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    return round(xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))], 1)


def outer(args: argparse.Namespace) -> int:
    if shutil.which("tmux") is None:
        print(json.dumps({"error": "tmux is not installed"}))
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-console-") as d:
        work = Path(d) / "app"
        work.mkdir()
        r = run_in_tmux(args, work)
        base = Path(d) / "base"
        base.mkdir()
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner", "--no-app",
                        "--dir", str(base), "--resources", str(args.resources), "--rate",
                        str(args.rate), "--seconds", str(args.seconds)], check=True, cwd=ROOT)
        b = json.loads((base / "result.json").read_text())
    lat = r["latencies_ms"]
    out = {
        "bench": "console",
        "app": r["app"],
        "terminal": args.size,
        "resources": args.resources,
        "nodes": len(NODES),
        "target_rate_lines_s": args.rate,
        "seconds": round(r["wall_s"], 2),
        "lines_fed": r["lines"],
        "cpu_percent_of_one_core": round(100 * r["cpu_s"] / r["wall_s"], 1),
        "cpu_percent_backend_only_no_app": round(100 * b["cpu_s"] / b["wall_s"], 1),
        "cpu_percent_app_share": round(
            100 * (r["cpu_s"] / r["wall_s"] - b["cpu_s"] / b["wall_s"]), 1),
        "probes_fed": len({v for v, _t in r["probes"]}),
        "probes_seen": len(lat),
        "latency_ms_p50": pct(lat, 50),
        "latency_ms_p99": pct(lat, 99),
        "latency_ms_max": round(max(lat), 1) if lat else None,
        "screen_polls": r["screen_polls"],
        "targets": {"cpu_percent": 25, "latency_ms_p99": 300},
        "loadavg_at_end": os.getloadavg(),
    }
    if not lat:
        out["note"] = "no probe value was seen on screen; first lines: " + " | ".join(
            r["last_screen_head"])
    print(json.dumps(out, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--resources", type=int, default=1000)
    p.add_argument("--rate", type=int, default=1000, help="events2 lines per second")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--size", default="200x60", help="terminal WxH (default 200x60)")
    p.add_argument("--quick", action="store_true", help="5 s instead of 20")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-app", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.resources < N_SYNC + 2 or args.rate <= 0 or args.seconds <= 0:
        p.error(f"--resources must be >= {N_SYNC + 2}; --rate and --seconds positive")
    if not re.fullmatch(r"\d+x\d+", args.size):
        p.error(f"--size {args.size!r}: expected WxH, e.g. 200x60")
    if args.quick:
        args.seconds = 5.0
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    raise SystemExit(main())
