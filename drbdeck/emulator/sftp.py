"""The SFTP subsystem of an emulated node, backed by its in-memory file tree.

The controller writes ``.res`` files with SFTP (temp file + ``posix-rename``), so this
implements exactly the requests that path needs plus the usual inspection calls.
"""

from __future__ import annotations

import errno
import stat as stat_mod
from typing import Any

import asyncssh

from drbdeck.emulator.fs import MemoryFS, norm

FXF_READ, FXF_WRITE, FXF_APPEND, FXF_CREAT, FXF_TRUNC, FXF_EXCL = 1, 2, 4, 8, 0x10, 0x20


class _Handle:
    def __init__(self, path: str, append: bool) -> None:
        self.path = path
        self.append = append


def _sftp_error(exc: OSError) -> asyncssh.SFTPError:
    text = exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        return asyncssh.SFTPNoSuchFile(text)
    if exc.errno == errno.EEXIST:
        return asyncssh.SFTPFileAlreadyExists(text)
    return asyncssh.SFTPFailure(text)


class MemorySFTPServer(asyncssh.SFTPServer):
    """SFTP onto one node's :class:`MemoryFS`."""

    def __init__(self, chan: asyncssh.SSHServerChannel, fs: MemoryFS) -> None:
        super().__init__(chan)
        self._fs = fs

    @staticmethod
    def _p(path: bytes) -> str:
        return norm(path.decode("utf-8", "replace") or "/root")

    def _attrs(self, p: str) -> asyncssh.SFTPAttrs:
        fs = self._fs
        if fs.is_dir(p):
            return asyncssh.SFTPAttrs(type=asyncssh.FILEXFER_TYPE_DIRECTORY, size=4096,
                                      permissions=stat_mod.S_IFDIR | 0o755, uid=0, gid=0,
                                      mtime=int(fs.mtime(p)), atime=int(fs.mtime(p)))
        if not fs.exists(p):
            raise asyncssh.SFTPNoSuchFile("No such file")
        return asyncssh.SFTPAttrs(type=asyncssh.FILEXFER_TYPE_REGULAR, size=fs.size(p),
                                  permissions=stat_mod.S_IFREG | 0o644, uid=0, gid=0,
                                  mtime=int(fs.mtime(p)), atime=int(fs.mtime(p)))

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> Any:
        p = self._p(path)
        fs = self._fs
        try:
            if fs.is_dir(p):
                raise asyncssh.SFTPFailure("Is a directory")
            exists = fs.exists(p)
            if exists and pflags & FXF_EXCL and pflags & FXF_CREAT:
                raise asyncssh.SFTPFileAlreadyExists("File already exists")
            if not exists:
                if not pflags & FXF_CREAT:
                    raise asyncssh.SFTPNoSuchFile("No such file")
                fs.write_bytes(p, b"")
            elif pflags & FXF_TRUNC:
                fs.write_bytes(p, b"")
        except OSError as exc:
            raise _sftp_error(exc) from None
        return _Handle(p, bool(pflags & FXF_APPEND))

    def close(self, file_obj: object) -> None:
        return None

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        assert isinstance(file_obj, _Handle)
        try:
            data = self._fs.read_bytes(file_obj.path)
        except OSError as exc:
            raise _sftp_error(exc) from None
        return data[offset : offset + size]

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        assert isinstance(file_obj, _Handle)
        try:
            if file_obj.append:
                self._fs.append_bytes(file_obj.path, data)
            else:
                self._fs.write_at(file_obj.path, offset, data)
        except OSError as exc:
            raise _sftp_error(exc) from None
        return len(data)

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._attrs(self._p(path))

    def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._attrs(self._p(path))

    def fstat(self, file_obj: object) -> asyncssh.SFTPAttrs:
        assert isinstance(file_obj, _Handle)
        return self._attrs(file_obj.path)

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self._attrs(self._p(path))  # existence check; modes are not modelled

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        return None

    def fsync(self, file_obj: object) -> None:
        return None

    def listdir(self, path: bytes) -> list[bytes]:
        try:
            names = self._fs.listdir(self._p(path))
        except OSError as exc:
            raise _sftp_error(exc) from None
        return [b".", b"..", *(n.encode() for n in names)]

    def remove(self, path: bytes) -> None:
        try:
            self._fs.remove(self._p(path))
        except OSError as exc:
            raise _sftp_error(exc) from None

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        try:
            self._fs.mkdir(self._p(path))
        except OSError as exc:
            raise _sftp_error(exc) from None

    def rmdir(self, path: bytes) -> None:
        try:
            self._fs.rmdir(self._p(path))
        except OSError as exc:
            raise _sftp_error(exc) from None

    def realpath(self, path: bytes) -> bytes:
        return self._p(path).encode()

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        """SFTPv3 rename: like OpenSSH, refuses to replace an existing file."""
        if self._fs.exists(self._p(newpath)):
            raise asyncssh.SFTPFailure("File already exists")
        self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        try:
            self._fs.rename(self._p(oldpath), self._p(newpath))
        except OSError as exc:
            raise _sftp_error(exc) from None

    def statvfs(self, path: bytes) -> asyncssh.SFTPVFSAttrs:
        return asyncssh.SFTPVFSAttrs(bsize=4096, frsize=4096, blocks=1 << 20, bfree=1 << 19,
                                     bavail=1 << 19, files=1 << 16, ffree=1 << 15,
                                     favail=1 << 15, fsid=0, flags=0, namemax=255)


def sftp_factory(fs: MemoryFS):
    def make(chan: asyncssh.SSHServerChannel) -> MemorySFTPServer:
        return MemorySFTPServer(chan, fs)

    return make

