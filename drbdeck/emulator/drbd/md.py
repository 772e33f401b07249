"""On-disk DRBD metadata as the emulation keeps it on ``BlockDevice.md``.

Real DRBD stores generation UUIDs, per-peer bitmap slots and flags at the end of the
backing device; whatever survives a node restart must live here and nowhere in the kernel
object. The UUID handling is simplified to what an operator can observe: who is ahead, and
whether a resync has to copy everything or only what the bitmap recorded.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from drbdeck.backend import mdsize

#: The current UUID of freshly created metadata (DRBD's UUID_JUST_CREATED).
UUID_JUST_CREATED = 4

_rng = random.Random(0x0DB0)
_version_counter = itertools.count(1)


def new_uuid() -> int:
    """A fresh 64-bit generation UUID (lowest bit clear, never the "just created" value)."""
    while True:
        u = _rng.getrandbits(64) & ~1
        if u > UUID_JUST_CREATED:
            return u


def new_data_version() -> str:
    """An opaque token that changes on every write: the emulation's "checksum" of the data."""
    return f"v{next(_version_counter):08d}-{_rng.getrandbits(32):08x}"


@dataclass
class PeerSlot:
    """One bitmap slot: what this disk knows the peer is missing since ``bitmap_uuid``."""

    bitmap_uuid: int = 0  # the current UUID when tracking started; 0 = not tracking
    oos_kib: int = 0  # out-of-sync amount (4 KiB granularity)


@dataclass
class Metadata:
    """The v09 internal metadata block of one backing device."""

    max_peers: int
    gross_bytes: int  # backing device size when the metadata was written
    current_uuid: int = UUID_JUST_CREATED
    history: list[int] = field(default_factory=list)  # older current UUIDs, newest first
    disk_state: str = "Inconsistent"  # persisted: Inconsistent | Outdated | Consistent | UpToDate
    node_id: int = -1  # set by the first attach
    slots: dict[int, PeerSlot] = field(default_factory=dict)  # peer node-id → slot
    data_version: str = "empty"  # changes only by writes and by a sync copying it
    #: set by ``new-current-uuid --clear-bitmap`` on fresh metadata: fresh peers join in sync
    day0: bool = False

    def usable_kib(self, gross_bytes: int | None = None) -> int:
        """Data area in KiB for the backing device's (current) size, per drbdmeta's math."""
        size = self.gross_bytes if gross_bytes is None else gross_bytes
        return mdsize.usable_bytes(size, self.max_peers) // 1024

    def slot(self, peer_node_id: int) -> PeerSlot:
        s = self.slots.get(peer_node_id)
        if s is None:
            s = self.slots[peer_node_id] = PeerSlot()
        return s

    def rotate_uuid(self) -> int:
        """Generate a new current UUID, keeping the old one in the history."""
        if self.current_uuid != UUID_JUST_CREATED:
            self.history.insert(0, self.current_uuid)
            del self.history[8:]
        self.current_uuid = new_uuid()
        return self.current_uuid

    def adopt(self, other: Metadata) -> None:
        """Take over the source's generation after a completed sync (or a clear-bitmap)."""
        self.current_uuid = other.current_uuid
        self.history = list(other.history)
        self.data_version = other.data_version
        self.day0 = other.day0


def fresh(gross_bytes: int, max_peers: int) -> Metadata:
    """What ``drbdmeta create-md`` writes: just-created UUID, empty bitmaps, Inconsistent."""
    return Metadata(max_peers=max_peers, gross_bytes=gross_bytes)


def bitmap_kib(gross_bytes: int, max_peers: int) -> int:
    """Bitmap area size in KiB, for drbdmeta's "initializing bitmap (N KB)" message."""
    sect = gross_bytes // 512
    bits = -(-sect // 8)
    bits = -(-bits // 64) * 64
    return -(-(bits // 8 * max_peers) // 4096) * 4
