"""The LVM model of one node: volume groups, thick LVs, thin pools and thin LVs.

Sizes are kept the way LVM keeps them, in whole extents, so the controller's extent
rounding and free-space arithmetic are checked against the same numbers a real VG
reports. LVs are the node's block devices (``core.BlockDevice``): DRBD keeps its metadata
on ``md``, which lives as long as the LV (across node restarts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KIB = 1024
MIB = 1024 * KIB
DEFAULT_EXTENT = 4 * MIB
THIN_CHUNK = 64 * KIB


class LvmError(Exception):
    """A refused LVM operation: ``message`` is LVM's own text, ``code`` its exit status."""

    def __init__(self, message: str, code: int = 5) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def dm_name(vg: str, lv: str) -> str:
    """Device-mapper name: hyphens inside names are doubled (``vg-0``/``a`` → ``vg--0-a``)."""
    return f"{vg.replace('-', '--')}-{lv.replace('-', '--')}"


@dataclass(eq=False)
class LogicalVolume:
    """One LV. ``segtype`` is ``linear``, ``thin-pool`` or ``thin``."""

    vg: VolumeGroup
    name: str
    extents: int  # for thin LVs: virtual size in extents
    segtype: str = "linear"
    pool: str = ""
    meta_extents: int = 0  # thin pools: the hidden _tmeta LV
    used_bytes: int = 0  # thin LVs: allocated data; thin pools: derived
    failed: bool = False
    md: Any = None
    path: str = ""

    def __post_init__(self) -> None:
        self.path = f"/dev/{self.vg.name}/{self.name}"

    @property
    def size_bytes(self) -> int:
        return self.extents * self.vg.extent_bytes

    @property
    def dm_path(self) -> str:
        return f"/dev/mapper/{dm_name(self.vg.name, self.name)}"

    @property
    def is_pool(self) -> bool:
        return self.segtype == "thin-pool"

    @property
    def is_thin(self) -> bool:
        return self.segtype == "thin"

    def thin_lvs(self) -> list[LogicalVolume]:
        return [lv for lv in self.vg.lvs.values() if lv.is_thin and lv.pool == self.name]

    def data_percent(self) -> float | None:
        if self.is_thin:
            return min(100.0, 100.0 * self.used_bytes / self.size_bytes) if self.extents else 0.0
        if self.is_pool:
            used = sum(t.used_bytes for t in self.thin_lvs())
            return min(100.0, 100.0 * used / self.size_bytes) if self.extents else 0.0
        return None

    def metadata_percent(self) -> float | None:
        if not self.is_pool:
            return None
        thins = self.thin_lvs()
        chunks = sum(t.used_bytes for t in thins) // THIN_CHUNK
        meta_bytes = max(1, self.meta_extents * self.vg.extent_bytes)
        used = 4 * MIB // 2 + len(thins) * 4096 + chunks * 64
        return min(100.0, 100.0 * used / max(meta_bytes, 4 * MIB) / 2)

    def allocate(self, nbytes: int) -> None:
        """Record data written to a thin LV (DRBD resync or application writes)."""
        if self.is_thin:
            self.used_bytes = min(self.size_bytes, self.used_bytes + max(0, nbytes))

    def attr(self) -> str:
        """``lv_attr``; the 6th character is ``o`` while something (DRBD) holds it open."""
        health = "p" if self.failed else "-"
        if self.is_pool:
            opened = "o" if self.thin_lvs() else "-"
            return f"twi-a{opened}tz-{health}"
        opened = "o" if self.vg.is_open(self) else "-"
        if self.is_thin:
            return f"Vwi-a{opened}tz{health}-"
        return f"-wi-a{opened}--{health}-"


