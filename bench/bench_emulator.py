"""Emulator scale figures: 100 nodes in one process on a small machine.

Part 1 runs ``drbdeck emulator`` as a subprocess with 100 nodes and measures, from this
process, how long asyncssh clients take to connect to all of them (bounded concurrency),
the median round trip of a command on an open connection, and the emulator's CPU use
while idle with every connection open.

Part 2 builds a cluster in-process (no SSH: commands go straight through the emulated
shell) with DRBD resources of three replicas spread over 100 nodes and measures process
CPU while they are idle and while they all resync.

Prints one JSON object. ``--quick`` uses fewer nodes/resources (for a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drbdeck.emulator.cluster import Cluster
from drbdeck.emulator.shell import ShellIO, run_line


def _start_emulator(state: Path, n: int) -> subprocess.Popen[str]:
    names = ",".join(f"n{i:03d}" for i in range(n))
    env = {**os.environ, "DRBDECK_CONFIG": str(state.parent / "empty.toml")}
    (state.parent / "empty.toml").write_text("")
    return subprocess.Popen(
        [sys.executable, "-m", "drbdeck.cli.main", "emulator", "--nodes", names,
         "--port-base", "0", "--state-dir", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


async def _ssh_part(n: int, concurrency: int, rtt_runs: int, idle_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        t0 = time.perf_counter()
        proc = _start_emulator(state, n)
        try:
            assert proc.stdout is not None
            line = await asyncio.to_thread(proc.stdout.readline)
            if "state dir" not in line:
                raise SystemExit(f"emulator did not start: {line!r}")
            startup = time.perf_counter() - t0
            nodes = json.loads((state / "nodes.json").read_text())
            opts = asyncssh.SSHClientConnectionOptions(
                username="root", client_keys=[str(state / "id_ed25519")],
                known_hosts=str(state / "known_hosts"), connect_timeout=30,
                keepalive_interval=1.0)  # busier than the controller's 15 s default
            sem = asyncio.Semaphore(concurrency)

            async def one(node: dict) -> asyncssh.SSHClientConnection:
                async with sem:
                    return await asyncssh.connect(node["ssh_host"], node["ssh_port"],
                                                  options=opts)

            t1 = time.perf_counter()
            conns = await asyncio.gather(*(one(x) for x in nodes))
            connect_s = time.perf_counter() - t1

            conn = conns[0]
            rtts = []
            for _ in range(rtt_runs):
                t = time.perf_counter()
                await conn.run("true")
                rtts.append(time.perf_counter() - t)
            vgs_rtts = []
            for _ in range(rtt_runs // 4 or 1):
                t = time.perf_counter()
                await conn.run("vgs --reportformat json --units k --nosuffix")
                vgs_rtts.append(time.perf_counter() - t)

            ps = psutil.Process(proc.pid)
            c0 = ps.cpu_times()
            await asyncio.sleep(idle_s)
            c1 = ps.cpu_times()
            idle_cpu = (c1.user + c1.system - c0.user - c0.system) / idle_s
            for c in conns:
                c.close()
            rss = ps.memory_info().rss
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 30)
    return {
        "nodes": n,
        "emulator_startup_s": round(startup, 3),
        "connect_all_s": round(connect_s, 3),
        "connect_concurrency": concurrency,
        "cmd_rtt_median_ms": round(statistics.median(rtts) * 1000, 2),
        "vgs_json_rtt_median_ms": round(statistics.median(vgs_rtts) * 1000, 2),
        "emulator_idle_cpu_pct_connected_keepalive_1s": round(max(0.0, idle_cpu) * 100, 2),
        "emulator_rss_mib": round(rss / 2**20, 1),
        "emulator_exit_code": code,
    }


RES_TEMPLATE = """resource "{name}" {{
    options {{ quorum off; }}
{hosts}
    connection-mesh {{ hosts {names}; }}
}}
"""
HOST_TEMPLATE = """    on "{host}" {{
        volume 0 {{ disk /dev/vg0/{name}_00000; meta-disk internal; device minor {minor}; }}
        node-id {nid};
        address ipv4 {addr}:{port};
    }}"""


async def _sh(node, line: str, stdin: bytes = b"") -> tuple[int, str]:
    err: list[str] = []

    async def read_stdin() -> bytes:
        return stdin

    rc = await run_line(node, line, ShellIO(lambda _s: None, err.append, read_stdin))
    return rc, "".join(err)


async def _drbd_part(n: int, resources: int, measure_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cluster = await Cluster.start([f"n{i:03d}" for i in range(n)], tmp)
        try:
            if cluster.network is None or cluster.node("n000").drbd is None:
                return {"skipped": "DRBD emulation not available"}
            names = list(cluster.nodes)
            placement: dict[str, list[str]] = {}
            for r in range(resources):
                placement[f"res{r:04d}"] = [names[(r + k) % n] for k in range(3)]
            t0 = time.perf_counter()
            for r, (res, hosts) in enumerate(placement.items()):
                text = RES_TEMPLATE.format(
                    name=res, names=" ".join(hosts),
                    hosts="\n".join(HOST_TEMPLATE.format(
                        host=h, name=res, minor=1000 + r, nid=k,
                        addr=cluster.node(h).address, port=7000 + r)
                        for k, h in enumerate(hosts)))
                for h in hosts:
                    node = cluster.node(h)
                    node.fs.write_bytes(f"/etc/drbd.d/{res}.res", text.encode())
                    for cmd in (f"lvcreate -V 10G -T vg0/thin0 -n {res}_00000",
                                f"drbdadm create-md --force --max-peers 7 {res}",
                                f"drbdadm up {res}"):
                        rc, err = await _sh(node, cmd)
                        if rc:
                            raise SystemExit(f"{h}: {cmd}: {rc} {err}")
            setup_s = time.perf_counter() - t0
            await asyncio.sleep(0.5)
            p0 = time.process_time()
            await asyncio.sleep(measure_s)
            idle = (time.process_time() - p0) / measure_s
            for res, hosts in placement.items():
                rc, err = await _sh(cluster.node(hosts[0]), f"drbdadm primary --force {res}")
                if rc:
                    raise SystemExit(f"primary {res}: {err}")
            await asyncio.sleep(0.5)
            running = len(getattr(cluster.network, "resyncs", ()))
            p0 = time.process_time()
            await asyncio.sleep(measure_s)
            resync = (time.process_time() - p0) / measure_s
        finally:
            await cluster.stop()
    return {
        "drbd_nodes": n,
        "drbd_resources": resources,
        "drbd_replicas": resources * 3,
        "drbd_setup_s": round(setup_s, 2),
        "drbd_idle_cpu_pct": round(idle * 100, 2),
        "drbd_resyncs_running": running,
        "drbd_resyncing_cpu_pct": round(resync * 100, 2),
    }


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--resources", type=int, default=100)
    a = ap.parse_args()
    n = 10 if a.quick else a.nodes
    res = 10 if a.quick else a.resources
    out: dict[str, object] = {}
    out.update(await _ssh_part(n, concurrency=16, rtt_runs=40 if a.quick else 200,
                               idle_s=1.0 if a.quick else 3.0))
    out.update(await _drbd_part(n, res, 1.0 if a.quick else 3.0))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
