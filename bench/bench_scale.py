"""Scale figures: 100 emulated nodes, 10,000 DRBD replicas, every node streaming events2.

Why this bench exists: the issue's scale requirement is "100 emulated nodes and 10,000
resource replicas in one process on this 2-core machine, with every node streaming
events2", plus the emulator's CPU with 100 nodes x 100 resources idle and resyncing. The
emulator runs in its own process (``drbdeck emulator``) so its CPU is measured apart from
the client's, and the client side is the real node layer (LinkPool, SFTP writes, one
events2 stream per node into a DrbdState), so the figures are what a controller would see.

Flow: start the emulator; connect every node (timed); start every node's events2 stream;
deploy ``ceil(replicas/3)`` resources with three replicas each, placed round-robin, in a
handful of SSH round trips per node (SFTP writes, one chained ``lvcreate`` line, one
``create-md`` and one ``up all``); wait until every connection is Connected; skip the
initial sync of the thin resources with ``new-current-uuid --clear-bitmap``; measure idle
CPU of both processes; restart every stream and time the fresh initial dump; force a
primary on a thick subset so those resources resync, measure CPU until all are UpToDate.

Prints one JSON object. ``--quick``: 10 nodes x 100 replicas.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drbdeck.backend import mdsize
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from drbdeck.backend.resfile import render
from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint, NodeLink
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.config import SshConfig

RES_DIR = "/var/lib/drbdeck.d"
INCLUDE = "/etc/drbd.d/drbdeck-resources.res"
PEER_SLOTS = 7
EXTENT_KIB = 4096
THIN_NET_KIB = 64 * 1024  # thin replicas never sync, so their size costs nothing
PORT_BASE = 7000
MINOR_BASE = 1000


class BenchError(Exception):
    """A step of the bench failed or timed out; the message says which and how far it got."""


@dataclass
class Resource:
    """One planned resource: its replicas' nodes (first = the one that acts for it)."""

    name: str
    index: int
    hosts: list[str]
    thick: bool

    @property
    def lv(self) -> str:
        return f"{self.name}_00000"


@dataclass
class Plan:
    """Every resource and, per node, the resources it holds a replica of."""

    resources: list[Resource]
    by_node: dict[str, list[Resource]] = field(default_factory=dict)
    thick_kib: int = 0

    @property
    def replicas(self) -> int:
        return sum(len(r.hosts) for r in self.resources)


def make_plan(nodes: list[str], replicas: int, thick: int, thick_net_kib: int) -> Plan:
    """``ceil(replicas/3)`` resources round-robin over ``nodes``; the first ``thick`` of
    them get thick LVs (they will resync), the rest thin LVs (their sync is skipped).

    Resource i lives on nodes i, i+1, i+2 (mod n), so every node holds the same number of
    replicas and the thick subset spreads one primary per node over distinct links.
    """
    if len(nodes) < 3:
        raise BenchError("--nodes: at least 3 nodes are needed for 3 replicas per resource")
    count = math.ceil(replicas / 3)
    res = [
        Resource(f"r{i:05d}", i, [nodes[(i + k) % len(nodes)] for k in range(3)], i < thick)
        for i in range(count)
    ]
    plan = Plan(res, {n: [] for n in nodes}, thick_kib=thick_net_kib)
    for r in res:
        for h in r.hosts:
            plan.by_node[h].append(r)
    return plan


def lv_kib(net_kib: int) -> int:
    """Backing LV size for ``net_kib`` usable, with the exact internal-metadata math."""
    return mdsize.round_up(mdsize.gross_from_net(net_kib, PEER_SLOTS), EXTENT_KIB)


def resource_config(r: Resource, addresses: dict[str, str]) -> ResourceConfig:
    rc = ResourceConfig(name=r.name, net={"protocol": "C"})
    for node_id, host in enumerate(r.hosts):
        rc.hosts[host] = HostConfig(
            name=host,
            node_id=node_id,
            address=Address("ipv4", addresses[host], PORT_BASE + r.index),
            volumes={0: VolumeConfig(number=0, minor=MINOR_BASE + r.index,
                                     disk=f"/dev/vg0/{r.lv}", meta_disk="internal")},
        )
    return rc


# -- deployment over the node layer ----------------------------------------------------------


