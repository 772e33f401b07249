"""The emulated DRBD 9 kernel module of one node.

One :class:`DrbdKernel` per running node holds that node's resources, devices and
connections — volatile state that is lost when the node stops — while everything DRBD keeps
on disk lives on ``BlockDevice.md`` (see :mod:`.md`). Every state change is committed
per resource and turned into events2 lines by diffing against what was last broadcast.
Peers are reached through the shared :class:`~.network.Network`.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from drbdeck.backend.resconfig import Address, ResourceConfig
from drbdeck.emulator.drbd import handshake
from drbdeck.emulator.drbd.errors import EXIT_STATE_CHANGE, DrbdError
from drbdeck.emulator.drbd.events import (
    Broadcaster,
    LineSpec,
    Subscriber,
    diff,
    exists_specs,
    helper_specs,
)
from drbdeck.emulator.drbd.md import UUID_JUST_CREATED, new_data_version, new_uuid
from drbdeck.emulator.drbd.network import Network
from drbdeck.emulator.drbd.objects import (
    Connection,
    Device,
    Path,
    PeerDevice,
    Resource,
    peer_device_snap,
    snapshot,
)
from drbdeck.emulator.drbd.resync import Resync

_PERSISTED = {"Inconsistent", "Outdated", "UpToDate"}


class DrbdKernel:
    """One node's DRBD: resources by name, events2 subscribers, hooks for the network."""

    def __init__(self, node: Any, network: Network | None = None) -> None:
        self.node = node
        self.name: str = node.name
        self.address: str = node.address
        self.network: Network = network if network is not None else node.cluster.network
        self.resources: dict[str, Resource] = {}
        self.events = Broadcaster()
        self.alive = True
        self.network.register(self)

    # -- queries ----------------------------------------------------------------------
    def resource(self, name: str) -> Resource:
        res = self.resources.get(name)
        if res is None:
            raise DrbdError(f"{name}: Failure: (158) Unknown resource", 10)
        return res

    def device_by_minor(self, minor: int) -> tuple[Resource, Device] | None:
        for res in self.resources.values():
            for d in res.devices.values():
                if d.minor == minor:
                    return res, d
        return None

    def device_size_bytes(self, minor: int) -> int | None:
        """Size of ``/dev/drbd<minor>`` (``blockdev --getsize64``); None if no such minor."""
        found = self.device_by_minor(minor)
        return found[1].size_kib * 1024 if found is not None else None

    def backing_in_use(self, path: str) -> int | None:
        """The minor a backing device is attached to, if any (drbdmeta refuses then)."""
        for res in self.resources.values():
            for d in res.devices.values():
                if d.backing is not None and d.disk_path == path:
                    return d.minor
        return None

    def data_version(self, resource: str, volume: int) -> str | None:
        """The data token of this node's replica (changes only by writes and syncs)."""
        res = self.resources.get(resource)
        d = res.devices.get(volume) if res is not None else None
        md = d.md if d is not None else None
        return md.data_version if md is not None else None

    # -- events2 ----------------------------------------------------------------------
    def subscribe(
        self, resource: str | None, statistics: bool, timestamps: bool, full: bool = False
    ) -> Subscriber:
        return self.events.subscribe(resource, statistics, timestamps, full)

    def unsubscribe(self, sub: Subscriber) -> None:
        self.events.unsubscribe(sub)

    def initial_state(self, resource: str | None = None) -> list[LineSpec]:
        """The ``exists`` lines of the initial dump (without the final ``exists -``)."""
        out: list[LineSpec] = []
        for name in sorted(self.resources):
            if resource is None or name == resource:
                out.extend(exists_specs(snapshot(self.resources[name])))
        return out

    def commit(self, res: Resource, progress: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        """Broadcast what changed in ``res`` since the last commit as one batch."""
        for d in res.devices.values():
            md = d.md
            if md is not None and d.disk in _PERSISTED:
                md.disk_state = d.disk
        snaps = snapshot(res) if res.name in self.resources else []
        specs = diff(res.printed, snaps, progress)
        res.printed = dict(snaps)
        self.events.send(res.name, specs)

    def helper(self, res: Resource, name: str, c: Connection | None, d: Device | None) -> None:
        """Run a (no-op) user-mode helper: a call batch and a response batch."""
        ctx: list[tuple[str, str]] = []
        if c is not None:
            ctx += [("peer-node-id", str(c.peer_node_id)), ("conn-name", c.name)]
        if d is not None:
            ctx += [("volume", str(d.volume)), ("minor", str(d.minor))]
        for spec in helper_specs(res.name, name, ctx):
            self.events.send(res.name, [spec])

    def recompute(self, res: Resource) -> None:
        """Derived state: quorum, quorum suspension, agreed device sizes."""
        q = res.options.get("quorum", "off")
        voters = 1 + len(res.connections)
        reach = 1 + sum(1 for c in res.connections.values() if c.cstate == "Connected")
        if q in ("off", "false", "no"):
            have = True
        elif q == "majority":
            have = reach * 2 > voters
        elif q == "all":
            have = reach == voters
        else:
            try:
                have = reach >= int(q)
            except ValueError:
                have = True
        for d in res.devices.values():
            d.quorum = have
            size = self._agreed_size(res, d)
            # an agreed size never grows by itself (that takes ``drbdadm resize``)
            if d.size_kib == 0 or size < d.size_kib:
                d.size_kib = size
        res.susp_quorum = (
            not have
            and res.role == "Primary"
            and res.options.get("on-no-quorum", "") == "suspend-io"
        )

    def _agreed_size(self, res: Resource, d: Device) -> int:
        sizes: list[int] = []
        if d.md is not None and d.backing is not None:
            sizes.append(d.md.usable_kib(d.backing.size_bytes))
        for c in res.connections.values():
            if c.cstate != "Connected" or c.peer is None:
                continue
            _pk, pres, _pc = c.peer
            pdev = pres.devices.get(d.volume)
            if pdev is not None and pdev.md is not None and pdev.backing is not None:
                sizes.append(pdev.md.usable_kib(pdev.backing.size_bytes))
        return min(sizes) if sizes else 0

    def publish(self, res: Resource) -> None:
        """Refresh every connected peer's view of us (role, disk states) and commit it."""
        for c in res.connections.values():
            if c.cstate != "Connected" or c.peer is None:
                continue
            pk, pres, pc = c.peer
            pc.peer_role = res.role
            for vol, pd in pc.peer_devices.items():
                d = res.devices.get(vol)
                if d is None or pd.replication == "Off":
                    continue
                pd.peer_disk = handshake.clamp_peer_disk(pd.replication, d.disk)
                pd.peer_client = d.client
            pk.recompute(pres)
            pk.commit(pres)

    # -- building blocks (one drbdsetup call each) --------------------------------------
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

    def _detach(self, res: Resource, d: Device) -> None:
        if d.backing is None:
            return
        d.disk = "Detaching"
        self.commit(res)
        d.backing = None
        d.disk = "Diskless"
        self.recompute(res)
        self.commit(res)

    # -- operations (drbdadm-level) -----------------------------------------------------
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

    def _connect(self, res: Resource, c: Connection) -> None:
        if c.cstate != "StandAlone":
            return
        c.cstate = "Connecting"
        self.commit(res)
        self.try_connect(res, c)

    def try_connect(self, res: Resource, c: Connection) -> None:
        """If the far end is up, configured to match and reachable: connect both ends."""
        if c.cstate != "Connecting" or not self.alive or not c.paths:
            return
        path = c.paths[0]
        pk = self.network.kernel_at(path.peer.host)
        if pk is None or pk is self or not self.network.link_up(self.name, pk.name):
            return
        pres = pk.resources.get(res.name)
        if pres is None or pres.node_id != c.peer_node_id:
            return
        pc = pres.connections.get(res.node_id)
        if pc is None or pc.cstate != "Connecting":
            return
        if not any(p.local == path.peer and p.peer == path.local for p in pc.paths):
            return
        if pc.net.get("shared-secret") != c.net.get("shared-secret"):
            return
        handshake.establish(handshake.End(self, res, c), handshake.End(pk, pres, pc))

    def retry_connect(self, peer_name: str) -> None:
        """The link to ``peer_name`` came back: retry every Connecting connection to it."""
        for res in list(self.resources.values()):
            for c in list(res.connections.values()):
                pk = self.network.kernel_at(c.paths[0].peer.host) if c.paths else None
                if pk is not None and pk.name == peer_name:
                    self.try_connect(res, c)

    def link_failed(self, peer_name: str) -> None:
        """The network to ``peer_name`` broke: every connection over it fails."""
        for res in list(self.resources.values()):
            for c in list(res.connections.values()):
                if c.peer is not None and c.peer[0].name == peer_name:
                    self.drop_local(res, c, "NetworkFailure")

    def drop_local(
        self, res: Resource, c: Connection, reason: str, final: str = "Connecting"
    ) -> None:
        """This end of a Connected connection goes down: ``reason`` → Unconnected → final."""
        if c.cstate != "Connected":
            if final == "StandAlone" and c.cstate != "StandAlone":
                c.cstate = "StandAlone"
                self.commit(res)
            return
        self.network.facts.connection_drops[(self.name, res.name, c.name)] += 1
        lost_source: set[int] = set()
        for pd in c.peer_devices.values():
            if pd.resync is not None:
                if pd.resync.target is self:
                    lost_source.add(pd.volume)
                self._abort_resync(pd.resync)
            pd.replication = "Off"
            pd.peer_disk = handshake.clamp_peer_disk("Off", pd.peer_disk)
            pd.peer_client = False
        c.peer = None
        c.cstate = reason
        c.peer_role = "Unknown"
        for p in c.paths:
            p.established = False
        self.recompute(res)
        self.commit(res)
        if final == "StandAlone":
            c.cstate = "StandAlone"
            self.commit(res)
            return
        if reason == "NetworkFailure":
            self.helper(res, "disconnected", c, None)
        c.cstate = "Unconnected"
        self.commit(res)
        c.cstate = "Connecting"
        self.commit(res)
        if lost_source and self.alive:
            self._renegotiate(res, lost_source)  # continue from another up-to-date peer

    def _abort_resync(self, rs: Resync) -> None:
        """A resync whose connection broke: the source's bitmap keeps what is left."""
        self.network.stop_resync(rs)
        for k, pnid in ((rs.source, rs.target_node_id), (rs.target, rs.source_node_id)):
            r = k.resources.get(rs.resource)
            c = r.connections.get(pnid) if r is not None else None
            pd = c.peer_devices.get(rs.volume) if c is not None else None
            if pd is not None and pd.resync is rs:
                pd.resync = None
        src = rs.source.resources.get(rs.resource)
        d = src.devices.get(rs.volume) if src is not None else None
        if d is not None and d.md is not None:
            d.md.slot(rs.target_node_id).oos_kib = rs.left_kib

    def _graceful(self, res: Resource, c: Connection) -> None:
        """``disconnect``: outdate ourselves if the peer is Primary, peer sees TearDown."""
        if c.cstate != "Connected" or c.peer is None:
            if c.cstate != "StandAlone":
                c.cstate = "StandAlone"
                self.commit(res)
            return
        pk, pres, pc = c.peer
        if pc.peer_role == "Secondary" and c.peer_role == "Primary":
            changed = False
            for d in res.devices.values():
                if d.md is not None and d.disk in ("UpToDate", "Consistent"):
                    d.disk = "Outdated"
                    changed = True
            if changed:
                self.commit(res)
                self.publish(res)
        c.cstate = "Disconnecting"
        self.commit(res)
        pk.drop_local(pres, pc, "TearDown")
        self.drop_local(res, c, "Disconnecting", final="StandAlone")

    def connect(self, name: str, peer: str | None = None) -> None:
        res = self.resource(name)
        for c in self._conns(res, peer):
            self._connect(res, c)

    def disconnect(self, name: str, peer: str | None = None) -> None:
        res = self.resource(name)
        for c in self._conns(res, peer):
            self._graceful(res, c)

    def _conns(self, res: Resource, peer: str | None) -> list[Connection]:
        conns = sorted(res.connections.values(), key=lambda c: c.peer_node_id)
        if peer is None:
            return conns
        sel = [c for c in conns if c.name == peer or str(c.peer_node_id) == peer]
        if not sel:
            raise DrbdError(f"{res.name}: Failure: (158) Unknown connection")
        return sel

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

    # -- application I/O ----------------------------------------------------------------
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

    # -- resync callbacks from the network ticker ----------------------------------------
    def _ends(self, rs: Resync) -> tuple[handshake.End, handshake.End] | None:
        sres = rs.source.resources.get(rs.resource)
        tres = rs.target.resources.get(rs.resource)
        if sres is None or tres is None:
            return None
        sc = sres.connections.get(rs.target_node_id)
        tc = tres.connections.get(rs.source_node_id)
        if sc is None or tc is None:
            return None
        return handshake.End(rs.source, sres, sc), handshake.End(rs.target, tres, tc)

    def resync_progress(self, rs: Resync) -> None:
        ends = self._ends(rs)
        if ends is None:
            return
        s, t = ends
        if s.res.devices.get(rs.volume) is not None:
            md = s.res.devices[rs.volume].md
            if md is not None:
                md.slot(rs.target_node_id).oos_kib = rs.left_kib
        for e, pnid in ((s, rs.target_node_id), (t, rs.source_node_id)):
            e.k.commit_progress(e.res, pnid, rs.volume)

    def commit_progress(self, res: Resource, pnid: int, vol: int) -> None:
        """A resync progress report: one ``change peer-device … done:`` line.

        State is always committed as it changes, so only this peer device's statistics
        can differ from what was printed — no need to snapshot the whole resource.
        """
        key = ("peer-device", pnid, vol)
        c = res.connections.get(pnid)
        if c is None or key not in res.printed or vol not in c.peer_devices:
            return
        snap = peer_device_snap(res, c, c.peer_devices[vol])
        res.printed[key] = snap
        self.events.send(res.name, [LineSpec("change", snap, [], progress=True)])

    def resync_finished(self, rs: Resync) -> None:
        ends = self._ends(rs)
        if ends is not None:
            handshake.finish_resync(*ends, rs)

    # -- node lifecycle ------------------------------------------------------------------
    async def shutdown(self) -> None:
        """The node stops (like a crash): peers lose us, our volatile state is gone."""
        self.alive = False
        for res in list(self.resources.values()):
            for c in list(res.connections.values()):
                if c.cstate == "Connected" and c.peer is not None:
                    pk, pres, pc = c.peer
                    pk.drop_local(pres, pc, "NetworkFailure")  # also ends shared resyncs
        for rs in [r for r in self.network.resyncs if self in (r.source, r.target)]:
            self._abort_resync(rs)
        self.events.close_all()
        self.resources.clear()
        self.network.unregister(self)


def rc_local(res: Resource, rc: ResourceConfig) -> str:
    """The host name whose node-id this resource runs as."""
    for name, h in rc.hosts.items():
        if h.node_id == res.node_id:
            return name
    return ""
