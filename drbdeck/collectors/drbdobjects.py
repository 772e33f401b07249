"""The per-object state records that :class:`~drbdeck.collectors.drbdstate.DrbdState` keeps.

Why raw dicts plus properties: events2 ``change`` lines are diffs (drbd.md §1.2), so each
object simply accumulates the latest value of every key it has ever been sent
(``raw.update(fields)`` is one C call). Typed views are properties that convert on access;
the stream runs at 100k+ lines/s while a UI reads a handful of fields a few times a second.

Resync speed and ETA (drbd.md §7.6) come, in order of preference, from the kernel's own
figures (``dbdt1``/``eta`` with ``--statistics``), from the decline of ``out-of-sync``, or
from the progression of ``done:`` scaled by the resync total (``rs-total``) or, failing
that, the device size (an upper bound: a partial resync covers less than the device).
"""

from __future__ import annotations

import re
from collections import deque
from itertools import repeat

__all__ = [
    "SYNC_STATES",
    "VERIFY_STATES",
    "ConnectionState",
    "DeviceState",
    "PathState",
    "PeerDeviceState",
    "ResourceState",
]

_COLON = repeat(":")
_ONE = repeat(1)

#: Replication states in which a resync is under way or paused (drbd.md §1.3).
SYNC_STATES = frozenset(("SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT"))
PAUSED_STATES = frozenset(("PausedSyncS", "PausedSyncT"))
VERIFY_STATES = frozenset(("VerifyS", "VerifyT"))
_PROGRESS_STATES = SYNC_STATES | VERIFY_STATES

#: Progress samples older than this (seconds, relative to the newest) are not used for
#: the derived rate; the kernel reports at most every 3 s, so this spans several reports.
RATE_WINDOW_S = 20.0
_MAX_SAMPLES = 12


def _int(raw: dict[str, str], key: str) -> int | None:
    v = raw.get(key)
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        return None


def _float(raw: dict[str, str], key: str) -> float | None:
    v = raw.get(key)
    if v is None:
        return None
    try:
        f = float(v)
    except ValueError:
        return None
    return None if f != f else f  # nan -> None


def _yes(raw: dict[str, str], key: str) -> bool | None:
    v = raw.get(key)
    if v == "yes":
        return True
    if v == "no":
        return False
    return None


class DeviceState:
    """A local volume (events2 ``device``): disk state, quorum, size."""

    __slots__ = ("raw", "resource", "size_hint_kib", "volume")

    def __init__(self, resource: ResourceState, volume: int) -> None:
        self.resource = resource
        self.volume = volume
        self.raw: dict[str, str] = {}
        #: Net size in KiB if the caller knows it from elsewhere (status/config); used for
        #: deriving resync speed when the stream has no ``size:`` key (no --statistics).
        self.size_hint_kib: int | None = None

    minor = property(lambda self: _int(self.raw, "minor"), doc="DRBD minor number")
    disk = property(lambda self: self.raw.get("disk", "DUnknown"), doc="local disk state")
    backing_dev = property(lambda self: self.raw.get("backing_dev"), doc="path or 'none'")
    client = property(lambda self: _yes(self.raw, "client"), doc="intentional diskless")
    quorum = property(lambda self: _yes(self.raw, "quorum"), doc="volume has quorum")
    open = property(lambda self: _yes(self.raw, "open"), doc="opened (utils >= 9.29)")

    @property
    def size_kib(self) -> int | None:
        """Usable size in KiB (``size:`` with --statistics, else :attr:`size_hint_kib`)."""
        s = _int(self.raw, "size")
        return s if s is not None else self.size_hint_kib

    size = size_kib  # the brief's name for it

    @property
    def is_diskless_client(self) -> bool:
        return self.disk == "Diskless" and self.client is True

    @property
    def is_healthy(self) -> bool:
        return (self.disk == "UpToDate" or self.is_diskless_client) and self.quorum is not False

    def __repr__(self) -> str:
        return f"DeviceState(volume={self.volume}, {self.raw!r})"


