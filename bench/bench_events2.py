"""Benchmark: events2 parse + apply throughput of DrbdState (lines per second).

Generates a realistic stream as one node of a 3-node cluster would print it: an initial
``exists`` dump for many resources, then mostly resync progress (``change peer-device …
done:X``) interleaved with connection losses/recoveries, replication and disk-state changes
and promotion-score updates. Variants: plain, ``--timestamps``, ``--statistics``,
``statistics-timestamps`` (``--statistics --timestamps``: exactly what the node layer runs,
see ``backend/satellite/link.py`` EVENTS2_ARGV), and ``dump`` (only the initial ``exists``
dump of 10,000 resources, all through the parser).

Run: ``python bench/bench_events2.py [--resources N] [--lines N]``; prints one JSON object
per variant, e.g. ``{"bench":"events2","variant":"plain","lines":N,"seconds":s,
"lines_per_s":x,"median_lines_per_s":y}`` — seconds/lines_per_s are the best of
``--repeat`` runs (the machine is shared), the median shows the spread.

Reference (2-core machine, load ~2 from other work, best/median of 5, lines/s):
statistics-timestamps 163k/146k before the field templates, 260k/248k after.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drbdeck.collectors.drbdstate import DrbdState

VARIANTS = ("plain", "timestamps", "statistics", "statistics-timestamps", "dump")


def _ts(t: float) -> str:
    whole = int(t)
    micro = int((t - whole) * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micro:06d}+00:00"


def initial_dump(n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        r = f"res{i:05d}"
        out += [
            f"exists resource name:{r} role:Primary suspended:no force-io-failures:no "
            "may_promote:no promotion_score:10101",
            f"exists connection name:{r} peer-node-id:1 conn-name:bravo connection:Connected "
            "role:Secondary",
            f"exists connection name:{r} peer-node-id:2 conn-name:charlie "
            "connection:Connected role:Secondary",
            f"exists device name:{r} volume:0 minor:{1000 + i} "
            f"backing_dev:/dev/vg0/{r}_00000 disk:UpToDate client:no open:yes quorum:yes",
            f"exists peer-device name:{r} peer-node-id:1 conn-name:bravo volume:0 "
            "replication:SyncSource peer-disk:Inconsistent peer-client:no "
            "resync-suspended:no done:0.00",
            f"exists path name:{r} peer-node-id:1 conn-name:bravo local:ipv4:10.0.0.1:{7000 + i} "
            f"peer:ipv4:10.0.0.2:{7000 + i} established:yes",
            f"exists peer-device name:{r} peer-node-id:2 conn-name:charlie volume:0 "
            "replication:Established peer-disk:Diskless peer-client:yes resync-suspended:no",
            f"exists path name:{r} peer-node-id:2 conn-name:charlie "
            f"local:ipv4:10.0.0.1:{7000 + i} peer:ipv4:10.0.0.3:{7000 + i} established:yes",
        ]
    out.append("exists -")
    return out


def live_stream(n_res: int, n_lines: int, statistics: bool, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    done = [0.0] * n_res
    out: list[str] = []
    while len(out) < n_lines:
        i = rng.randrange(n_res)
        r = f"res{i:05d}"
        pd = f"change peer-device name:{r} peer-node-id:1 conn-name:bravo volume:0"
        x = rng.random()
        if x < 0.88:
            done[i] = min(99.99, done[i] + rng.uniform(0.1, 3.0))
            if statistics:
                oos = int((100 - done[i]) * 13719.56)
                out.append(
                    f"{pd} done:{done[i]:.2f} received:0 sent:{oos // 3} out-of-sync:{oos} "
                    f"pending:0 unacked:0 dbdt1:{rng.uniform(50, 110):.2f} eta:{oos // 90000}"
                )
            else:
                out.append(f"{pd} done:{done[i]:.2f}")
        elif x < 0.93:
            out += [
                f"change connection name:{r} peer-node-id:2 conn-name:charlie "
                "connection:Connecting role:Unknown",
                f"change peer-device name:{r} peer-node-id:2 conn-name:charlie volume:0 "
                "replication:Off peer-disk:DUnknown peer-client:no",
                f"change path name:{r} peer-node-id:2 conn-name:charlie "
                f"local:ipv4:10.0.0.1:{7000 + i} peer:ipv4:10.0.0.3:{7000 + i} "
                "established:no",
            ]
        elif x < 0.97:
            out += [
                f"change path name:{r} peer-node-id:2 conn-name:charlie "
                f"local:ipv4:10.0.0.1:{7000 + i} peer:ipv4:10.0.0.3:{7000 + i} "
                "established:yes",
                f"change connection name:{r} peer-node-id:2 conn-name:charlie "
                "connection:Connected role:Secondary",
                f"change peer-device name:{r} peer-node-id:2 conn-name:charlie volume:0 "
                "replication:Established peer-disk:Diskless peer-client:yes",
            ]
        elif x < 0.99:
            out.append(f"change resource name:{r} may_promote:no promotion_score:10102")
        else:
            done[i] = 0.0
            out += [
                f"{pd} replication:Established peer-disk:UpToDate peer-client:no",
                f"{pd} replication:SyncSource peer-disk:Inconsistent peer-client:no done:0.00",
            ]
    return out[:n_lines]


def run(variant: str, n_res: int, n_lines: int, repeat: int) -> dict[str, object]:
    if variant == "dump":  # only the initial 'exists' dump: every line takes the parser path
        n_res = max(n_res, 10_000)
        lines = initial_dump(n_res)
    else:
        lines = initial_dump(n_res) + live_stream(
            n_res, n_lines, statistics=variant.startswith("statistics")
        )
    if variant.endswith("timestamps"):
        t0 = 1_748_865_600.0
        step = 3.0 / len(lines) * 200  # many lines share a second, as real batches do
        lines = [f"{_ts(t0 + k * step)} {line}" for k, line in enumerate(lines)]
    rates: list[float] = []
    best = float("inf")
    for _ in range(repeat):
        state = DrbdState("alpha")
        feed = state.feed
        start = time.perf_counter()
        for line in lines:
            feed(line)
        seconds = time.perf_counter() - start
        assert state.malformed == 0, state.last_malformed
        assert len(state.resources) == n_res
        best = min(best, seconds)
        rates.append(len(lines) / seconds)
    return {
        "bench": "events2",
        "variant": variant,
        "resources": n_res,
        "lines": len(lines),
        "seconds": round(best, 4),
        "lines_per_s": round(len(lines) / best),
        "median_lines_per_s": round(statistics.median(rates)),
        "repeat": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per variant; best is reported")
    ap.add_argument("--variant", choices=(*VARIANTS, "all"), default="all")
    args = ap.parse_args(argv)
    variants = VARIANTS if args.variant == "all" else (args.variant,)
    for v in variants:
        print(json.dumps(run(v, args.resources, args.lines, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
