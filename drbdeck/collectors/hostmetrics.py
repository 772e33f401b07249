"""Host load, memory, CPU and network counters of a node, locally or over SSH.

Why two sources: the controller's own host is measured with psutil (:func:`local_metrics`),
while a remote node is agentless, so it is sampled with one ``cat`` of four /proc files
(:data:`PROC_ARGV`) whose concatenated output :func:`parse_proc_dump` understands. Both give
the same :class:`HostMetrics`, in the same units, so CPU % and network rates are computed
the same way from two samples (:func:`cpu_percent`, :func:`net_rates`).

CPU times are cumulative seconds (``/proc/stat`` jiffies ÷ USER_HZ, which the kernel's
user-space ABI fixes at 100); only the ratio of two samples' differences matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "PROC_ARGV",
    "CpuTimes",
    "HostMetrics",
    "HostMetricsError",
    "NetCounters",
    "cpu_percent",
    "local_metrics",
    "net_rates",
    "parse_proc_dump",
]

#: One command that dumps everything :func:`parse_proc_dump` needs, in this order.
PROC_ARGV = ["cat", "/proc/loadavg", "/proc/meminfo", "/proc/stat", "/proc/net/dev"]

_USER_HZ = 100.0


class HostMetricsError(ValueError):
    """The /proc dump lacks a required part or has an unreadable value."""


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Cumulative CPU seconds summed over all CPUs since boot."""

    busy_s: float
    total_s: float


@dataclass(frozen=True, slots=True)
class NetCounters:
    """Cumulative byte counters of one network interface."""

    rx_bytes: int
    tx_bytes: int


@dataclass(frozen=True, slots=True)
class HostMetrics:
    load1: float
    load5: float
    load15: float
    mem_total_bytes: int
    mem_available_bytes: int
    cpu: CpuTimes
    cpu_count: int
    net: dict[str, NetCounters] = field(default_factory=dict)

    @property
    def mem_used_percent(self) -> float:
        if self.mem_total_bytes <= 0:
            return 0.0
        used = self.mem_total_bytes - self.mem_available_bytes
        return 100.0 * used / self.mem_total_bytes


def cpu_percent(prev: HostMetrics | CpuTimes, cur: HostMetrics | CpuTimes) -> float | None:
    """Average busy percentage of all CPUs between two samples (0..100).

    None when no time passed or the counters went backwards (node rebooted).
    """
    a = prev.cpu if isinstance(prev, HostMetrics) else prev
    b = cur.cpu if isinstance(cur, HostMetrics) else cur
    total = b.total_s - a.total_s
    busy = b.busy_s - a.busy_s
    if total <= 0 or busy < 0:
        return None
    return max(0.0, min(100.0, 100.0 * busy / total))


def net_rates(
    prev: HostMetrics, cur: HostMetrics, seconds: float
) -> dict[str, tuple[float, float]]:
    """Per-interface (rx, tx) bytes/s between two samples taken ``seconds`` apart.

    Interfaces missing in either sample or whose counters went backwards are left out.
    """
    if seconds <= 0:
        return {}
    out: dict[str, tuple[float, float]] = {}
    for name, b in cur.net.items():
        a = prev.net.get(name)
        if a is None or b.rx_bytes < a.rx_bytes or b.tx_bytes < a.tx_bytes:
            continue
        out[name] = ((b.rx_bytes - a.rx_bytes) / seconds, (b.tx_bytes - a.tx_bytes) / seconds)
    return out


def local_metrics() -> HostMetrics:
    """The controller host's own figures via psutil."""
    import psutil  # local import: only the controller host needs it at this point

    l1, l5, l15 = psutil.getloadavg()
    vm = psutil.virtual_memory()
    ct = psutil.cpu_times()
    idle = ct.idle + getattr(ct, "iowait", 0.0)
    total = sum(
        getattr(ct, k, 0.0)
        for k in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    )
    nics = psutil.net_io_counters(pernic=True)
    return HostMetrics(
        load1=l1,
        load5=l5,
        load15=l15,
        mem_total_bytes=int(vm.total),
        mem_available_bytes=int(vm.available),
        cpu=CpuTimes(busy_s=total - idle, total_s=total),
        cpu_count=psutil.cpu_count() or 1,
        net={n: NetCounters(c.bytes_recv, c.bytes_sent) for n, c in nics.items()},
    )


def _num(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise HostMetricsError(f"{what}: expected a number, got {text!r}") from None


def parse_proc_dump(text: str) -> HostMetrics:
    """Parse the output of :data:`PROC_ARGV` (the four files concatenated).

    Sections are recognised by their line shapes, not by position, except that
    /proc/loadavg must come first (it is a single unlabelled line).
    """
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise HostMetricsError("/proc/loadavg: missing (empty output)")
    la = lines[0].split()
    if len(la) != 5 or "/" not in la[3]:
        raise HostMetricsError(f"/proc/loadavg: unexpected first line {lines[0]!r}")
    load = [_num(x, "/proc/loadavg") for x in la[:3]]

    mem: dict[str, int] = {}
    cpu: CpuTimes | None = None
    cpu_count = 0
    net: dict[str, NetCounters] = {}
    in_net = False
    for line in lines[1:]:
        if in_net:
            if "|" in line or not line.strip():
                continue  # the second header line (" face |bytes ...")
            name, sep, rest = line.partition(":")
            cols = rest.split()
            if not sep or len(cols) < 9:
                raise HostMetricsError(f"/proc/net/dev: unexpected line {line!r}")
            try:
                net[name.strip()] = NetCounters(int(cols[0]), int(cols[8]))
            except ValueError:
                raise HostMetricsError(f"/proc/net/dev: bad counters in {line!r}") from None
            continue
        if line.startswith("Inter-|"):
            in_net = True
            continue
        if line.startswith("cpu"):
            cols = line.split()
            if cols[0] == "cpu":
                if len(cols) < 5:
                    raise HostMetricsError(f"/proc/stat: short cpu line {line!r}")
                vals = [_num(x, "/proc/stat cpu") for x in cols[1:9]]
                total = sum(vals)
                idle = vals[3] + (vals[4] if len(vals) > 4 else 0.0)
                cpu = CpuTimes(busy_s=(total - idle) / _USER_HZ, total_s=total / _USER_HZ)
            elif cols[0][3:].isdigit():
                cpu_count += 1
            continue
        key, sep, rest = line.partition(":")
        if sep and rest.endswith("kB") and " " not in key:
            mem[key] = int(_num(rest[:-2].strip(), f"/proc/meminfo {key}"))
    if "MemTotal" not in mem:
        raise HostMetricsError("/proc/meminfo: MemTotal missing")
    avail = mem.get("MemAvailable")
    if avail is None:  # kernels before 3.14
        avail = mem.get("MemFree", 0) + mem.get("Buffers", 0) + mem.get("Cached", 0)
    if cpu is None:
        raise HostMetricsError("/proc/stat: 'cpu' line missing")
    if not in_net:
        raise HostMetricsError("/proc/net/dev: header 'Inter-|' missing")
    return HostMetrics(
        load1=load[0],
        load5=load[1],
        load15=load[2],
        mem_total_bytes=mem["MemTotal"] * 1024,
        mem_available_bytes=avail * 1024,
        cpu=cpu,
        cpu_count=max(1, cpu_count),
        net=net,
    )