class Phases:
    """Wall time and CPU seconds of each watched process, per named phase: the figures say
    where setup time goes (emulator or client) without a profiler."""

    def __init__(self, procs: dict[str, psutil.Process] | None = None) -> None:
        self.procs = procs or {}
        self.figures: dict[str, object] = {}

    def _cpu(self) -> dict[str, float]:
        return {k: (t := p.cpu_times()).user + t.system for k, p in self.procs.items()}

    @contextlib.asynccontextmanager
    async def phase(self, name: str) -> AsyncIterator[None]:
        c0, t0 = self._cpu(), time.perf_counter()
        yield
        self.figures[f"{name}_s"] = round(time.perf_counter() - t0, 2)
        c1 = self._cpu()
        if c1:
            self.figures[f"{name}_cpu_s"] = {k: round(c1[k] - c0[k], 2) for k in c1}


async def _per_node(plan: Plan, fn: Callable[[str, list[Resource]], Awaitable[None]]) -> None:
    """Run ``fn(node, its resources)`` on every node at once."""
    await asyncio.gather(*(fn(n, rs) for n, rs in plan.by_node.items() if rs))


async def _line(link: NodeLink, parts: Iterable[list[str]], sep: str = " && ") -> None:
    """One SSH round trip for several commands, joined by ``sep``; raises on failure."""
    argvs = list(parts)
    line = sep.join(shlex.join(a) for a in argvs)
    await link.run_command_line(line, ["sh", "-c", f"{len(argvs)} commands"], check=True)


async def deploy(pool: LinkPool, plan: Plan, addresses: dict[str, str],
                 phases: Phases | None = None) -> Phases:
    """Bring every replica up with as few round trips per node as possible."""
    phases = phases or Phases()
    thin_lv = lv_kib(THIN_NET_KIB)
    thick_lv = lv_kib(plan.thick_kib)
    configs = {r.name: resource_config(r, addresses) for r in plan.resources}

    async def files(node: str, rs: list[Resource]) -> None:
        link = pool.get(node)
        await link.run(["mkdir", "-p", RES_DIR], check=True)
        writes = [link.write_file(INCLUDE, f'include "{RES_DIR}/*.res";\n')]
        writes += [link.write_file(f"{RES_DIR}/{r.name}.res", render(configs[r.name], node))
                   for r in rs]
        await asyncio.gather(*writes)

    async def lvs(node: str, rs: list[Resource]) -> None:
        await _line(pool.get(node), (
            ["lvcreate", "--yes", "-L", f"{thick_lv}k", "-n", r.lv, "vg0"] if r.thick else
            ["lvcreate", "--yes", "-V", f"{thin_lv}k", "-T", "vg0/thin0", "-n", r.lv]
            for r in rs))

    async def create_md(node: str, rs: list[Resource]) -> None:
        await pool.get(node).run(["drbdadm", "create-md", "--force",
                                  f"--max-peers={PEER_SLOTS}", *(r.name for r in rs)],
                                 check=True)

    async def up(node: str, _rs: list[Resource]) -> None:
        await pool.get(node).run(["drbdadm", "up", "all"], check=True)

    for name, fn in (("write_res_files", files), ("lvcreate", lvs), ("create_md", create_md),
                     ("up", up)):
        async with phases.phase(name):
            await _per_node(plan, fn)
    return phases


async def per_first_node(pool: LinkPool, plan: Plan, pick: Callable[[Resource], bool],
                         argv: Callable[[list[Resource]], list[str]]) -> None:
    """Run one command per node for the picked resources that node acts for."""
    mine: dict[str, list[Resource]] = {}
    for r in plan.resources:
        if pick(r):
            mine.setdefault(r.hosts[0], []).append(r)
    await asyncio.gather(*(pool.get(n).run(argv(rs), check=True) for n, rs in mine.items()))


# -- what the events2 states say ---------------------------------------------------------------


def visible(states: dict[str, DrbdState], plan: Plan) -> int:
    """Replicas whose volume 0 appears in their node's events2 state."""
    return sum(1 for n, rs in plan.by_node.items() for r in rs
               if (s := states[n].resources.get(r.name)) is not None and 0 in s.devices)


def _replica_ok(states: dict[str, DrbdState], node: str, r: Resource, disk: str | None) -> bool:
    s = states[node].resources.get(r.name)
    if s is None or 0 not in s.devices or len(s.connections) != len(r.hosts) - 1:
        return False
    if disk is not None and s.devices[0].disk != disk:
        return False
    for c in s.connections.values():
        if c.connection != "Connected":
            return False
        if disk is not None and (0 not in c.peer_devices or c.peer_devices[0].peer_disk != disk):
            return False
    return True


def all_ok(states: dict[str, DrbdState], plan: Plan, disk: str | None = None,
           only: Callable[[Resource], bool] | None = None) -> bool:
    """Every replica connected to all its peers (and, given ``disk``, all disks in it)."""
    return all(_replica_ok(states, n, r, disk) for n, rs in plan.by_node.items() for r in rs
               if only is None or only(r))


