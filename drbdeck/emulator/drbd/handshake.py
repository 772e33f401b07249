"""What happens when two ends of a connection meet: the UUID handshake and resync start.

Kept apart from the kernel's command handling because it always touches *two* kernels:
each step changes both ends and commits both, producing the intermediate states an
operator sees (WFBitMapS/T → WFSyncUUID → SyncSource/SyncTarget, drbd.md §7.1–7.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drbdeck.emulator.drbd.md import UUID_JUST_CREATED, Metadata
from drbdeck.emulator.drbd.objects import Connection, Device, PeerDevice, Resource
from drbdeck.emulator.drbd.resync import Resync

if TYPE_CHECKING:
    from drbdeck.emulator.drbd.kernel import DrbdKernel

_RANK = {
    "Diskless": 0, "Attaching": 1, "Detaching": 2, "Failed": 3, "Negotiating": 4,
    "Inconsistent": 5, "Outdated": 6, "DUnknown": 7, "Consistent": 8, "UpToDate": 9,
}


@dataclass
class End:
    """One side of a connection: its kernel, resource and the connection object."""

    k: DrbdKernel
    res: Resource
    conn: Connection

    def dev(self, vol: int) -> Device | None:
        return self.res.devices.get(vol)

    def pd(self, vol: int) -> PeerDevice | None:
        return self.conn.peer_devices.get(vol)


def clamp_peer_disk(replication: str, disk: str) -> str:
    """How a peer's disk state shows in our peer-device, per the kernel's sanitize rules."""
    if replication == "Off":
        return disk if disk in ("Inconsistent", "Outdated") else "DUnknown"
    if replication in ("WFBitMapS", "StartingSyncS", "PausedSyncS", "Ahead"):
        return "Consistent" if _RANK[disk] > _RANK["Consistent"] else disk
    if replication == "SyncSource":
        return "Inconsistent"
    return disk


def establish(a: End, b: End) -> None:
    """Both ends become Connected, then every common volume negotiates."""
    for e, o in ((a, b), (b, a)):
        e.conn.cstate = "Connected"
        e.conn.peer = (o.k, o.res, o.conn)
        e.conn.peer_role = o.res.role
        for p in e.conn.paths:
            p.established = True
        e.k.recompute(e.res)
    a.k.commit(a.res)
    b.k.commit(b.res)
    negotiate_pending(a, b)


def negotiate_pending(a: End, b: End) -> None:
    """Negotiate every volume both ends have whose replication is still Off."""
    pending = [
        vol for vol in sorted(set(a.res.devices) & set(b.res.devices))
        if (pa := a.pd(vol)) is not None and b.pd(vol) is not None and pa.replication == "Off"
    ]
    if not pending:
        return
    for vol in pending:
        pa = a.pd(vol)
        if pa is not None and pa.replication == "Off" and a.conn.cstate == "Connected":
            negotiate(a, b, vol)
    for e in (a, b):
        e.k.recompute(e.res)
        e.k.commit(e.res)
    a.k.publish(a.res)
    b.k.publish(b.res)


def _plain(a: End, b: End, vol: int) -> None:
    """No resync needed: both peer-devices Established, each sees the other's disk."""
    for e, o in ((a, b), (b, a)):
        pd, od = e.pd(vol), o.dev(vol)
        assert pd is not None and od is not None
        pd.replication = "Established"
        pd.peer_disk = od.disk
        pd.peer_client = od.client


def _ahead(ms: Metadata, ds: Device, mt: Metadata, dt: Device, tgt_id: int) -> bool:
    """Does the source side hold newer data the target must receive?"""
    if ds.disk not in ("UpToDate", "Consistent"):
        return False
    slot = ms.slots.get(tgt_id)
    return (
        mt.current_uuid == UUID_JUST_CREATED
        or mt.current_uuid in ms.history
        or (slot is not None and slot.bitmap_uuid == mt.current_uuid)
        or dt.disk == "Inconsistent"
    )


def negotiate(a: End, b: End, vol: int) -> None:
    """The UUID handshake for one volume: no sync, adopt, resync either way, or split-brain."""
    da, db = a.dev(vol), b.dev(vol)
    assert da is not None and db is not None
    ma, mb = da.md, db.md
    if ma is None or mb is None:
        _plain(a, b, vol)
        return
    if ma.current_uuid == mb.current_uuid:
        for _e, o, d, od in ((a, b, da, db), (b, a, db, da)):
            md = d.md
            assert md is not None
            md.slots.pop(o.res.node_id, None)
            if d.disk in ("Outdated", "Consistent") and od.disk in ("UpToDate", "Consistent"):
                d.disk = "UpToDate"
        _plain(a, b, vol)
        return
    for ds, dt in ((da, db), (db, da)):
        ms, mt = ds.md, dt.md
        assert ms is not None and mt is not None
        if ms.day0 and mt.current_uuid == UUID_JUST_CREATED and ds.disk == "UpToDate":
            mt.adopt(ms)
            dt.disk = "UpToDate"
            _plain(a, b, vol)
            return
    for s, t, ds, dt in ((a, b, da, db), (b, a, db, da)):
        ms, mt = ds.md, dt.md
        assert ms is not None and mt is not None
        if _ahead(ms, ds, mt, dt, t.res.node_id):
            if ds.disk == "Consistent":
                ds.disk = "UpToDate"
            if is_sync_target(t, vol):
                # one resync source at a time; this peer's bitmap is settled when it ends
                _plain(a, b, vol)
                return
            start_resync(s, t, vol)
            return
    if da.disk == "Inconsistent" and db.disk == "Inconsistent":
        _plain(a, b, vol)
        return
    split_brain(a, b)


