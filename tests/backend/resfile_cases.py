"""Sample ResourceConfigs shared by the resfile tests (LINSTOR-like clusters)."""

from __future__ import annotations

from drbdeck.backend.resconfig import (
    Address,
    ConnectionConfig,
    HostConfig,
    PathConfig,
    ResourceConfig,
    VolumeConfig,
)

SECRET = "Xq2oR3mP9zL1aB4cD5eF"


def cluster(
    name: str,
    disks: dict[str, bool],
    *,
    port: int = 7000,
    minor: int = 1000,
    volumes: int = 1,
    family: str = "ipv4",
    options: dict[str, str] | None = None,
    net: dict[str, str] | None = None,
    disk_options: dict[str, str] | None = None,
    handlers: dict[str, str] | None = None,
) -> ResourceConfig:
    """A resource over ``disks`` (host → diskful?), node-ids in insertion order."""
    rc = ResourceConfig(
        name=name,
        options=dict(options or {}),
        net={"shared-secret": SECRET, **(net or {})},
        handlers=dict(handlers or {}),
    )
    for i, (host, diskful) in enumerate(disks.items()):
        ip = f"fd00::{i + 1}" if family == "ipv6" else f"10.0.0.{i + 1}"
        vols = {
            v: VolumeConfig(
                number=v,
                minor=minor + v,
                disk=f"/dev/vg0/{name}_{v:05d}" if diskful else "none",
                meta_disk="internal",
                disk_options=dict(disk_options or {}),
            )
            for v in range(volumes)
        }
        rc.hosts[host] = HostConfig(name=host, node_id=i, address=Address(family, ip, port),
                                    volumes=vols)
    return rc


def _with_paths() -> ResourceConfig:
    """Explicit connections: two paths for alpha–bravo, per-connection net/disk options."""
    rc = cluster("r6", {"alpha": True, "bravo": True, "charlie": False}, port=7006,
                 minor=1040)
    a, b, c = (rc.hosts[h].address for h in ("alpha", "bravo", "charlie"))
    assert a is not None and b is not None and c is not None
    rc.connections = [
        ConnectionConfig(
            paths=[
                PathConfig(hosts=[("alpha", a), ("bravo", b)]),
                PathConfig(hosts=[("alpha", Address("ipv4", "192.168.0.1", 7006)),
                                  ("bravo", Address("ipv4", "192.168.0.2", 7006))]),
            ],
            net={"protocol": "A", "max-buffers": "10000"},
            disk={"c-max-rate": "204800"},
        ),
        ConnectionConfig(hosts=[("alpha", a), ("charlie", c)]),
        ConnectionConfig(hosts=[("bravo", b), ("charlie", c)]),
    ]
    return rc


CASES: dict[str, ResourceConfig] = {
    "two-diskful": cluster("r0", {"alpha": True, "bravo": True}),
    "two-plus-diskless": cluster(
        "r1", {"alpha": True, "bravo": True, "charlie": False}, port=7001, minor=1001,
        options={"quorum": "majority", "on-no-quorum": "suspend-io"},
    ),
    "three-quorum": cluster(
        "r2", {"alpha": True, "bravo": True, "charlie": True}, port=7002, minor=1002,
        options={
            "quorum": "majority",
            "on-no-quorum": "io-error",
            "on-no-data-accessible": "suspend-io",
            "on-suspended-primary-outdated": "force-secondary",
            "auto-promote": "no",
        },
    ),
    "multi-volume": cluster(
        "r3", {"alpha": True, "bravo": True, "charlie": False}, port=7003, minor=1010,
        volumes=3,
    ),
    "ipv6": cluster("r4", {"alpha": True, "bravo": True}, port=7004, minor=1020,
                    family="ipv6"),
    "drbd-options": cluster(
        "r5", {"alpha": True, "bravo": True, "charlie": True, "delta": False},
        port=7005, minor=1030,
        options={"quorum": "2", "cpu-mask": "0f", "max-io-depth": "8000"},
        net={
            "protocol": "C", "verify-alg": "crct10dif", "rr-conflict": "retry-connect",
            "max-buffers": "8000", "sndbuf-size": "0", "rcvbuf-size": "2097152",
            "ping-timeout": "10", "timeout": "60", "connect-int": "10", "ko-count": "7",
            "csums-alg": "sha1", "after-sb-0pri": "discard-zero-changes",
            "after-sb-1pri": "discard-secondary", "after-sb-2pri": "disconnect",
            "allow-two-primaries": "no", "data-integrity-alg": "crc32c",
        },
        disk_options={
            "discard-zeroes-if-aligned": "no", "rs-discard-granularity": "65536",
            "al-extents": "6007", "on-io-error": "detach", "disk-flushes": "no",
            "md-flushes": "no", "disk-barrier": "no", "disk-drain": "yes",
            "c-plan-ahead": "20", "c-max-rate": "102400", "c-min-rate": "1024",
            "c-fill-target": "1024", "resync-rate": "10240",
        },
        handlers={
            "split-brain": "/usr/lib/drbd/notify-split-brain.sh root",
            "quorum-lost": "/usr/lib/drbd/notify-quorum-lost.sh root",
            "fence-peer": "/usr/lib/drbd/crm-fence-peer.9.sh",
        },
    ),
    "explicit-paths": _with_paths(),
}
