"""Synthetic events2 stream for the mon benchmark (drbd.md Appendix A's generator).

``gen_events2.py N R T`` prints an initial dump of N three-node resources ``resNNNN``
(local Secondary, bravo diskful and resyncing, charlie diskless), ``exists -``, then R
``change peer-device … done:X`` lines per second for T seconds, spread over random
resources, flushed every 50 lines. With ``GEN_GATE=FILE`` the changes start only once FILE
exists, so a benchmark can start its clock after both monitors have drawn the dump.
The local node is the SyncTarget, so both drbdeck mon and drbdmon (which shows progress
only on the target side) have something to draw.
"""

from __future__ import annotations

import os
import random
import sys
import time


def dump(n: int) -> str:
    out = []
    for i in range(n):
        r = f"res{i:04d}"
        out += [
            f"exists resource name:{r} role:Secondary suspended:no force-io-failures:no"
            " may_promote:no promotion_score:10001",
            f"exists connection name:{r} peer-node-id:1 conn-name:bravo connection:Connected"
            " role:Primary",
            f"exists connection name:{r} peer-node-id:2 conn-name:charlie connection:Connected"
            " role:Secondary",
            f"exists device name:{r} volume:0 minor:{1000 + i} backing_dev:/dev/vg0/{r}_00000"
            " disk:Inconsistent client:no quorum:yes",
            f"exists peer-device name:{r} peer-node-id:1 conn-name:bravo volume:0"
            " replication:SyncTarget peer-disk:UpToDate peer-client:no resync-suspended:no"
            " done:0.00",
            f"exists peer-device name:{r} peer-node-id:2 conn-name:charlie volume:0"
            " replication:Established peer-disk:Diskless peer-client:yes resync-suspended:no",
        ]
    out.append("exists -")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    try:
        n, rate, secs = int(argv[0]), float(argv[1]), float(argv[2])
    except (IndexError, ValueError):
        print("usage: gen_events2.py N RATE SECONDS", file=sys.stderr)
        return 2
    out = sys.stdout
    out.write(dump(n))
    out.flush()
    gate = os.environ.get("GEN_GATE")
    while gate and not os.path.exists(gate):
        time.sleep(0.05)
    rnd = random.Random(1)
    done = [0.0] * n
    start = time.monotonic()
    sent = 0
    total = int(rate * secs)
    while sent < total:
        for _ in range(min(50, total - sent)):
            i = rnd.randrange(n)
            done[i] = min(99.99, done[i] + rnd.random())
            out.write(
                f"change peer-device name:res{i:04d} peer-node-id:1 conn-name:bravo volume:0"
                f" done:{done[i]:.2f}\n"
            )
            sent += 1
        out.flush()
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
