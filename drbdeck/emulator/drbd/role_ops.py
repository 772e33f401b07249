"""Role, generation and I/O operations of the emulated kernel.

``primary``/``secondary`` with DRBD's promotion rules, ``new-current-uuid``, application
writes (which mark blocks out-of-sync toward unreachable peers and rotate the generation
UUID), and a failing backing disk.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from drbdeck.emulator.drbd import handshake
from drbdeck.emulator.drbd.errors import EXIT_STATE_CHANGE, DrbdError
from drbdeck.emulator.drbd.md import UUID_JUST_CREATED, new_data_version, new_uuid
from drbdeck.emulator.drbd.objects import Device, Resource

if TYPE_CHECKING:
    from drbdeck.emulator.drbd.kernel import DrbdKernel

    _Base = DrbdKernel
else:
    _Base = object


class RoleOps(_Base):
    """Mixin of :class:`~.kernel.DrbdKernel`: roles, UUIDs, writes, disk failure."""

    def disk_failed(self, path: str) -> None:
        """The backing device ``path`` returns I/O errors: Failed, then detached (Diskless,
        ``client:no``); peers see the same through their peer-disk."""
        for res in list(self.resources.values()):
            for d in list(res.devices.values()):
                if d.backing is None or d.disk_path != path:
                    continue
                for c in res.connections.values():
                    for pd in c.peer_devices.values():
                        if pd.resync is not None and pd.volume == d.volume:
                            self._abort_resync(pd.resync)
                            pd.replication = "Established"
                d.disk = "Failed"
                self.recompute(res)
                self.commit(res)
                self.publish(res)
                d.backing = None
                d.disk = "Diskless"
                self.recompute(res)
                self.commit(res)
                self.publish(res)

    def primary(self, name: str, force: bool = False) -> None:
        res = self.resource(name)
        if res.role == "Primary":
            return
        fail = f"{name}: State change failed: "
        two = res.net.get("allow-two-primaries", "no") in ("yes", "true")
        if not two and any(c.peer_role == "Primary" for c in res.connections.values()):
            raise DrbdError(fail + "(-1) Multiple primaries not allowed by config",
                            EXIT_STATE_CHANGE)
        if any(not d.quorum for d in res.devices.values()):
            raise DrbdError(fail + "(-23) No quorum", EXIT_STATE_CHANGE)
        forced: list[Device] = []
        for d in res.devices.values():
            if d.disk == "UpToDate" or self._peer_uptodate(res, d.volume):
                continue
            if force and d.md is not None and d.disk in ("Inconsistent", "Outdated", "Consistent"):
                forced.append(d)
                continue
            raise DrbdError(fail + "(-2) Need access to UpToDate data", EXIT_STATE_CHANGE)
        for d in forced:
            md = d.md
            assert md is not None
            md.rotate_uuid()
            md.day0 = False
            d.disk = "UpToDate"
        res.role = "Primary"
        self.recompute(res)
        self.commit(res)
        self.publish(res)
        if forced:
            self._renegotiate(res, {d.volume for d in forced})

    def _renegotiate(self, res: Resource, vols: set[int]) -> None:
        """After a local generation change, let Connected peers run the handshake again."""
        for c in list(res.connections.values()):
            if c.cstate != "Connected" or c.peer is None:
                continue
            pk, pres, pc = c.peer
            for vol in sorted(vols):
                pd, ppd = c.peer_devices.get(vol), pc.peer_devices.get(vol)
                if pd is None or ppd is None or pd.resync is not None:
                    continue
                pd.replication = ppd.replication = "Off"
            handshake.negotiate_pending(handshake.End(self, res, c), handshake.End(pk, pres, pc))

    @staticmethod
    def _peer_uptodate(res: Resource, vol: int) -> bool:
        for c in res.connections.values():
            pd = c.peer_devices.get(vol)
            if c.cstate == "Connected" and pd is not None and pd.peer_disk == "UpToDate":
                return True
        return False

    def secondary(self, name: str) -> None:
        res = self.resource(name)
        if res.role == "Secondary":
            return
        res.role = "Secondary"
        self.recompute(res)
        self.commit(res)
        self.publish(res)

    def new_current_uuid(self, name: str, volume: int, clear_bitmap: bool = False) -> None:
        """``new-current-uuid [--clear-bitmap]``: with --clear-bitmap on fresh metadata the
        connected fresh peers take the same generation: everybody UpToDate, no sync."""
        res = self.resource(name)
        d = res.devices.get(volume)
        if d is None:
            raise DrbdError(f"{name}: Failure: (127) Device minor not allocated")
        md = d.md
        if md is None:
            raise DrbdError(f"{d.minor}: Failure: (138) Device does not have a disk (attach it)")
        old = md.current_uuid
        was_fresh = old == UUID_JUST_CREATED
        md.rotate_uuid()
        if clear_bitmap:
            md.slots.clear()
            if was_fresh:
                md.day0 = True
                d.disk = "UpToDate"
        self.recompute(res)
        self.commit(res)
        for c in res.connections.values():
            if c.cstate != "Connected" or c.peer is None:
                continue
            pk, pres, _pc = c.peer
            pdev = pres.devices.get(volume)
            pmd = pdev.md if pdev is not None else None
            if pdev is None or pmd is None or pmd.current_uuid != old:
                continue
            pmd.adopt(md)
            pmd.slots.pop(res.node_id, None)
            if clear_bitmap and was_fresh:
                pdev.disk = "UpToDate"
            pk.recompute(pres)
            pk.commit(pres)
            pk.publish(pres)
        self.publish(res)

    def write(self, resource: str, volume: int, nbytes: int) -> str:
        """An application write of ``nbytes`` on this (Primary) node; returns the new data
        version. Peers not reachable get the blocks marked out-of-sync in the bitmaps."""
        res = self.resource(resource)
        if res.role != "Primary":
            raise DrbdError(f"{resource}: write refused: not Primary", 1)
        d = res.devices.get(volume)
        if d is None:
            raise DrbdError(f"{resource}: no volume {volume}", 1)
        if res.susp_quorum:
            raise DrbdError(f"{resource}: I/O suspended (no quorum)", 1)
        if nbytes <= 0:
            raise DrbdError(f"nbytes: {nbytes} must be > 0", 1)
        kib = math.ceil(nbytes / 4096) * 4
        holders: list[tuple[Resource, Device]] = []
        if d.backing is not None and d.backing.failed:
            self.disk_failed(d.disk_path)
        if d.md is not None and d.disk in ("UpToDate", "Inconsistent"):
            holders.append((res, d))
        for c in res.connections.values():
            if c.cstate != "Connected" or c.peer is None:
                continue
            _pk, pres, _pc = c.peer
            pdev = pres.devices.get(volume)
            if pdev is not None and pdev.md is not None and pdev.disk in (
                "UpToDate", "Inconsistent"
            ):
                holders.append((pres, pdev))
        ref = next((md for _r, dd in holders if (md := dd.md) and dd.disk == "UpToDate"), None)
        if ref is None:
            raise DrbdError(f"{resource}: write failed: no access to UpToDate data", 1)
        version = new_data_version()
        for _r, dd in holders:
            if dd.md is not None:
                dd.md.day0 = False
        old = ref.current_uuid
        new: int | None = None
        for r, dd in holders:
            md = dd.md
            assert md is not None
            gone = [
                c.peer_node_id for c in r.connections.values()
                if c.cstate != "Connected" and c.peer_diskful(volume)
            ]
            if gone and md.current_uuid == old and any(
                md.slot(p).bitmap_uuid == 0 for p in gone
            ):
                new = new if new is not None else new_uuid()
                for p in gone:
                    if md.slot(p).bitmap_uuid == 0:
                        md.slot(p).bitmap_uuid = old
                md.history.insert(0, old)
                del md.history[8:]
                md.current_uuid = new
            size = dd.size_kib
            for p in gone:
                s = md.slot(p)
                s.oos_kib = min(s.oos_kib + kib, size) if size else s.oos_kib + kib
            if dd.disk == "UpToDate":
                md.data_version = version
            if r is res:
                dd.written_kib += kib
                dd.al_writes += 1
        if new is not None:
            for _r, dd in holders:
                md = dd.md
                if md is not None and md.current_uuid == old and dd.disk == "UpToDate":
                    md.history.insert(0, old)
                    md.current_uuid = new
        return version
