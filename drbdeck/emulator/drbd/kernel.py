"""The emulated DRBD 9 kernel module of one node.

One :class:`DrbdKernel` per running node holds that node's resources, devices and
connections — volatile state that is lost when the node stops — while everything DRBD keeps
on disk lives on ``BlockDevice.md`` (see :mod:`.md`). Every state change is committed
per resource and turned into events2 lines by diffing against what was last broadcast.
Peers are reached through the shared :class:`~.network.Network`. The operations live in
two mixins (:mod:`.config_ops`: up/adjust/down; :mod:`.role_ops`: primary, UUIDs, writes);
this module keeps the core every operation builds on.
"""

from __future__ import annotations

from typing import Any

from drbdeck.emulator.drbd import handshake
from drbdeck.emulator.drbd.config_ops import ConfigOps
from drbdeck.emulator.drbd.errors import DrbdError
from drbdeck.emulator.drbd.events import (
    Broadcaster,
    LineSpec,
    Subscriber,
    diff,
    exists_specs,
    helper_specs,
)
from drbdeck.emulator.drbd.network import Network
from drbdeck.emulator.drbd.objects import (
    Connection,
    Device,
    Resource,
    build,
    peer_device_snap,
    snapshot,
    state,
)
from drbdeck.emulator.drbd.resync import Resync
from drbdeck.emulator.drbd.role_ops import RoleOps

_PERSISTED = {"Inconsistent", "Outdated", "UpToDate"}
_SIZE_UNITS = {"": 512, "s": 512, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _size_option(res: Resource, volume: int, host: str) -> int | None:
    """The ``disk { size N; }`` limit of a volume in bytes (default unit: sectors), so a
    device can expose a size that is not a multiple of 1 KiB, as a real one can."""
    rc = res.config
    if rc is None:
        return None
    try:
        opts = {**rc.disk, **next(v.disk_options for v in rc.host_view(host)
                                  if v.number == volume)}
    except (StopIteration, ValueError, KeyError):
        opts = dict(rc.disk)
    raw = str(opts.get("size", "")).strip().lower()
    num = raw.rstrip("kmgts")
    if not num.isdigit():
        return None
    return int(num) * _SIZE_UNITS.get(raw[len(num):], 512) or None


class DrbdKernel(ConfigOps, RoleOps):
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
        if found is None:
            return None
        res, d = found
        size = d.size_kib * 1024
        limit = _size_option(res, d.volume, self.name)
        return min(size, limit) if limit is not None and size else size

    def backing_in_use(self, path: str) -> int | None:
        """The minor a backing device is attached to, if any (drbdmeta/lvremove refuse then).

        Matched by device object too, so ``/dev/mapper/vg-lv`` and ``/dev/vg/lv`` agree."""
        try:
            dev = self.node.block_device(path)
        except Exception:
            dev = None
        for res in self.resources.values():
            for d in res.devices.values():
                if d.backing is not None and (
                    d.disk_path == path or (dev is not None and d.backing is dev)
                ):
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
        entries = state(res) if res.name in self.resources else []
        specs, res.printed = diff(
            res.printed, entries, lambda kind, src, g: build(res, kind, src, g), progress
        )
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

    def recompute(self, res: Resource) -> bool:
        """Derived state: quorum, quorum suspension, agreed device sizes.

        Returns whether any of it changed, so :meth:`publish` can skip a commit that
        would print nothing (a fifth of all commits while replicas come up)."""
        changed = False
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
            if d.quorum != have:
                d.quorum, changed = have, True
            size = self._agreed_size(res, d)
            # an agreed size never grows by itself (that takes ``drbdadm resize``)
            if (d.size_kib == 0 or size < d.size_kib) and size != d.size_kib:
                d.size_kib, changed = size, True
        susp = (
            not have
            and res.role == "Primary"
            and res.options.get("on-no-quorum", "") == "suspend-io"
        )
        if susp != res.susp_quorum:
            res.susp_quorum, changed = susp, True
        return changed

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
        """Refresh every connected peer's view of us (role, disk states) and commit it.

        A peer whose view did not change is not committed: every caller has committed the
        peer's own changes before, so such a commit could only print nothing."""
        for c in res.connections.values():
            if c.cstate != "Connected" or c.peer is None:
                continue
            pk, pres, pc = c.peer
            changed = pc.peer_role != res.role
            pc.peer_role = res.role
            for vol, pd in pc.peer_devices.items():
                d = res.devices.get(vol)
                if d is None or pd.replication == "Off":
                    continue
                disk = handshake.clamp_peer_disk(pd.replication, d.disk)
                if pd.peer_disk != disk or pd.peer_client != d.client:
                    pd.peer_disk, pd.peer_client, changed = disk, d.client, True
            if pk.recompute(pres) or changed:
                pk.commit(pres)

    # -- connections ----------------------------------------------------------------------
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
        moved = rs.uncounted_kib()
        ps, pt = s.pd(rs.volume), t.pd(rs.volume)
        if ps is not None and pt is not None:
            ps.sent_kib += moved
            pt.received_kib += moved
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
        res.printed[key] = tuple(snap)
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