class PathState:
    """A network path of a connection (events2 ``path``)."""

    __slots__ = ("local", "peer", "raw")

    def __init__(self, local: str, peer: str) -> None:
        self.local = local
        self.peer = peer
        self.raw: dict[str, str] = {}

    established = property(lambda self: _yes(self.raw, "established"))

    def __repr__(self) -> str:
        return f"PathState({self.local} -> {self.peer}, {self.raw!r})"


class PeerDeviceState:
    """One volume's replication towards one peer (events2 ``peer-device``).

    ``raw`` is filled lazily for the hottest line of a ``--statistics`` stream: DrbdState
    may park the regex match of the latest progress line of a known key layout
    (:meth:`_defer`) instead of updating the dict, and the match is folded into ``raw``
    the next time anything reads ``raw``. Consecutive progress lines of one layout carry
    the same keys, so only the newest parked match matters.
    """

    __slots__ = ("_pending_keys", "_pending_match", "_raw", "_samples", "connection", "volume")

    def __init__(self, connection: ConnectionState, volume: int) -> None:
        self.connection = connection
        self.volume = volume
        self._raw: dict[str, str] = {}
        self._pending_keys: tuple[str, ...] | None = None
        self._pending_match: re.Match[str] | None = None
        # (time, "done" text, "out-of-sync" text or None), appended on every progress line
        # by DrbdState and converted only when a speed/ETA is asked for.
        self._samples: deque[tuple[float, str, str | None]] = deque(maxlen=_MAX_SAMPLES)

    @property
    def raw(self) -> dict[str, str]:
        """Every key this peer device has been sent, latest value each (as printed)."""
        if self._pending_match is not None:
            self._flush()
        return self._raw

    def _defer(self, keys: tuple[str, ...], match: re.Match[str]) -> None:
        """Park a whole-line match of a FieldTemplate's ``line_match`` for a later update.

        ``keys`` must be the same tuple object for the same layout (a shared template's
        keys); a parked match of another layout is folded in first, keeping the order.
        """
        if self._pending_keys is not keys and self._pending_match is not None:
            self._flush()
        self._pending_keys = keys
        self._pending_match = match

    def _flush(self) -> None:
        keys, match = self._pending_keys, self._pending_match
        self._pending_keys = self._pending_match = None
        if keys is not None and match is not None:
            # The match validated every token as KEY:VALUE (first colon), in keys' order;
            # group 1 is the line's head, the fields follow it after one space.
            text = match.string[match.end(1) + 1 : match.end()]
            self._raw.update(map(str.split, text.split(" "), _COLON, _ONE))

    replication = property(lambda self: self.raw.get("replication", "Off"))
    peer_disk = property(lambda self: self.raw.get("peer-disk", "DUnknown"))
    peer_client = property(lambda self: _yes(self.raw, "peer-client"))
    resync_suspended = property(
        lambda self: self.raw.get("resync-suspended", "no"), doc="'no' or reasons"
    )

    @property
    def is_syncing(self) -> bool:
        """A resync is running or paused towards/from this peer."""
        return self.raw.get("replication") in SYNC_STATES

    @property
    def is_verifying(self) -> bool:
        return self.raw.get("replication") in VERIFY_STATES

    @property
    def is_paused(self) -> bool:
        return (
            self.raw.get("replication") in PAUSED_STATES
            or self.raw.get("resync-suspended", "no") != "no"
        )

    @property
    def done(self) -> float | None:
        """Resync/verify progress in percent, ``None`` when none is running."""
        if self.raw.get("replication") not in _PROGRESS_STATES:
            return None
        return _float(self.raw, "done")

    @property
    def out_of_sync_kib(self) -> int | None:
        """KiB still to sync (``out-of-sync:``, only with --statistics)."""
        return _int(self.raw, "out-of-sync")

    out_of_sync = out_of_sync_kib

    @property
    def resync_total_kib(self) -> int | None:
        """Size of the running resync: ``rs-total`` (sectors) or the device size bound."""
        total = _int(self.raw, "rs-total")
        if total is not None:
            return total // 2
        dev = self.connection.resource.devices.get(self.volume)
        return dev.size_kib if dev is not None else None

    # -- progress samples, fed by DrbdState ---------------------------------------------

    def _reset_progress(self) -> None:
        self._samples.clear()

    def _samples_of_current_run(self) -> list[tuple[float, float, int | None]]:
        """Converted samples of the running resync, oldest first, within the rate window.

        Samples are stored unconverted (the stream is hot, reads are rare); a drop in
        ``done`` or a clock going backwards marks the start of a new run.
        """
        out: list[tuple[float, float, int | None]] = []
        for t, done_s, oos_s in reversed(self._samples):
            try:
                done = float(done_s)
            except ValueError:
                break
            if done != done:  # nan
                break
            if out:
                nt, nd, _ = out[-1]
                if done > nd or t > nt or out[0][0] - t > RATE_WINDOW_S:
                    break
            oos = int(oos_s) if oos_s is not None and oos_s.isdigit() else None
            out.append((t, done, oos))
        out.reverse()
        return out

    def _window(
        self,
    ) -> tuple[tuple[float, float, int | None], tuple[float, float, int | None]] | None:
        run = self._samples_of_current_run()
        if len(run) < 2 or run[-1][0] - run[0][0] <= 0:
            return None
        return run[0], run[-1]

    @property
    def last_progress_at(self) -> float | None:
        """Time of the newest ``done:`` report (line timestamp, else DrbdState's clock).

        The kernel reports at most every 3 s and only while progressing, so a UI can call a
        resync stalled when this is much older than that.
        """
        return self._samples[-1][0] if self._samples else None

    @property
    def speed_source(self) -> str | None:
        """Where :attr:`resync_speed_kib_s` comes from: ``kernel``, ``out-of-sync``,
        ``done×total`` (an upper bound when only the device size is known), ``paused``, or
        ``None`` (not known)."""
        return self._rate()[1]

    @property
    def resync_speed_kib_s(self) -> float | None:
        """Current resync speed in KiB/s; 0.0 while paused, ``None`` if unknown."""
        return self._rate()[0]

    def _rate(self) -> tuple[float | None, str | None]:
        if not (self.is_syncing or self.is_verifying):
            return None, None
        if self.is_paused:
            return 0.0, "paused"
        dbdt1 = _float(self.raw, "dbdt1")
        if dbdt1 is not None:
            return dbdt1 * 1024.0, "kernel"
        window = self._window()
        if window is None:
            return None, None
        first, last = window
        dt = last[0] - first[0]
        if first[2] is not None and last[2] is not None:
            return max(0.0, (first[2] - last[2]) / dt), "out-of-sync"
        total = self.resync_total_kib
        if total is None:
            return None, None
        return max(0.0, (last[1] - first[1]) / 100.0 * total / dt), "done×total"

    @property
    def eta_s(self) -> float | None:
        """Seconds to the end of the resync; ``None`` when unknown (paused, stalled,
        kernel ``eta:nan``, not enough samples)."""
        if not (self.is_syncing or self.is_verifying) or self.is_paused:
            return None
        if "eta" in self.raw:
            return _float(self.raw, "eta")
        window = self._window()
        if window is None:
            return None
        first, last = window
        dt = last[0] - first[0]
        if first[2] is not None and last[2] is not None:
            gone = first[2] - last[2]
            return last[2] * dt / gone if gone > 0 else None
        gained = last[1] - first[1]
        return (100.0 - last[1]) * dt / gained if gained > 0 else None

    @property
    def is_healthy(self) -> bool:
        return self.raw.get("replication") == "Established" and (
            self.peer_disk == "UpToDate"
            or (self.peer_disk == "Diskless" and self.peer_client is True)
        )

    def __repr__(self) -> str:
        return f"PeerDeviceState(volume={self.volume}, {self.raw!r})"