def not_ok(states: dict[str, DrbdState], plan: Plan, disk: str | None = None,
           limit: int = 5) -> list[str]:
    """A few replicas that are not there yet, described, for timeout messages."""
    out = []
    for n, rs in plan.by_node.items():
        for r in rs:
            if not _replica_ok(states, n, r, disk):
                s = states[n].resources.get(r.name)
                desc = "-" if s is None else (
                    f"disk={s.devices[0].disk if 0 in s.devices else None} conns="
                    + ",".join(f"{c.name}:{c.connection}" for c in s.connections.values()))
                out.append(f"{n}/{r.name}: {desc}")
                if len(out) >= limit:
                    return out
    return out


async def wait_for(what: str, pred: Callable[[], bool], timeout: float,
                   describe: Callable[[], object] = lambda: "") -> float:
    """Poll ``pred`` (every 0.1 s: checking 10,000 replicas on every event would cost more
    than the events themselves); returns the seconds it took."""
    t0 = time.perf_counter()
    while not pred():
        if time.perf_counter() - t0 > timeout:
            raise BenchError(f"timed out after {timeout:g} s waiting for {what}: {describe()}")
        await asyncio.sleep(0.1)
    return time.perf_counter() - t0


class Streams:
    """One events2 stream per node into its own DrbdState; restartable from scratch."""

    def __init__(self, pool: LinkPool, nodes: Iterable[str]) -> None:
        self.pool = pool
        self.nodes = list(nodes)
        self.states: dict[str, DrbdState] = {}
        self._streams: list = []

    def start(self) -> None:
        self.states = {n: DrbdState(node=n) for n in self.nodes}
        self._streams = [self.pool.get(n).watch_events2(self.states[n]) for n in self.nodes]

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self._streams))
        self._streams = []

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self._streams)

    def initial_done(self) -> bool:
        return all(s.initial_done for s in self.states.values())


async def setup_replicas(pool: LinkPool, plan: Plan, addresses: dict[str, str],
                         streams: Streams, phases: Phases | None = None,
                         timeout: float = 120.0) -> dict[str, float]:
    """Deploy ``plan`` and wait, through the events2 states, until every replica is visible
    and connected and every thin replica is UpToDate (their initial sync skipped with
    ``new-current-uuid --clear-bitmap``); thick replicas stay Inconsistent for
    :func:`resync_thick`. Returns how long each wait took."""
    phases = await deploy(pool, plan, addresses, phases)
    states = streams.states
    out = {}
    out["all_visible_after_up_s"] = await wait_for(
        "every replica in events2", lambda: visible(states, plan) == plan.replicas,
        timeout, lambda: f"{visible(states, plan)}/{plan.replicas}")
    out["all_connected_after_up_s"] = await wait_for(
        "every connection Connected", lambda: all_ok(states, plan), timeout,
        lambda: not_ok(states, plan))
    async with phases.phase("new_current_uuid"):
        await per_first_node(pool, plan, lambda r: not r.thick,
                             lambda rs: ["drbdadm", "new-current-uuid", "--clear-bitmap",
                                         *(f"{r.name}/0" for r in rs)])
    out["thin_uptodate_after_s"] = await wait_for(
        "thin replicas UpToDate",
        lambda: all_ok(states, plan, "UpToDate", lambda r: not r.thick), timeout,
        lambda: not_ok(states, plan, "UpToDate"))
    return {k: round(v, 2) for k, v in out.items()}


async def resync_thick(pool: LinkPool, plan: Plan, streams: Streams,
                       timeout: float = 600.0) -> float:
    """Force a primary for every thick resource (a full initial resync to both peers) and
    wait until every replica of the plan is UpToDate; returns the seconds it took."""
    t0 = time.perf_counter()
    await per_first_node(pool, plan, lambda r: r.thick,
                         lambda rs: ["drbdadm", "primary", "--force", *(r.name for r in rs)])
    states = streams.states
    await wait_for("resyncs done", lambda: all_ok(states, plan, "UpToDate"), timeout,
                   lambda: not_ok(states, plan, "UpToDate"))
    return time.perf_counter() - t0


# -- CPU accounting ------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of a process between ``start`` and ``stop``, as % of one core."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc = proc
        self._c0 = 0.0
        self._t0 = 0.0

    def _cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system

    def start(self) -> None:
        self._c0, self._t0 = self._cpu(), time.perf_counter()

    def pct(self) -> float:
        dt = time.perf_counter() - self._t0
        return round(100 * (self._cpu() - self._c0) / dt, 1) if dt > 0 else 0.0


