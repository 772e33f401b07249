"""Configuration operations of the emulated kernel: what ``drbdadm up/adjust/down`` do.

Each helper here corresponds to one drbdsetup call (new-resource, new-minor, new-peer,
new-path, attach, connect, del-*) and commits its own batch, so events2 shows the same
sequence of create/change lines the real tools produce. ``adjust`` diffs the running
resource against the file and touches only what differs.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from drbdeck.backend.resconfig import Address, ResourceConfig
from drbdeck.emulator.drbd import handshake
from drbdeck.emulator.drbd.errors import DrbdError
from drbdeck.emulator.drbd.objects import Connection, Device, Path, PeerDevice, Resource

if TYPE_CHECKING:
    from drbdeck.emulator.drbd.kernel import DrbdKernel

    _Base = DrbdKernel
else:
    _Base = object


class ConfigOps(_Base):
    """Mixin of :class:`~.kernel.DrbdKernel`: bring resources up, adjust them, tear down."""

    def _new_peer(
        self, res: Resource, pnid: int, name: str, la: Address, pa: Address,
        net: dict[str, str], peer_disks: dict[int, str],
    ) -> Connection:
        conn = Connection(pnid, name, [Path(la, pa)], dict(net), dict(peer_disks))
        for vol in res.devices:
            conn.peer_devices[vol] = PeerDevice(vol)
        res.connections[pnid] = conn
        self.commit(res)
        return conn

    def _new_minor(self, res: Resource, vol: int, minor: int, disk: str, meta: str) -> Device:
        found = self.device_by_minor(minor)
        if found is not None:
            raise DrbdError(
                f"{res.name}: Failure: (161) Minor or volume exists already (delete it first)",
                cmd=f"drbdsetup new-minor {res.name} {minor} {vol}",
            )
        d = Device(vol, minor, disk, meta, client=disk == "none")
        res.devices[vol] = d
        for c in res.connections.values():
            c.peer_devices[vol] = PeerDevice(vol)
        self.recompute(res)
        self.commit(res)
        return d

    def _attach(self, res: Resource, d: Device) -> None:
        cmd = f"drbdsetup attach {d.minor} {d.disk_path} {d.disk_path} {d.meta_disk}"
        bdev = self.node.block_device(d.disk_path)
        if bdev is None:
            raise DrbdError(f"{d.minor}: Failure: (113) Can not open backing device.", cmd=cmd)
        if self.backing_in_use(d.disk_path) is not None:
            raise DrbdError(f"{d.minor}: Failure: (124) Device is attached to by another "
                            "DRBD device", cmd=cmd)
        if bdev.md is None:
            raise DrbdError(
                f"{d.minor}: Failure: (119) No valid meta-data signature found.\n\n"
                "\t==> Use 'drbdadm create-md res' to initialize meta-data area. <==\n",
                cmd=cmd,
            )
        if bdev.failed:
            raise DrbdError(f"{d.minor}: Failure: (118) IO error(s) occurred during initial "
                            "access to meta-data.", cmd=cmd)
        d.disk = "Attaching"
        d.client = False
        self.commit(res)
        d.backing = bdev
        bdev.md.node_id = res.node_id
        d.disk = bdev.md.disk_state
        if d.disk == "UpToDate" and self._has_diskful_peer(res, d.volume):
            # can't tell whether it is still up to date until a peer is asked (drbd.md §1.6)
            d.disk = "Consistent"
        self.recompute(res)
        self.commit(res)

    @staticmethod
    def _has_diskful_peer(res: Resource, vol: int) -> bool:
        return any(c.peer_diskful(vol) for c in res.connections.values())

    def _detach(self, res: Resource, d: Device) -> None:
        if d.backing is None:
            return
        d.disk = "Detaching"
        self.commit(res)
        self.publish(res)
        d.backing = None
        d.disk = "Diskless"
        self.recompute(res)
        self.commit(res)
        self.publish(res)

    def _volumes(self, res: Resource, volume: int | None) -> list[Device]:
        if volume is None:
            return [res.devices[v] for v in sorted(res.devices)]
        d = res.devices.get(volume)
        if d is None:
            raise DrbdError(f"{res.name}: Failure: (127) Device minor not allocated")
        return [d]

    def attach(self, name: str, volume: int | None = None) -> None:
        """``drbdadm attach``: attach configured backing devices, then let connected peers
        run the handshake for them (a replaced disk gets a full sync)."""
        res = self.resource(name)
        for d in self._volumes(res, volume):
            if d.disk_path == "none" or d.backing is not None:
                continue
            self._attach(res, d)
            self.publish(res)
            self._renegotiate(res, {d.volume})

    def detach(self, name: str, volume: int | None = None) -> None:
        """``drbdadm detach``: the volume goes Diskless (``client:no``), data stays on disk."""
        res = self.resource(name)
        for d in self._volumes(res, volume):
            for c in res.connections.values():
                pd = c.peer_devices.get(d.volume)
                if pd is not None and pd.resync is not None:
                    self._abort_resync(pd.resync)
                    pd.replication = "Established"
            self._detach(res, d)

    def resize(self, name: str, volume: int | None = None) -> None:
        """``drbdadm resize``: take up grown backing devices (minimum of connected peers)."""
        res = self.resource(name)
        for d in self._volumes(res, volume):
            size = self._agreed_size(res, d)
            if size == d.size_kib or size <= 0:
                continue
            d.size_kib = size
            self.commit(res)
            for c in res.connections.values():  # the new size is agreed cluster-wide
                if c.cstate == "Connected" and c.peer is not None:
                    pk, pres, _pc = c.peer
                    pdev = pres.devices.get(d.volume)
                    if pdev is not None:
                        pdev.size_kib = size
                        pk.commit(pres)

    def up(self, rc: ResourceConfig, host: str | None = None) -> None:
        """``drbdadm up``: new-resource, new-minor, new-peer, new-path, attach, connect."""
        host = host or self.name
        if rc.name in self.resources:
            vols = rc.host_view(host)
            minor = vols[0].minor if vols else 0
            raise DrbdError(
                f"{rc.name}: Failure: (161) Minor or volume exists already (delete it first)",
                cmd=f"drbdsetup new-minor {rc.name} {minor} 0",
            )
        me = rc.hosts[host]
        res = Resource(rc.name, me.node_id or 0, dict(rc.options), dict(rc.net), config=rc)
        self.resources[rc.name] = res
        self.recompute(res)
        self.commit(res)
        for v in rc.host_view(host):
            self._new_minor(res, v.number, v.minor, v.disk, v.meta_disk)
        for pname, la, pa in rc.peers_of(host):
            self._add_peer(res, rc, pname, la, pa)
        for d in list(res.devices.values()):
            if d.disk_path != "none":
                self._attach(res, d)
        for c in list(res.connections.values()):
            self._connect(res, c)

    def _add_peer(
        self, res: Resource, rc: ResourceConfig, pname: str, la: Address, pa: Address
    ) -> Connection:
        peer = rc.hosts[pname]
        try:
            disks = {v.number: v.disk for v in rc.host_view(pname)}
        except ValueError:
            disks = {}
        net = dict(rc.net)
        for cc in rc.connections:
            if set(cc.host_names()) == {pname, rc_local(res, rc)}:
                net.update(cc.net)
        return self._new_peer(res, peer.node_id or 0, pname, la, pa, net, disks)

    def down(self, name: str) -> None:
        """``drbdadm down``: demote, disconnect every peer, detach, delete everything."""
        res = self.resource(name)
        if res.role == "Primary":
            res.role = "Secondary"
            self.recompute(res)
            self.commit(res)
            self.publish(res)
        for c in list(res.connections.values()):
            self._graceful(res, c)
        for d in list(res.devices.values()):
            self._detach(res, d)
        del self.resources[name]
        self.commit(res)

    def adjust(self, rc: ResourceConfig, host: str | None = None) -> None:
        """``drbdadm adjust``: bring the running resource to ``rc``, touching only what
        differs — an unchanged resource is left alone (no disconnect, no event)."""
        host = host or self.name
        res = self.resources.get(rc.name)
        if res is None:
            self.up(rc, host)
            return
        res.config = rc
        if rc.options != res.options or rc.net != res.net:
            res.options, res.net = dict(rc.options), dict(rc.net)
            self.recompute(res)
            self.commit(res)
        want = {v.number: v for v in rc.host_view(host)}
        for vol in [v for v in res.devices if v not in want]:
            self._del_minor(res, vol)
        for vol, v in want.items():
            d = res.devices.get(vol)
            if d is None:
                d = self._new_minor(res, vol, v.minor, v.disk, v.meta_disk)
            elif v.disk != d.disk_path:
                self._detach(res, d)
                d.disk_path, d.client = v.disk, v.disk == "none"
                self.commit(res)
            if d.disk_path != "none" and d.backing is None:
                self._attach(res, d)
        peers = {rc.hosts[p].node_id or 0: (p, la, pa) for p, la, pa in rc.peers_of(host)}
        for pnid in [p for p in res.connections if p not in peers]:
            self._del_peer(res, pnid)
        for pnid, (pname, la, pa) in peers.items():
            c = res.connections.get(pnid)
            if c is None:
                c = self._add_peer(res, rc, pname, la, pa)
            else:
                self._adjust_peer(res, rc, c, pname, la, pa)
            self._connect(res, c)
        for c in list(res.connections.values()):
            if c.cstate == "Connected" and c.peer is not None:
                pk, pres, pc = c.peer
                handshake.negotiate_pending(
                    handshake.End(self, res, c), handshake.End(pk, pres, pc)
                )

    def _adjust_peer(
        self, res: Resource, rc: ResourceConfig, c: Connection, pname: str,
        la: Address, pa: Address,
    ) -> None:
        with contextlib.suppress(ValueError):
            c.peer_disks = {v.number: v.disk for v in rc.host_view(pname)}
        net = dict(rc.net)
        for cc in rc.connections:
            if set(cc.host_names()) == {pname, rc_local(res, rc)}:
                net.update(cc.net)
        path = c.paths[0] if c.paths else None
        if path is None or path.local != la or path.peer != pa:
            self._graceful(res, c)
            c.paths = [Path(la, pa)]
            self.commit(res)
        if net != c.net:
            # like ``drbdsetup net-options``: applies to the live connection, no reconnect
            c.net = net

    def _del_peer(self, res: Resource, pnid: int) -> None:
        c = res.connections[pnid]
        self._graceful(res, c)
        del res.connections[pnid]
        self.recompute(res)
        self.commit(res)

    def _del_minor(self, res: Resource, vol: int) -> None:
        d = res.devices[vol]
        self._detach(res, d)
        del res.devices[vol]
        for c in res.connections.values():
            c.peer_devices.pop(vol, None)
        self.recompute(res)
        self.commit(res)


def rc_local(res: Resource, rc: ResourceConfig) -> str:
    """The host name whose node-id this resource runs as."""
    for name, h in rc.hosts.items():
        if h.node_id == res.node_id:
            return name
    return ""
