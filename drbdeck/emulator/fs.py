"""An in-memory file tree per emulated node (implements ``core.FileSystem``).

Nodes must not touch the host's real files, and 100 nodes in one process need cheap,
isolated trees. Files may be *sparse*: ``truncate -s 10G`` records a size without
allocating it, so file-backed pools can be large. Paths under ``/proc`` may be *dynamic*:
their content is produced on every read so load and CPU counters move over time.
"""

from __future__ import annotations

import errno
import fnmatch
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

#: the most a sparse file may expand to when read in full
_MAX_READ = 64 * 1024 * 1024


@dataclass
class _File:
    data: bytearray = field(default_factory=bytearray)
    size: int = 0  # ≥ len(data): bytes past len(data) are a hole (zeros)
    mode: int = 0o644
    mtime: float = 0.0


def norm(path: str) -> str:
    """Absolute, normalised path; relative paths are taken from ``/root`` like a login shell."""
    if not path.startswith("/"):
        path = "/root/" + path
    p = posixpath.normpath(path)
    return "/" + p.lstrip("/") if p.startswith("//") else p


class MemoryFS:
    """Files, directories and dynamic (generated) files, keyed by normalised path."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        import time

        self._clock = clock or time.time
        self._files: dict[str, _File] = {}
        self._dirs: set[str] = {"/"}
        self._dynamic: dict[str, Callable[[], bytes]] = {}

    # -- queries ---------------------------------------------------------------------------
    def exists(self, path: str) -> bool:
        p = norm(path)
        return p in self._files or p in self._dirs or p in self._dynamic

    def is_dir(self, path: str) -> bool:
        return norm(path) in self._dirs

    def is_file(self, path: str) -> bool:
        p = norm(path)
        return p in self._files or p in self._dynamic

    def size(self, path: str) -> int:
        p = norm(path)
        if p in self._dynamic:
            return len(self._dynamic[p]())
        f = self._files.get(p)
        if f is None:
            raise self._enoent(p)
        return f.size

    def used_bytes(self) -> int:
        """Bytes the files take: their full sizes, holes included — an emulated node
        reserves a file pool's backing file whole, as a thick FILE pool intends."""
        return sum(f.size for f in self._files.values())

    def mtime(self, path: str) -> float:
        f = self._files.get(norm(path))
        return f.mtime if f else self._clock()

    def read_bytes(self, path: str) -> bytes:
        p = norm(path)
        if p in self._dynamic:
            return self._dynamic[p]()
        if p in self._dirs:
            raise IsADirectoryError(errno.EISDIR, "Is a directory", p)
        f = self._files.get(p)
        if f is None:
            raise self._enoent(p)
        if f.size - len(f.data) > _MAX_READ:
            raise OSError(errno.EFBIG, "File too large", p)
        return bytes(f.data) + b"\0" * (f.size - len(f.data))

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8", "replace")

    def listdir(self, path: str) -> list[str]:
        p = norm(path)
        if p not in self._dirs:
            if self.exists(p):
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", p)
            raise self._enoent(p)
        prefix = p.rstrip("/") + "/"
        names = set()
        for coll in (self._files, self._dirs, self._dynamic):
            for q in coll:
                if q.startswith(prefix) and q != prefix and "/" not in q[len(prefix) :]:
                    names.add(q[len(prefix) :])
        return sorted(names)

    def glob(self, pattern: str) -> list[str]:
        """Shell-style expansion: component-wise, ``*`` does not match ``/`` or a leading dot."""
        parts = [c for c in norm(pattern).split("/") if c]
        found = ["/"]
        for comp in parts:
            nxt: list[str] = []
            for base in found:
                if not any(ch in comp for ch in "*?["):
                    cand = posixpath.join(base, comp)
                    if self.exists(cand):
                        nxt.append(cand)
                    continue
                if base not in self._dirs:
                    continue
                for name in self.listdir(base):
                    if name.startswith(".") and not comp.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(name, comp):
                        nxt.append(posixpath.join(base, name))
            found = nxt
        return sorted(found)

    # -- changes ---------------------------------------------------------------------------
    def write_bytes(self, path: str, data: bytes) -> None:
        p = self._writable(path)
        self._files[p] = _File(bytearray(data), len(data), mtime=self._clock())

    def append_bytes(self, path: str, data: bytes) -> None:
        p = self._writable(path)
        f = self._files.setdefault(p, _File(mtime=self._clock()))
        if f.size > len(f.data):
            f.data.extend(b"\0" * (f.size - len(f.data)))
        f.data.extend(data)
        f.size = len(f.data)
        f.mtime = self._clock()

    def write_at(self, path: str, offset: int, data: bytes) -> None:
        """Write at an offset (SFTP), extending the file; the file must exist."""
        p = norm(path)
        f = self._files.get(p)
        if f is None:
            raise self._enoent(p)
        end = offset + len(data)
        if len(f.data) < end:
            f.data.extend(b"\0" * (end - len(f.data)))
        f.data[offset:end] = data
        f.size = max(f.size, end)
        f.mtime = self._clock()

    def truncate(self, path: str, size: int) -> None:
        """Set a file's size, creating it; growth is a hole, so huge sizes cost nothing."""
        p = self._writable(path)
        f = self._files.setdefault(p, _File(mtime=self._clock()))
        if size < len(f.data):
            del f.data[size:]
        f.size = size
        f.mtime = self._clock()

    def set_dynamic(self, path: str, producer: Callable[[], bytes]) -> None:
        p = norm(path)
        self.mkdir(posixpath.dirname(p), parents=True)
        self._dynamic[p] = producer

    def remove(self, path: str) -> None:
        p = norm(path)
        if p in self._dirs:
            raise IsADirectoryError(errno.EISDIR, "Is a directory", p)
        if self._files.pop(p, None) is None and self._dynamic.pop(p, None) is None:
            raise self._enoent(p)

    def rmdir(self, path: str) -> None:
        p = norm(path)
        if p not in self._dirs:
            raise self._enoent(p)
        if self.listdir(p):
            raise OSError(errno.ENOTEMPTY, "Directory not empty", p)
        if p != "/":
            self._dirs.discard(p)

    def rename(self, src: str, dst: str) -> None:
        s, d = norm(src), norm(dst)
        if s in self._dirs:
            raise IsADirectoryError(errno.EISDIR, "Is a directory", s)
        f = self._files.get(s)
        if f is None:
            raise self._enoent(s)
        if d in self._dirs:
            d = posixpath.join(d, posixpath.basename(s))
        self._writable(d)
        del self._files[s]
        self._files[d] = f

    def mkdir(self, path: str, parents: bool = False) -> None:
        p = norm(path)
        if p in self._dirs:
            if parents:
                return
            raise FileExistsError(errno.EEXIST, "File exists", p)
        if p in self._files or p in self._dynamic:
            raise FileExistsError(errno.EEXIST, "File exists", p)
        parent = posixpath.dirname(p)
        if parent not in self._dirs:
            if not parents:
                raise self._enoent(p)
            self.mkdir(parent, parents=True)
        self._dirs.add(p)

    # -- helpers ---------------------------------------------------------------------------
    def _writable(self, path: str) -> str:
        p = norm(path)
        if p in self._dirs:
            raise IsADirectoryError(errno.EISDIR, "Is a directory", p)
        parent = posixpath.dirname(p)
        if parent not in self._dirs:
            if self.exists(parent):
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", p)
            raise self._enoent(p)
        return p

    @staticmethod
    def _enoent(p: str) -> FileNotFoundError:
        return FileNotFoundError(errno.ENOENT, "No such file or directory", p)
