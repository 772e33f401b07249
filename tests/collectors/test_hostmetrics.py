"""Host metrics from a /proc dump and from psutil."""

from __future__ import annotations

import subprocess

import pytest

from drbdeck.collectors.hostmetrics import (
    PROC_ARGV,
    CpuTimes,
    HostMetrics,
    HostMetricsError,
    NetCounters,
    cpu_percent,
    local_metrics,
    net_rates,
    parse_proc_dump,
)

LOADAVG = "0.41 0.20 0.08 2/108 14840\n"
MEMINFO = """\
MemTotal:       24684092 kB
MemFree:        24286880 kB
MemAvailable:   24269456 kB
Buffers:           10412 kB
Cached:           131648 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
"""
STAT = """\
cpu  10929 0 3375 527600 457 0 102 115 0 0
cpu0 3161 0 1379 266549 155 0 13 44 0 0
cpu1 7768 0 1995 261050 302 0 89 71 0 0
intr 255268 0 0 0
ctxt 414411
btime 1763925000
processes 14840
procs_running 2
procs_blocked 0
softirq 12345 0 1 2
"""
NETDEV = """\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  521781    1526    0    0    0     0          0         0   521781    1526    0    0    0     0       0          0
  eth0: 49007727    1328    0    0    0     0          0         0    98241     976    0    0    0     0       0          0
ens3:1234567890123 5 0 0 0 0 0 0 42 1 0 0 0 0 0 0
"""  # noqa: E501
DUMP = LOADAVG + MEMINFO + STAT + NETDEV


def test_proc_argv_reads_the_four_files() -> None:
    assert PROC_ARGV == ["cat", "/proc/loadavg", "/proc/meminfo", "/proc/stat", "/proc/net/dev"]


def test_parse_proc_dump() -> None:
    m = parse_proc_dump(DUMP)
    assert (m.load1, m.load5, m.load15) == (0.41, 0.20, 0.08)
    assert m.mem_total_bytes == 24684092 * 1024
    assert m.mem_available_bytes == 24269456 * 1024
    assert m.mem_used_percent == pytest.approx(100 * (24684092 - 24269456) / 24684092)
    total = 10929 + 3375 + 527600 + 457 + 102 + 115
    assert m.cpu.total_s == pytest.approx(total / 100)
    assert m.cpu.busy_s == pytest.approx((total - 527600 - 457) / 100)
    assert m.cpu_count == 2
    assert m.net == {
        "lo": NetCounters(521781, 521781),
        "eth0": NetCounters(49007727, 98241),
        "ens3": NetCounters(1234567890123, 42),
    }


def test_mem_available_fallback_for_old_kernels() -> None:
    dump = DUMP.replace("MemAvailable:   24269456 kB\n", "")
    m = parse_proc_dump(dump)
    assert m.mem_available_bytes == (24286880 + 10412 + 131648) * 1024


def test_cpu_percent_and_net_rates_from_two_samples() -> None:
    a = parse_proc_dump(DUMP)
    later = DUMP.replace("cpu  10929 0 3375 527600 457", "cpu  11029 0 3375 527700 457").replace(
        "eth0: 49007727", "eth0: 49017727"
    )
    b = parse_proc_dump(later)
    assert cpu_percent(a, b) == pytest.approx(50.0)
    assert cpu_percent(a.cpu, b.cpu) == pytest.approx(50.0)
    assert cpu_percent(b, a) is None  # counters went backwards (reboot)
    assert cpu_percent(a, a) is None
    rates = net_rates(a, b, 2.0)
    assert rates["eth0"] == (5000.0, 0.0)
    assert rates["lo"] == (0.0, 0.0)
    assert net_rates(a, b, 0) == {}
    assert "eth0" not in net_rates(b, a, 1.0)


@pytest.mark.parametrize(
    ("dump", "message"),
    [
        ("", "/proc/loadavg: missing"),
        ("hello\n" + MEMINFO + STAT + NETDEV, "/proc/loadavg: unexpected first line"),
        ("x y z 1/2 3\n" + MEMINFO + STAT + NETDEV, "/proc/loadavg: expected a number"),
        (LOADAVG + STAT + NETDEV, "MemTotal missing"),
        (LOADAVG + MEMINFO + NETDEV, "'cpu' line missing"),
        (LOADAVG + MEMINFO + STAT, "header 'Inter-|' missing"),
        (LOADAVG + MEMINFO + "cpu  1 2\n" + NETDEV, "short cpu line"),
        (DUMP + "garbage\n", "/proc/net/dev: unexpected line"),
        (DUMP + "eth9: a b c d e f g h i j\n", "/proc/net/dev: bad counters"),
        (LOADAVG + "MemTotal: lots kB\n" + STAT + NETDEV, "/proc/meminfo MemTotal"),
    ],
)
def test_errors_name_the_file(dump: str, message: str) -> None:
    with pytest.raises(HostMetricsError, match=message):
        parse_proc_dump(dump)


def test_real_proc_dump_parses() -> None:
    out = subprocess.run(PROC_ARGV, capture_output=True, text=True, check=True).stdout
    m = parse_proc_dump(out)
    assert m.mem_total_bytes > 0 and m.cpu_count >= 1 and "lo" in m.net


def test_local_metrics_smoke() -> None:
    m = local_metrics()
    assert isinstance(m, HostMetrics)
    assert m.mem_total_bytes >= m.mem_available_bytes > 0
    assert m.cpu.total_s > 0 and 0 <= m.cpu.busy_s <= m.cpu.total_s
    assert m.cpu_count >= 1 and m.load1 >= 0
    again = local_metrics()
    pct = cpu_percent(m, again)
    assert pct is None or 0.0 <= pct <= 100.0
    assert isinstance(CpuTimes(1.0, 2.0), CpuTimes)
