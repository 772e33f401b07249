"""Problem classification of one resource, in the old DrbdMon's terms (drbd.md §5.2).

Why our own rules rather than ``ResourceState.problems()``: the console needs a severity
per problem (alert vs. warning) to order rows problem-first and to decide what to expand,
and it judges a resync differently from drbdmon in one place: a disk that is Inconsistent
*because a resync towards it is running* is a warning (it will heal), not an alert.

Everything here reads ``raw`` dicts through ``.get`` with defaults, so missing keys and
states this code has never heard of degrade to "unknown" (an alert), never to a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drbdeck.collectors.drbdobjects import (
    ConnectionState,
    PeerDeviceState,
    ResourceState,
)
from drbdeck.widgets.glyphs import ALERT, OK, WARN

__all__ = [
    "Problem",
    "ResourceHealth",
    "classify_resource",
    "peer_device_severity",
    "resync_towards",
]

#: Replication states that are part of a normal resync/verify handshake (warning only).
_SYNCING = frozenset((
    "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT",
    "WFBitMapS", "WFBitMapT", "WFSyncUUID", "StartingSyncS", "StartingSyncT",
))  # fmt: skip
#: Replication states in which this node's disk is (or is about to be) a resync target.
_TARGET = frozenset(("SyncTarget", "PausedSyncT", "WFBitMapT", "WFSyncUUID", "StartingSyncT"))
_TRANSIENT_DISKS = frozenset(("Attaching", "Detaching", "Negotiating"))


@dataclass(frozen=True)
class Problem:
    severity: int
    text: str


@dataclass
class ResourceHealth:
    """Severity (OK/WARN/ALERT) and the operator-readable problems behind it."""

    severity: int = OK
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: int, text: str) -> None:
        self.problems.append(Problem(severity, text))
        if severity > self.severity:
            self.severity = severity


def resync_towards(rs: ResourceState, volume: int) -> bool:
    """True when a resync into this node's ``volume`` is running or being set up."""
    for conn in list(rs.connections.values()):
        pd = conn.peer_devices.get(volume)
        if pd is not None and pd.raw.get("replication") in _TARGET:
            return True
    return False


def disk_severity(rs: ResourceState, volume: int, disk: str, client: bool | None) -> int:
    if disk == "UpToDate":
        return OK
    if disk == "Diskless":
        return OK if client is True else ALERT
    if disk in _TRANSIENT_DISKS:
        return WARN
    if disk == "Inconsistent" and resync_towards(rs, volume):
        return WARN
    return ALERT


def peer_device_severity(conn: ConnectionState, pd: PeerDeviceState) -> int:
    """Severity of one peer device of a *connected* connection."""
    repl = pd.raw.get("replication", "Off")
    if repl in _SYNCING:
        return WARN
    if repl != "Established":
        return ALERT  # Off/Ahead/Behind/unknown with a live connection
    peer_disk = pd.raw.get("peer-disk", "DUnknown")
    if peer_disk == "UpToDate":
        return OK
    if peer_disk == "Diskless":
        return OK if pd.raw.get("peer-client") == "yes" else ALERT
    if peer_disk in _TRANSIENT_DISKS or peer_disk == "Inconsistent":
        return WARN
    return ALERT


def is_clean(rs: ResourceState) -> bool:
    """The common case, checked without building anything: every disk UpToDate (or an
    intentional client), quorum, every peer connected and Established with a good disk.
    Most of ten thousand resources pass this, so a full list paints fast."""
    raw = rs.raw
    if raw.get("suspended", "no") != "no" or raw.get("force-io-failures") == "yes":
        return False
    if not rs.devices:
        return False
    for dev in rs.devices.values():
        d = dev.raw
        if d.get("quorum") == "no":
            return False
        disk = d.get("disk")
        if disk != "UpToDate" and not (disk == "Diskless" and d.get("client") == "yes"):
            return False
    for conn in rs.connections.values():
        c = conn.raw
        if c.get("connection") != "Connected" or c.get("role", "Unknown") == "Unknown":
            return False
        for pd in conn.peer_devices.values():
            p = pd.raw
            if p.get("replication") != "Established":
                return False
            peer_disk = p.get("peer-disk")
            if peer_disk != "UpToDate" and not (
                peer_disk == "Diskless" and p.get("peer-client") == "yes"
            ):
                return False
    return True


def classify_resource(rs: ResourceState, *, where: str = "") -> ResourceHealth:
    """Classify one node's view of a resource; ``where`` prefixes texts (e.g. ``alpha: ``)."""
    if is_clean(rs):
        return ResourceHealth()
    return classify_in_detail(rs, where=where)


def classify_in_detail(rs: ResourceState, *, where: str = "") -> ResourceHealth:
    """The full classification (what :func:`is_clean` shortcuts for healthy resources)."""
    h = ResourceHealth()
    raw = rs.raw
    susp = raw.get("suspended", "no")
    if susp != "no":
        h.add(ALERT, f"{where}I/O suspended ({susp})")
    if raw.get("force-io-failures") == "yes":
        h.add(ALERT, f"{where}force-io-failures")
    devices = sorted(rs.devices.items())
    if not devices:
        h.add(WARN, f"{where}no volumes")
    for vol, dev in devices:
        disk = dev.raw.get("disk", "DUnknown")
        client = {"yes": True, "no": False}.get(dev.raw.get("client", ""))
        sev = disk_severity(rs, vol, disk, client)
        if sev:
            h.add(sev, f"{where}v{vol} disk {disk}")
        if dev.raw.get("quorum") == "no":
            h.add(ALERT, f"{where}v{vol} NO QUORUM")
    for pnid, conn in sorted(rs.connections.items()):
        peer = conn.raw.get("conn-name") or f"node-id {pnid}"
        state = conn.raw.get("connection", "StandAlone")
        if state != "Connected":
            h.add(ALERT, f"{where}{peer} {state}")
            continue  # its peer devices' Off/DUnknown follow from this
        if conn.raw.get("role", "Unknown") == "Unknown":
            h.add(ALERT, f"{where}{peer} role Unknown")
        for vol, pd in sorted(conn.peer_devices.items()):
            sev = peer_device_severity(conn, pd)
            if not sev:
                continue
            repl = pd.raw.get("replication", "Off")
            if repl == "Established":
                h.add(sev, f"{where}{peer} v{vol} peer disk {pd.raw.get('peer-disk', '?')}")
            else:
                done = pd.done
                pct = f" {done:.1f}%" if done is not None else ""
                h.add(sev, f"{where}{peer} v{vol} {repl}{pct}")
    return h