@dataclass(eq=False)
class VolumeGroup:
    """A VG on one emulated PV; ``lvs`` is insertion-ordered, reports sort by name."""

    name: str
    extent_count: int
    extent_bytes: int = DEFAULT_EXTENT
    pv_name: str = "/dev/vdb"
    lvs: dict[str, LogicalVolume] = field(default_factory=dict)
    #: asks the node whether an LV is held open (set by the node; DRBD attach)
    opener: Callable[[LogicalVolume], bool] | None = None

    def is_open(self, lv: LogicalVolume) -> bool:
        return bool(self.opener and self.opener(lv))

    @property
    def size_bytes(self) -> int:
        return self.extent_count * self.extent_bytes

    def pmspare_extents(self) -> int:
        return max((lv.meta_extents for lv in self.lvs.values() if lv.is_pool), default=0)

    def used_extents(self) -> int:
        used = 0
        for lv in self.lvs.values():
            if lv.segtype == "linear":
                used += lv.extents
            elif lv.is_pool:
                used += lv.extents + lv.meta_extents
        return used + self.pmspare_extents()

    def free_extents(self) -> int:
        return self.extent_count - self.used_extents()

    def visible_lvs(self) -> list[LogicalVolume]:
        return sorted(self.lvs.values(), key=lambda lv: lv.name)

    def extents_for(self, nbytes: int) -> int:
        return -(-nbytes // self.extent_bytes)


def thin_meta_bytes(pool_bytes: int) -> int:
    """LVM's estimate of thin-pool metadata: 64 bytes per 64 KiB chunk, 2 MiB minimum."""
    return max(2 * MIB, pool_bytes // THIN_CHUNK * 64)


class LvmState:
    """All VGs of one node and the LV operations the commands need."""

    def __init__(self, opener: Callable[[LogicalVolume], bool] | None = None) -> None:
        self.vgs: dict[str, VolumeGroup] = {}
        self.opener = opener
        self._pv_letter = 0

    # -- setup ----------------------------------------------------------------------------
    def add_vg(self, name: str, size_bytes: int, extent_bytes: int = DEFAULT_EXTENT,
               pv_name: str | None = None) -> VolumeGroup:
        if name in self.vgs:
            raise LvmError(f'A volume group called {name} already exists.')
        if pv_name is None:
            pv_name = f"/dev/vd{chr(ord('b') + self._pv_letter % 24)}"
            self._pv_letter += 1
        count = max(0, size_bytes // extent_bytes)
        vg = VolumeGroup(name, count, extent_bytes, pv_name, opener=self.opener)
        self.vgs[name] = vg
        return vg

    # -- lookup ---------------------------------------------------------------------------
    def vg(self, name: str) -> VolumeGroup:
        vg = self.vgs.get(name)
        if vg is None:
            raise LvmError(f'Volume group "{name}" not found\n  Cannot process volume group {name}')
        return vg

    def lv(self, vg_name: str, lv_name: str) -> LogicalVolume:
        lv = self.vg(vg_name).lvs.get(lv_name)
        if lv is None:
            raise LvmError(f'Failed to find logical volume "{vg_name}/{lv_name}"')
        return lv

    def find_device(self, path: str) -> LogicalVolume | None:
        if path.startswith("/dev/mapper/"):
            for vg in self.vgs.values():
                for lv in vg.lvs.values():
                    if lv.dm_path == path and not lv.is_pool:
                        return lv
            return None
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "dev" and parts[2] in self.vgs:
            lv = self.vgs[parts[2]].lvs.get(parts[3])
            return lv if lv is not None and not lv.is_pool else None
        return None

    def all_lvs(self) -> list[LogicalVolume]:
        return [lv for vg in sorted(self.vgs.values(), key=lambda v: v.name)
                for lv in vg.visible_lvs()]

    # -- changes --------------------------------------------------------------------------
    def _check_new(self, vg: VolumeGroup, name: str) -> None:
        if name in vg.lvs:
            raise LvmError(f'Logical Volume "{name}" already exists in volume group "{vg.name}"')

    def _need(self, vg: VolumeGroup, extents: int) -> None:
        free = vg.free_extents()
        if extents > free:
            raise LvmError(
                f'Volume group "{vg.name}" has insufficient free space ({free} extents): '
                f"{extents} required."
            )

    def create_linear(self, vg_name: str, name: str, size_bytes: int) -> LogicalVolume:
        vg = self.vg(vg_name)
        self._check_new(vg, name)
        ext = vg.extents_for(size_bytes)
        self._need(vg, ext)
        lv = LogicalVolume(vg, name, ext)
        vg.lvs[name] = lv
        return lv

    def create_pool(self, vg_name: str, name: str, size_bytes: int) -> LogicalVolume:
        vg = self.vg(vg_name)
        self._check_new(vg, name)
        ext = vg.extents_for(size_bytes)
        meta = vg.extents_for(thin_meta_bytes(ext * vg.extent_bytes))
        spare_growth = max(0, meta - vg.pmspare_extents())
        self._need(vg, ext + meta + spare_growth)
        lv = LogicalVolume(vg, name, ext, segtype="thin-pool", meta_extents=meta)
        vg.lvs[name] = lv
        return lv

    def create_thin(self, vg_name: str, pool: str, name: str, size_bytes: int) -> LogicalVolume:
        vg = self.vg(vg_name)
        p = vg.lvs.get(pool)
        if p is None or not p.is_pool:
            raise LvmError(f"Pool {pool} not found in Volume group {vg_name}.")
        self._check_new(vg, name)
        lv = LogicalVolume(vg, name, vg.extents_for(size_bytes), segtype="thin", pool=pool)
        vg.lvs[name] = lv
        return lv

    def remove(self, vg_name: str, name: str) -> list[LogicalVolume]:
        """Remove an LV; a thin pool takes its thin LVs with it. Returns what was removed."""
        lv = self.lv(vg_name, name)
        gone = [*lv.thin_lvs(), lv] if lv.is_pool else [lv]
        for x in gone:
            del lv.vg.lvs[x.name]
        return gone

    def resize(self, lv: LogicalVolume, extents: int) -> None:
        vg = lv.vg
        if lv.segtype == "linear" or lv.is_pool:
            self._need(vg, extents - lv.extents)
        lv.extents = extents
        if lv.is_thin:
            lv.used_bytes = min(lv.used_bytes, lv.size_bytes)
