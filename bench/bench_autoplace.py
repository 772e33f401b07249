"""1,000 auto-placed resources across 100 emulated nodes until every replica is configured.

Issue 3's target: ≤ 60 s. The emulator runs in its own process (``drbdeck emulator``, as
in bench_scale: the controller and the nodes must not share one event loop); the
controller is an in-process ``ControllerRuntime`` (store, operations, SSH links, one
reconcile worker per node, events2 per node), driven through its Python API exactly as
the REST handlers drive it.

Phases: nodes and pools registered and online with capacity known; 1,000 RDs with one
small thick volume each (no replica yet: no node work); then 1,000 ``autoplace`` calls
(place count 2, so LINSTOR's tie-breaker adds a diskless third replica) — the clock
starts here. "Configured" means the replica's device is present in its node's events2
state (diskful replicas attached, tie-breakers Diskless); "UpToDate" additionally waits
for every diskful replica's initial sync. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scale import BenchError, start_emulator
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.store import Store
from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.config import Config, SshConfig

VOL_KIB = 4096


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


async def _wait(what: str, pred: object, timeout: float, interval: float = 0.1) -> None:
    t0 = time.perf_counter()
    while not pred():  # type: ignore[operator]
        if time.perf_counter() - t0 > timeout:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


def _check(entries: list[object], what: str) -> None:
    bad = [e for e in entries if e.is_error()]  # type: ignore[attr-defined]
    if bad:
        raise BenchError(f"{what}: {bad[0]}")


async def bench(n_nodes: int, n_rds: int, place: int, timeout: float) -> dict[str, object]:
    names = [f"n{i:03d}" for i in range(n_nodes)]
    out: dict[str, object] = {"bench": "autoplace", "nodes": n_nodes, "resources": n_rds,
                              "place_count": place, "volume_kib": VOL_KIB, "target_s": 60.0}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        emu, state, emu_start = await start_emulator(tmp, names)
        out["emulator_start_s"] = round(emu_start, 2)
        emu_ps = psutil.Process(emu.pid)
        me = psutil.Process()
        rt: ControllerRuntime | None = None
        try:
            nodes = json.loads((state / "nodes.json").read_text())
            cfg = Config(ssh=SshConfig(
                identity_file=str(state / "id_ed25519"), known_hosts=str(state / "known_hosts"),
                command_timeout=300.0, connect_timeout=60.0, reconnect_min=0.2,
                reconnect_max=2.0))
            rt = ControllerRuntime(Store(tmp / "ctl.db"), cfg, retry_min=0.2, retry_max=2.0)
            await rt.start()
            t = time.perf_counter()
            for n in nodes:
                _check(await rt.ops.node_create(n["name"], n["address"], "SATELLITE",
                                                ssh_host=n["ssh_host"],
                                                ssh_port=n["ssh_port"]), "node create")
                _check(await rt.ops.storage_pool_create(
                    n["name"], "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"}), "sp c")
            await _wait("nodes online with pool capacity", lambda: all(
                rt.is_connected(n) and rt.model.pool(n, "pool1").free_kib for n in names),
                timeout)
            out["nodes_online_s"] = round(time.perf_counter() - t, 2)

            t = time.perf_counter()
            for i in range(n_rds):
                _check(await rt.ops.rd_create(f"r{i:04d}"), "rd c")
                _check(await rt.ops.vd_create(f"r{i:04d}", VOL_KIB), "vd c")
            out["definitions_s"] = round(time.perf_counter() - t, 2)

            failed: list[str] = []  # applies with a failed step (retried by the worker)
            for n in names:
                w = rt.nodes[key(n)].worker
                assert w is not None and w.on_report is not None
                inner = w.on_report

                def spy(rep: object, inner: object = inner) -> None:
                    if not rep.ok:  # type: ignore[attr-defined]
                        failed.append(f"{rep.node}: {rep.errors or list(rep.failed.values())[:1]}")  # type: ignore[attr-defined]
                    inner(rep)  # type: ignore[operator]

                w.on_report = spy
            seq0 = max((e.seq for e in rt.pool.command_log), default=0)
            runs0 = {n: rt.nodes[key(n)].worker.runs for n in names}  # type: ignore[union-attr]
            cpu_me, cpu_emu = _cpu(me), _cpu(emu_ps)
            t0 = time.perf_counter()
            for i in range(n_rds):
                _check(await rt.ops.autoplace(f"r{i:04d}", PlaceRequest(place_count=place)),
                       "autoplace")
            api_s = time.perf_counter() - t0
            replicas = list(rt.model.resources.values())

            def present(r: object) -> bool:
                st = rt.nodes[key(r.node)].state.resources.get(r.rd)  # type: ignore[attr-defined]
                d = st.devices.get(0) if st is not None else None
                if d is None:
                    return False
                return d.disk == "Diskless" if r.diskless else d.disk != "Diskless"  # type: ignore[attr-defined]

            def uptodate(r: object) -> bool:
                if r.diskless:  # type: ignore[attr-defined]
                    return present(r)
                st = rt.nodes[key(r.node)].state.resources.get(r.rd)  # type: ignore[attr-defined]
                d = st.devices.get(0) if st is not None else None
                return d is not None and d.disk == "UpToDate"

            await _wait("every replica configured", lambda: all(map(present, replicas)),
                        timeout, 0.05)
            configured_s = time.perf_counter() - t0
            await _wait("every diskful replica UpToDate", lambda: all(map(uptodate, replicas)),
                        timeout, 0.05)
            uptodate_s = time.perf_counter() - t0
            sent = [e for e in rt.pool.command_log if e.seq > seq0]
            runs = sum(rt.nodes[key(n)].worker.runs - runs0[n]  # type: ignore[union-attr]
                       for n in names)
            out.update({
                "replicas": len(replicas),
                "diskful_replicas": sum(not r.diskless for r in replicas),
                "autoplace_calls_s": round(api_s, 2),
                "autoplace_call_ms_mean": round(api_s / n_rds * 1000, 2),
                "seconds": round(configured_s, 2),
                "until_all_configured_s": round(configured_s, 2),
                "until_all_uptodate_s": round(uptodate_s, 2),
                "applies": runs,
                "applies_per_node": round(runs / n_nodes, 1),
                "applies_with_failed_steps": len(failed),
                "first_failures": failed[:3],
                "node_commands": len(sent),
                "controller_cpu_s": round(_cpu(me) - cpu_me, 2),
                "emulator_cpu_s": round(_cpu(emu_ps) - cpu_emu, 2),
            })
        finally:
            if rt is not None:
                await rt.stop()
                rt.store.close()
            emu.terminate()
            try:
                emu.wait(timeout=30)
            except subprocess.TimeoutExpired:
                emu.kill()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--place-count", type=int, default=2, choices=(2, 3))
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="give up a phase after this many seconds")
    a = ap.parse_args()
    if a.nodes < 3 or a.resources < 1:
        ap.error("--nodes: at least 3; --resources: at least 1")
    try:
        print(json.dumps(asyncio.run(bench(a.nodes, a.resources, a.place_count, a.timeout)),
                         indent=2))
    except BenchError as exc:
        print(f"bench_autoplace: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