def is_sync_target(e: End, vol: int) -> bool:
    """Is ``e``'s volume already receiving a resync over some other connection?"""
    for c in e.res.connections.values():
        pd = c.peer_devices.get(vol)
        if c is not e.conn and pd is not None and pd.resync is not None \
                and pd.resync.target is e.k:
            return True
    return False


def agreed_kib(a: Device, b: Device) -> int:
    sizes = [d.size_kib for d in (a, b) if d.size_kib > 0]
    return min(sizes) if sizes else 0


def start_resync(s: End, t: End, vol: int) -> None:
    """Source/target walk through WFBitMap* and WFSyncUUID into SyncSource/SyncTarget."""
    ds, dt = s.dev(vol), t.dev(vol)
    ps, pt = s.pd(vol), t.pd(vol)
    assert ds is not None and dt is not None and ps is not None and pt is not None
    ms = ds.md
    mt = dt.md
    assert ms is not None and mt is not None
    slot = ms.slot(t.res.node_id)
    size = agreed_kib(ds, dt)
    if slot.bitmap_uuid == mt.current_uuid and slot.bitmap_uuid != 0:
        kind, amount = "bitmap", min(slot.oos_kib, size)
    else:
        kind, amount = "full", size
    slot.bitmap_uuid = mt.current_uuid
    slot.oos_kib = amount
    ps.replication = "WFBitMapS"
    ps.peer_disk = clamp_peer_disk("WFBitMapS", dt.disk)
    ps.peer_client = False
    if _RANK[dt.disk] > _RANK["Outdated"]:
        dt.disk = "Outdated"
    pt.replication = "WFBitMapT"
    pt.peer_disk = ds.disk
    pt.peer_client = False
    for e in (s, t):
        e.k.recompute(e.res)
        e.k.commit(e.res)
    pt.replication = "WFSyncUUID"
    t.k.commit(t.res)
    t.k.helper(t.res, "before-resync-target", t.conn, dt)
    rs = Resync(
        source=s.k,
        target=t.k,
        resource=s.res.name,
        volume=vol,
        source_node_id=s.res.node_id,
        target_node_id=t.res.node_id,
        total_kib=amount,
        kind=kind,
        started=s.k.network.now,
    )
    ps.replication, ps.peer_disk, ps.resync = "SyncSource", "Inconsistent", rs
    pt.replication, pt.resync = "SyncTarget", rs
    dt.disk = "Inconsistent"
    s.k.network.start_resync(rs)
    for e in (s, t):
        e.k.recompute(e.res)
        e.k.commit(e.res)
    t.k.publish(t.res)
    if amount == 0:
        s.k.network.stop_resync(rs)
        finish_resync(s, t, rs)


def finish_resync(s: End, t: End, rs: Resync) -> None:
    """The target adopts the source's generation and data; both go Established/UpToDate."""
    vol = rs.volume
    ds, dt = s.dev(vol), t.dev(vol)
    ps, pt = s.pd(vol), t.pd(vol)
    if ds is None or dt is None or ps is None or pt is None:
        return
    ms, mt = ds.md, dt.md
    if ms is not None and mt is not None:
        mt.adopt(ms)
        ms.slots.pop(t.res.node_id, None)
        mt.slots.pop(s.res.node_id, None)
        _settle_others(t, vol, mt)
    dt.disk = "UpToDate"
    ps.replication = pt.replication = "Established"
    ps.resync = pt.resync = None
    ps.peer_disk, ps.peer_client = "UpToDate", False
    pt.peer_disk, pt.peer_client = ds.disk, False
    moved = rs.uncounted_kib()
    ps.sent_kib += moved
    pt.received_kib += moved
    dt.written_kib += rs.total_kib
    for e in (s, t):
        e.k.recompute(e.res)
        e.k.commit(e.res)
    t.k.helper(t.res, "after-resync-target", t.conn, dt)
    t.k.publish(t.res)
    s.k.publish(s.res)


def split_brain(a: End, b: End) -> None:
    """Diverged data: both ends drop the connection and stay StandAlone (drbd.md §7.3)."""
    for e in (a, b):
        e.k.drop_local(e.res, e.conn, "NetworkFailure", final="StandAlone")


def _settle_others(t: End, vol: int, mt: Metadata) -> None:
    """After a completed sync the target's other in-sync peers drop their bitmaps for it
    (and it for them): same generation means nothing left to resync."""
    for c in t.res.connections.values():
        if c is t.conn or c.peer is None:
            continue
        _pk, pres, _pc = c.peer
        pdev = pres.devices.get(vol)
        pmd = pdev.md if pdev is not None else None
        if pmd is not None and pmd.current_uuid == mt.current_uuid:
            pmd.slots.pop(t.res.node_id, None)
            mt.slots.pop(c.peer_node_id, None)
