"""The kernel's object tree for one resource, and its events2 "snapshot" form.

A snapshot lists every object the way drbdsetup's events2 printer sees it: identity keys,
state key *groups* (a group is printed whole when any member changed — e.g. a device's
``backing_dev disk client quorum``), and statistics keys. Diffing the state groups of
every object against what was last printed gives the ``create``/``change``/``destroy``
lines, so the kernel never has to remember what it changed. Commits happen ~12 times per
replica while a cluster comes up, so :func:`state` yields only the groups and
:func:`build` turns an object into a full :class:`Snap` only when a line will print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from drbdeck.backend.resconfig import Address, Options

if TYPE_CHECKING:
    from drbdeck.emulator.drbd.md import Metadata
    from drbdeck.emulator.drbd.resync import Resync

KV = tuple[str, str]

#: disk states with data present (promotion score's "has a disk")
_HAS_DISK = {"Inconsistent", "Outdated", "Consistent", "UpToDate"}


@dataclass(slots=True)
class Path:
    local: Address
    peer: Address
    established: bool = False
    # ``Address.endpoint`` of both ends, formatted once: every commit keys paths by them
    local_ep: str = field(init=False, repr=False, compare=False)
    peer_ep: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.local_ep = self.local.endpoint
        self.peer_ep = self.peer.endpoint


@dataclass(slots=True)
class PeerDevice:
    volume: int
    replication: str = "Off"
    peer_disk: str = "DUnknown"
    peer_client: bool = False
    resync_suspended: str = "no"
    received_kib: int = 0
    sent_kib: int = 0
    resync: Resync | None = None  # running resync this peer device takes part in


@dataclass(slots=True)
class Connection:
    peer_node_id: int
    name: str  # conn-name: the peer's host name
    paths: list[Path]
    net: Options = field(default_factory=dict)
    peer_disks: dict[int, str] = field(default_factory=dict)  # volume → peer's disk per config
    cstate: str = "StandAlone"
    peer_role: str = "Unknown"
    peer_devices: dict[int, PeerDevice] = field(default_factory=dict)
    peer: Any = None  # (kernel, Resource, Connection) of the far end while Connected
    # events2 identity keys as last built (see objects._conn_ident); not part of the state
    ident_cache: tuple[KV, ...] | None = field(default=None, repr=False, compare=False)

    def peer_diskful(self, volume: int) -> bool:
        return self.peer_disks.get(volume, "none") != "none"


@dataclass(slots=True)
class Device:
    volume: int
    minor: int
    disk_path: str  # configured backing device or "none"
    meta_disk: str = "internal"
    disk: str = "Diskless"
    client: bool = False  # intentionally diskless
    quorum: bool = True
    size_kib: int = 0
    backing: Any = None  # core.BlockDevice while attached
    read_kib: int = 0
    written_kib: int = 0
    al_writes: int = 0
    bm_writes: int = 0

    @property
    def md(self) -> Metadata | None:
        return self.backing.md if self.backing is not None else None

    @property
    def backing_dev(self) -> str:
        return self.disk_path if self.backing is not None else "none"


@dataclass(slots=True)
class Resource:
    name: str
    node_id: int
    options: Options = field(default_factory=dict)
    net: Options = field(default_factory=dict)
    role: str = "Secondary"
    susp_quorum: bool = False
    devices: dict[int, Device] = field(default_factory=dict)
    connections: dict[int, Connection] = field(default_factory=dict)
    config: Any = None  # the ResourceConfig it was brought up / adjusted with
    # as last broadcast, each Snap stored as a plain tuple (see Stored)
    printed: dict[tuple[Any, ...], Stored] = field(default_factory=dict)

    @property
    def suspended(self) -> str:
        return "quorum" if self.susp_quorum else "no"


class Snap(NamedTuple):
    """One object as events2 prints it.

    Immutable and made only of strings and tuples: the kernel keeps one per object of every
    resource (``Resource.printed``), ~80 k of them at 10,000 replicas. Tuples of strings are
    untracked by the cyclic GC once a collection has seen them, whereas the former lists
    stayed tracked and made every full collection walk ~1 M objects (0.6–0.8 s pauses).
    CPython untracks only *exact* tuples, so what the kernel keeps is ``tuple(snap)``
    (:data:`Stored`), rebuilt into a Snap with ``Snap._make`` when a destroy line needs it.
    """

    kind: str  # resource | connection | device | peer-device | path
    ident: tuple[KV, ...]
    groups: tuple[tuple[KV, ...], ...]
    stats: tuple[KV, ...]  # --statistics keys (peer-device: without done/dbdt1/eta)
    done: str | None = None  # peer-device while a resync has totals
    tail: tuple[KV, ...] = ()  # peer-device dbdt1/eta (statistics)
    pre_stats: tuple[KV, ...] = ()  # resource write-ordering slot


#: a Snap as ``Resource.printed`` keeps it: the same fields in a plain (GC-untrackable) tuple
Stored = tuple[Any, ...]
GROUPS = 2  # index of Snap.groups in a Stored


def promotion(res: Resource) -> tuple[bool, int]:
    """``may_promote``/``promotion_score`` as drbdsetup computes them from the tree."""
    devs = list(res.devices.values())
    if not devs or any(not d.quorum for d in devs):
        return False, 0
    replicas: list[int] = []
    stable = True
    for d in devs:
        n = 1 if d.disk == "UpToDate" else 0
        for c in res.connections.values():
            pd = c.peer_devices.get(d.volume)
            if pd is not None and pd.peer_disk == "UpToDate":
                n += 1
        replicas.append(n)
        stable = stable and n > 0
    if min(replicas) == 0:
        return False, 0
    score = 10000 if all(d.disk in _HAS_DISK for d in devs) else 0
    score += 100 * min(sum(1 for d in devs if d.disk == "UpToDate"), 99)
    score += min(min(replicas), 99)
    primary = res.role == "Primary" or any(
        c.peer_role == "Primary" for c in res.connections.values()
    )
    return (stable and not primary), score


_RES_PRE_STATS: tuple[KV, ...] = (("write-ordering", "flush"),)
_RES_FORCE_IO: tuple[KV, ...] = (("force-io-failures", "no"),)
_CONN_STATS: tuple[KV, ...] = (("congested", "no"), ("ap-in-flight", "0"), ("rs-in-flight", "0"))
_DEV_STATS_TAIL: tuple[KV, ...] = (
    ("upper-pending", "0"), ("lower-pending", "0"), ("al-suspended", "no"), ("blocked", "no"),
)
_PD_STATS_TAIL: tuple[KV, ...] = (("pending", "0"), ("unacked", "0"))
_YN: dict[bool, str] = {True: "yes", False: "no"}


#: one object of a resource as a commit sees it: key, kind, what its full Snap is built from,
#: and its state groups — the only part a commit compares (statistics never cause a line)
Entry = tuple[tuple[Any, ...], str, Any, tuple[tuple[KV, ...], ...]]


def state(res: Resource) -> list[Entry]:
    """Every object of ``res`` in the kernel's batch order (resource, connections, devices,
    then per connection its peer-devices and paths), reduced to its state groups.

    Runs on every commit (hundreds of thousands of times while 10,000 replicas come up);
    identity and statistics keys are only turned into strings by :func:`build` for the
    few objects whose groups changed, which is most of the saving."""
    may, score = promotion(res)
    out: list[Entry] = [
        (
            ("resource",),
            "resource",
            None,
            (
                (("role", res.role),),
                (("suspended", res.suspended),),
                _RES_FORCE_IO,
                (("may_promote", _YN[may]), ("promotion_score", str(score))),
            ),
        )
    ]
    conns = sorted(res.connections.values(), key=lambda c: c.peer_node_id)
    for c in conns:
        out.append((
            ("connection", c.peer_node_id),
            "connection",
            c,
            ((("connection", c.cstate),), (("role", c.peer_role),)),
        ))
    for d in sorted(res.devices.values(), key=lambda d: d.volume):
        out.append((
            ("device", d.volume),
            "device",
            d,
            ((
                ("backing_dev", d.backing_dev),
                ("disk", d.disk),
                ("client", _YN[d.client]),
                ("quorum", _YN[d.quorum]),
            ),),
        ))
    for c in conns:
        for pd in sorted(c.peer_devices.values(), key=lambda p: p.volume):
            out.append(
                (("peer-device", c.peer_node_id, pd.volume), "peer-device", (c, pd),
                 _pd_groups(pd))
            )
        for p in c.paths:
            out.append((
                ("path", c.peer_node_id, p.local_ep, p.peer_ep),
                "path",
                (c, p),
                ((("established", _YN[p.established]),),),
            ))
    return out


def build(res: Resource, kind: str, src: Any, groups: tuple[tuple[KV, ...], ...]) -> Snap:
    """The full Snap of one :data:`Entry` (identity, groups, statistics)."""
    if kind == "resource":
        return Snap("resource", (("name", res.name),), groups, (), pre_stats=_RES_PRE_STATS)
    if kind == "connection":
        return Snap("connection", _conn_ident(res, src), groups, _CONN_STATS)
    if kind == "device":
        d: Device = src
        return Snap(
            "device",
            (("name", res.name), ("volume", str(d.volume)), ("minor", str(d.minor))),
            groups,
            (
                ("size", str(d.size_kib)),
                ("read", str(d.read_kib)),
                ("written", str(d.written_kib)),
                ("al-writes", str(d.al_writes)),
                ("bm-writes", str(d.bm_writes)),
                *_DEV_STATS_TAIL,
            ),
        )
    if kind == "peer-device":
        return peer_device_snap(res, src[0], src[1], groups)
    c, p = src
    return Snap(
        "path",
        (*_conn_ident(res, c), ("local", p.local_ep), ("peer", p.peer_ep)),
        groups,
        (),
    )


def snapshot(res: Resource) -> list[tuple[tuple[Any, ...], Snap]]:
    """All objects of ``res`` as full Snaps, in batch order (the ``exists`` dump)."""
    return [(key, build(res, kind, src, g)) for key, kind, src, g in state(res)]


def _pd_groups(pd: PeerDevice) -> tuple[tuple[KV, ...], ...]:
    return (
        (("replication", pd.replication),),
        (("peer-disk", pd.peer_disk), ("peer-client", _YN[pd.peer_client])),
        (("resync-suspended", pd.resync_suspended),),
    )


def _conn_ident(res: Resource, c: Connection) -> tuple[KV, ...]:
    """``name peer-node-id conn-name`` of a connection, built once and reused while the
    three inputs stay the same (the cache is checked, so a rename can never go stale)."""
    cached = c.ident_cache
    if cached is not None and cached[0][1] is res.name and cached[2][1] is c.name \
            and cached[1][1] == str(c.peer_node_id):
        return cached
    ident = (("name", res.name), ("peer-node-id", str(c.peer_node_id)), ("conn-name", c.name))
    c.ident_cache = ident
    return ident


def peer_device_snap(
    res: Resource, c: Connection, pd: PeerDevice,
    groups: tuple[tuple[KV, ...], ...] | None = None,
) -> Snap:
    """One peer device as events2 prints it (``groups`` if :func:`state` has them)."""
    rs = pd.resync
    oos = rs.left_kib if rs is not None else _oos_idle(res, c, pd)
    ident = (*_conn_ident(res, c), ("volume", str(pd.volume)))
    if groups is None:
        groups = _pd_groups(pd)
    stats = (
        ("received", str(pd.received_kib)),
        ("sent", str(pd.sent_kib)),
        ("out-of-sync", str(oos)),
        *_PD_STATS_TAIL,
    )
    if rs is None:
        return Snap("peer-device", ident, groups, stats)
    return Snap(
        "peer-device", ident, groups, stats,
        done=f"{rs.done_percent():.2f}",
        tail=(("dbdt1", rs.dbdt1_text()), ("eta", rs.eta_text())),
    )


def _oos_idle(res: Resource, c: Connection, pd: PeerDevice) -> int:
    """Out-of-sync toward a peer outside a resync: what our bitmap slot records."""
    d = res.devices.get(pd.volume)
    md = d.md if d is not None else None
    if md is None:
        return 0
    s = md.slots.get(c.peer_node_id)
    return s.oos_kib if s is not None else 0