def rss_mib(proc: psutil.Process) -> float:
    return round(proc.memory_info().rss / 2**20, 1)


# -- the emulator process ------------------------------------------------------------------------


#: ``python -m drbdeck.cli.main`` plus a gc callback that appends the duration of every
#: full (generation 2) collection to a file: full collections of the emulator's large heap
#: stall every node at once, and only the process itself can time them.
_EMULATOR_WITH_GC_LOG = """
import gc, runpy, sys, time
log = open(sys.argv.pop(1), "w", buffering=1)
t0 = [0.0]
def cb(phase, info):
    if info["generation"] != 2:
        return
    if phase == "start":
        t0[0] = time.perf_counter()
    else:
        log.write(f"{time.perf_counter() - t0[0]:.6f}\\n")
gc.callbacks.append(cb)
sys.argv[0] = "drbdeck"
runpy.run_module("drbdeck.cli.main", run_name="__main__", alter_sys=True)
"""


class GcLog:
    """Full (generation 2) collections of this process, timed with a gc callback."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._t0 = 0.0

    def _cb(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.durations.append(time.perf_counter() - self._t0)

    def __enter__(self) -> GcLog:
        gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._cb)


def gc_figures(durations: list[float]) -> dict[str, float]:
    """Count, total seconds and longest pause (ms) of full collections."""
    return {"count": len(durations), "total_s": round(sum(durations), 2),
            "max_ms": round(max(durations, default=0.0) * 1000, 1)}


def read_gc_log(path: Path) -> list[float]:
    with contextlib.suppress(OSError):
        return [float(x) for x in path.read_text().split()]
    return []


async def start_emulator(tmp: Path, names: list[str], timeout: float = 120.0
                         ) -> tuple[subprocess.Popen[bytes], Path, float]:
    """``drbdeck emulator`` in its own process; output goes to files (a full pipe that
    nobody reads would stall it). Ready when it prints its "up" line."""
    state = tmp / "state"
    (tmp / "empty.toml").write_text("")
    env = {**os.environ, "DRBDECK_CONFIG": str(tmp / "empty.toml")}
    out = tmp / "emulator.out"
    with out.open("wb") as fo, (tmp / "emulator.err").open("wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _EMULATOR_WITH_GC_LOG, str(tmp / "emulator.gc"), "emulator",
             "--nodes", ",".join(names), "--port-base", "0", "--state-dir", str(state)],
            stdout=fo, stderr=fe, env=env, cwd=Path(__file__).resolve().parent.parent)
    while b"node(s) up" not in out.read_bytes():
        if proc.poll() is not None or time.perf_counter() - t0 > timeout:
            proc.kill()
            raise BenchError("emulator did not start: "
                             + (tmp / "emulator.err").read_text()[-2000:])
        await asyncio.sleep(0.05)
    return proc, state, time.perf_counter() - t0


def connect_pool(state: Path, *, keepalive: float = 15.0) -> tuple[LinkPool, list[dict]]:
    """A LinkPool over every node of the emulator's state dir (not started)."""
    nodes = json.loads((state / "nodes.json").read_text())
    pool = LinkPool(SshConfig(
        identity_file=str(state / "id_ed25519"), known_hosts=str(state / "known_hosts"),
        command_timeout=300.0, connect_timeout=60.0, keepalive_interval=keepalive,
        reconnect_min=0.2, reconnect_max=2.0))
    for n in nodes:
        pool.add(NodeEndpoint(n["name"], n["ssh_host"], n["ssh_port"]))
    return pool, nodes


