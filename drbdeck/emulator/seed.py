"""The files every emulated node starts with: DRBD's config skeleton and a plausible /proc.

The /proc files are generated on read from the time since the node booted, so the host
metrics collector sees load and CPU counters move without any per-node timer (100 nodes
in one process must not poll).
"""

from __future__ import annotations

import math
import time
import zlib

from drbdeck.emulator.fs import MemoryFS

DRBD_CONF = 'include "drbd.d/global_common.conf";\ninclude "drbd.d/*.res";\n'
GLOBAL_COMMON = "global {\n\tusage-count no;\n}\n\ncommon {\n}\n"

_MEM_TOTAL_KIB = 16 * 1024 * 1024
_CPUS = 4
_HZ = 100


class ProcModel:
    """Deterministic per-node /proc contents derived from elapsed time and the node name."""

    def __init__(self, name: str, clock=time.monotonic) -> None:
        self._clock = clock
        self._boot = clock()
        self._seed = zlib.crc32(name.encode()) % 1000
        self._wall_boot = time.time() - 3600 - self._seed

    def _elapsed(self) -> float:
        return self._clock() - self._boot + 3600 + self._seed

    def _load(self) -> float:
        t = self._elapsed()
        return 0.4 + 0.3 * math.sin(t / 60 + self._seed) + 0.1 * math.sin(t / 7)

    def loadavg(self) -> bytes:
        l1 = max(0.0, self._load())
        l5 = max(0.0, 0.5 + 0.2 * math.sin(self._elapsed() / 300 + self._seed))
        l15 = 0.45 + self._seed / 10000
        pid = 1000 + int(self._elapsed() / 3) % 30000
        return f"{l1:.2f} {l5:.2f} {l15:.2f} 1/{180 + self._seed % 40} {pid}\n".encode()

    def meminfo(self) -> bytes:
        used = int(_MEM_TOTAL_KIB * (0.25 + 0.05 * math.sin(self._elapsed() / 120)))
        free = _MEM_TOTAL_KIB - used
        cached = used // 3
        avail = free + cached
        rows = [
            ("MemTotal", _MEM_TOTAL_KIB),
            ("MemFree", free - cached),
            ("MemAvailable", avail),
            ("Buffers", 65536),
            ("Cached", cached),
            ("SwapCached", 0),
            ("SwapTotal", 2097148),
            ("SwapFree", 2097148),
            ("Dirty", 128),
            ("Shmem", 16384),
        ]
        return "".join(f"{k + ':':<16}{v:>8} kB\n" for k, v in rows).encode()

    def _load_integral(self) -> float:
        """∫ load dt from boot: the CPU counters are integrals of a busy *rate*, so they
        only grow (a counter scaled by the current load went backwards when the load
        fell, and the console showed "cpu ?")."""
        t, s = self._elapsed(), self._seed
        return 0.4 * t + 18.0 * (math.cos(s) - math.cos(t / 60 + s)) + 0.7 * (1 - math.cos(t / 7))

    def stat(self) -> bytes:
        t = self._elapsed()
        total = int(t * _HZ)
        busy_integral = self._load_integral() / _CPUS * 0.2  # CPU-seconds from the load
        lines = []
        cpus = []
        for i in range(_CPUS):
            user = int(_HZ * (t * (0.08 + 0.02 * i / _CPUS) + busy_integral))
            system = int(total * 0.03)
            iowait = int(total * 0.005)
            irq = int(total * 0.001)
            idle = max(0, total - user - system - iowait - irq)
            cpus.append((user, 0, system, idle, iowait, 0, irq, 0, 0, 0))
        agg = tuple(sum(c[k] for c in cpus) for k in range(10))
        lines.append("cpu  " + " ".join(map(str, agg)))
        lines += [f"cpu{i} " + " ".join(map(str, c)) for i, c in enumerate(cpus)]
        lines.append(f"intr {total * 40}")
        lines.append(f"ctxt {total * 90}")
        lines.append(f"btime {int(self._wall_boot)}")
        lines.append(f"processes {5000 + int(t)}")
        lines.append("procs_running 1")
        lines.append("procs_blocked 0")
        return ("\n".join(lines) + "\n").encode()

    def uptime(self) -> bytes:
        t = self._elapsed()
        return f"{t:.2f} {t * _CPUS * 0.9:.2f}\n".encode()

    def net_dev(self) -> bytes:
        t = self._elapsed()
        head = (
            "Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|"
            "bytes    packets errs drop fifo colls carrier compressed\n"
        )
        rows = []
        for dev, rate in (("lo", 2000), ("eth0", 150000 + self._seed * 10)):
            rx = int(t * rate)
            tx = int(t * rate * 0.8)
            rows.append(
                f"{dev:>6}: {rx:>8} {rx // 900:>7}    0    0    0     0          0         0 "
                f"{tx:>8} {tx // 900:>7}    0    0    0     0       0          0\n"
            )
        return (head + "".join(rows)).encode()


def seed_node_fs(fs: MemoryFS, hostname: str) -> ProcModel:
    """Create the directories and files a freshly installed DRBD node has."""
    for d in ("/etc/drbd.d", "/var/lib/drbdeck.d", "/var/lib/drbd", "/root", "/tmp", "/dev",
              "/run", "/var/tmp"):
        fs.mkdir(d, parents=True)
    fs.write_bytes("/etc/drbd.conf", DRBD_CONF.encode())
    fs.write_bytes("/etc/drbd.d/global_common.conf", GLOBAL_COMMON.encode())
    fs.write_bytes("/etc/hostname", f"{hostname}\n".encode())
    proc = ProcModel(hostname)
    fs.set_dynamic("/proc/loadavg", proc.loadavg)
    fs.set_dynamic("/proc/meminfo", proc.meminfo)
    fs.set_dynamic("/proc/stat", proc.stat)
    fs.set_dynamic("/proc/net/dev", proc.net_dev)
    fs.set_dynamic("/proc/uptime", proc.uptime)
    fs.set_dynamic("/proc/sys/kernel/hostname", lambda: f"{hostname}\n".encode())
    return proc