class ConnectionState:
    """The connection to one peer (events2 ``connection``), with its peer devices and paths."""

    __slots__ = ("paths", "peer_devices", "peer_node_id", "raw", "resource")

    def __init__(self, resource: ResourceState, peer_node_id: int) -> None:
        self.resource = resource
        self.peer_node_id = peer_node_id
        self.raw: dict[str, str] = {}
        self.peer_devices: dict[int, PeerDeviceState] = {}
        self.paths: dict[tuple[str, str], PathState] = {}

    name = property(lambda self: self.raw.get("conn-name", ""), doc="the peer's host name")
    conn_name = name
    connection = property(lambda self: self.raw.get("connection", "StandAlone"))
    role = property(lambda self: self.raw.get("role", "Unknown"), doc="the peer's role")

    @property
    def is_connected(self) -> bool:
        return self.raw.get("connection") == "Connected"

    def __repr__(self) -> str:
        return f"ConnectionState(peer_node_id={self.peer_node_id}, {self.raw!r})"


class ResourceState:
    """One DRBD resource as seen on one node."""

    __slots__ = ("connections", "devices", "generation", "last_helper", "name", "raw")

    def __init__(self, name: str) -> None:
        self.name = name
        self.raw: dict[str, str] = {}
        self.devices: dict[int, DeviceState] = {}
        self.connections: dict[int, ConnectionState] = {}
        #: DrbdState.generation at the last change touching this resource.
        self.generation = 0
        #: The last ``call``/``response helper`` line's fields (e.g. fence-peer status).
        self.last_helper: dict[str, str] | None = None

    role = property(lambda self: self.raw.get("role", "Unknown"), doc="local role")
    suspended = property(lambda self: self.raw.get("suspended", "no"), doc="'no' or reasons")
    may_promote = property(lambda self: _yes(self.raw, "may_promote"))
    promotion_score = property(lambda self: _int(self.raw, "promotion_score"))

    def disk_states(self) -> dict[int, str]:
        """Per-volume local disk state."""
        return {v: d.disk for v, d in sorted(self.devices.items())}

    def connection_by_name(self, conn_name: str) -> ConnectionState | None:
        for c in self.connections.values():
            if c.name == conn_name:
                return c
        return None

    @property
    def is_syncing(self) -> bool:
        return any(
            pd.is_syncing for c in self.connections.values() for pd in c.peer_devices.values()
        )

    @property
    def sync_progress(self) -> float | None:
        """Lowest ``done`` % over the running resyncs, ``None`` if none runs."""
        vals = [
            d
            for c in self.connections.values()
            for pd in c.peer_devices.values()
            if (d := pd.done) is not None and pd.is_syncing
        ]
        return min(vals) if vals else None

    def problems(self) -> list[str]:
        """Operator-readable list of everything that is not as it should be; empty = healthy."""
        out: list[str] = []
        if self.suspended != "no":
            out.append(f"I/O suspended ({self.suspended})")
        if self.raw.get("force-io-failures") == "yes":
            out.append("force-io-failures is on")
        if not self.devices:
            out.append("no volumes")
        for vol, dev in sorted(self.devices.items()):
            if not (dev.disk == "UpToDate" or dev.is_diskless_client):
                out.append(f"volume {vol}: disk {dev.disk}")
            if dev.quorum is False:
                out.append(f"volume {vol}: no quorum")
        for _, conn in sorted(self.connections.items()):
            peer = conn.name or f"node-id {conn.peer_node_id}"
            if not conn.is_connected:
                out.append(f"{peer}: {conn.connection}")
                continue
            for vol, pd in sorted(conn.peer_devices.items()):
                if pd.is_syncing or pd.is_verifying:
                    done = pd.done
                    pct = f" {done:.2f}%" if done is not None else ""
                    out.append(f"{peer} volume {vol}: {pd.replication}{pct}")
                elif pd.replication != "Established":
                    out.append(f"{peer} volume {vol}: {pd.replication}")
                elif not pd.is_healthy:
                    out.append(f"{peer} volume {vol}: peer disk {pd.peer_disk}")
        return out

    @property
    def is_healthy(self) -> bool:
        return not self.problems()

    def __repr__(self) -> str:
        return f"ResourceState({self.name!r}, {self.raw!r})"