async def rtt(link: NodeLink, argv: list[str], runs: int) -> tuple[float, float]:
    """Median and max wall time of ``argv`` on ``link``, in ms."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await link.run(argv, check=True)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1), round(max(times) * 1000, 1)


# -- the bench ---------------------------------------------------------------------------------


async def bench(n_nodes: int, replicas: int, resync: int, thick_mib: int, idle_s: float
                ) -> dict[str, object]:
    names = [f"n{i:03d}" for i in range(n_nodes)]
    plan = make_plan(names, replicas, resync, thick_mib * 1024)
    out: dict[str, object] = {
        "nodes": n_nodes, "resources": len(plan.resources), "replicas": plan.replicas,
        "resync_resources": sum(r.thick for r in plan.resources), "thick_mib": thick_mib,
    }
    me = psutil.Process()
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmpname, GcLog() as gclog:
        tmp = Path(tmpname)
        proc, state, startup = await start_emulator(tmp, names)
        emu = psutil.Process(proc.pid)
        pool: LinkPool | None = None
        streams: Streams | None = None
        try:
            out["emulator_startup_s"] = round(startup, 2)
            out["emulator_rss_mib_started"] = rss_mib(emu)
            pool, nodes = connect_pool(state)
            addresses = {n["name"]: n["address"] for n in nodes}
            t0 = time.perf_counter()
            pool.start_all()
            await pool.wait_all(LinkStatus.ONLINE, timeout=120)
            out["connect_all_s"] = round(time.perf_counter() - t0, 2)

            streams = Streams(pool, names)
            streams.start()
            await wait_for("empty initial dumps", streams.initial_done, 60)

            phases = Phases({"emulator": emu, "client": me})
            out.update(await setup_replicas(pool, plan, addresses, streams, phases))
            out["setup_total_s"] = round(time.perf_counter() - t0, 2)
            out["setup_phases"] = phases.figures

            # Idle: every stream open, keepalives on, nothing changing.
            await asyncio.sleep(1.0)
            lines0 = streams.lines
            emu_cpu, my_cpu = CpuMeter(emu), CpuMeter(me)
            emu_cpu.start()
            my_cpu.start()
            await asyncio.sleep(idle_s)
            out["idle_window_s"] = idle_s
            out["emulator_idle_cpu_pct"] = emu_cpu.pct()
            out["client_idle_cpu_pct"] = my_cpu.pct()
            out["idle_events2_lines"] = streams.lines - lines0

            # Fresh initial dumps: every node's stream restarted at once.
            out["events2_now_rtt_ms_median_max"] = await rtt(
                pool.get(names[0]), ["drbdsetup", "events2", "all", "--now"], 20)
            out["true_rtt_ms_median_max"] = await rtt(pool.get(names[0]), ["true"], 10)
            await streams.stop()
            t1 = time.perf_counter()
            streams.start()
            states = streams.states
            await wait_for("initial dumps", streams.initial_done, 120)
            out["restart_streams_initial_done_s"] = round(time.perf_counter() - t1, 2)
            await wait_for("every replica in the new dumps",
                           lambda: visible(states, plan) == plan.replicas and all_ok(
                               states, plan), 60, lambda: not_ok(states, plan))
            out["restart_streams_all_connected_s"] = round(time.perf_counter() - t1, 2)

            # Resync: one forced primary per thick resource.
            if out["resync_resources"]:
                emu_cpu.start()
                my_cpu.start()
                lines0 = streams.lines
                out["resync_all_uptodate_s"] = round(await resync_thick(pool, plan, streams), 2)
                out["emulator_resync_cpu_pct"] = emu_cpu.pct()
                out["client_resync_cpu_pct"] = my_cpu.pct()
                out["resync_events2_lines"] = streams.lines - lines0
            out["emulator_rss_mib"] = rss_mib(emu)
            out["client_rss_mib"] = rss_mib(me)
            out["emulator_full_gc"] = gc_figures(read_gc_log(tmp / "emulator.gc"))
            out["client_full_gc"] = gc_figures(gclog.durations)
        finally:
            if streams is not None:
                await streams.stop()
            if pool is not None:
                await pool.stop_all()
            proc.send_signal(signal.SIGTERM)
            try:
                out["emulator_exit_code"] = await asyncio.to_thread(proc.wait, 60)
            except subprocess.TimeoutExpired:
                proc.kill()
                out["emulator_exit_code"] = "killed"
    out["total_s"] = round(time.perf_counter() - t_all, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 nodes x 100 replicas")
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--replicas", type=int, default=10_000)
    ap.add_argument("--resync", type=int, default=None,
                    help="resources with thick LVs that resync (default: one per node)")
    ap.add_argument("--thick-mib", type=int, default=1024,
                    help="net size of a resyncing resource (1 GiB ~ 10 s at 100 MiB/s)")
    ap.add_argument("--idle", type=float, default=None,
                    help="idle CPU window, seconds (default 10, --quick 3)")
    a = ap.parse_args()
    n, m = (10, 100) if a.quick else (a.nodes, a.replicas)
    if n < 3 or m < 3:
        ap.error("--nodes and --replicas: at least 3 each")
    resync = a.resync if a.resync is not None else n
    if a.quick and a.thick_mib == 1024:
        a.thick_mib = 256
    idle = a.idle if a.idle is not None else (3.0 if a.quick else 10.0)
    try:
        print(json.dumps(asyncio.run(bench(n, m, resync, a.thick_mib, idle)), indent=2))
    except BenchError as exc:
        print(f"bench_scale: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
