"""Loop devices over (sparse) files of the node's in-memory file system.

File-backed storage pools use ``truncate -s SIZE file`` + ``losetup -f --show file``; the
loop device is then a ``core.BlockDevice`` like an LV, sized when it was set up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class LoopDevice:
    path: str
    backing_file: str
    size_bytes: int
    failed: bool = False
    md: Any = None
    inode: int = field(default=0)

    def allocate(self, nbytes: int) -> None:
        """Data written (same call as on thin LVs); a loop device has no usage to track."""
        return None


class LoopTable:
    """``/dev/loopN`` → device; numbers are reused lowest-first like the kernel's."""

    def __init__(self) -> None:
        self.devices: dict[int, LoopDevice] = {}
        self._inode = 1000

    def attach(self, backing_file: str, size_bytes: int) -> LoopDevice:
        n = 0
        while n in self.devices:
            n += 1
        self._inode += 1
        dev = LoopDevice(f"/dev/loop{n}", backing_file, size_bytes, inode=self._inode)
        self.devices[n] = dev
        return dev

    def next_free(self) -> str:
        n = 0
        while n in self.devices:
            n += 1
        return f"/dev/loop{n}"

    def find(self, path: str) -> LoopDevice | None:
        if not path.startswith("/dev/loop"):
            return None
        tail = path[len("/dev/loop") :]
        return self.devices.get(int(tail)) if tail.isdigit() else None

    def detach(self, path: str) -> LoopDevice | None:
        dev = self.find(path)
        if dev is not None:
            del self.devices[int(path[len("/dev/loop") :])]
        return dev

    def by_file(self, backing_file: str) -> list[LoopDevice]:
        return [d for _, d in sorted(self.devices.items()) if d.backing_file == backing_file]
