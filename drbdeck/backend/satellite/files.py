"""Atomic file writes and reads on a node.

A half-written ``.res`` file would make ``drbdadm adjust`` act on garbage, so a file is
written beside its target (``<path>.drbdeck-tmp-<random>``), given its mode, and renamed
over the target (POSIX rename: readers see the old or the new file, never a mix). SFTP
is preferred (no shell, exact bytes); nodes without an SFTP subsystem get
``cat > tmp && chmod && mv`` over an exec channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shlex
import time
from typing import TYPE_CHECKING

import asyncssh

from drbdeck.backend.satellite.command import validate_remote_path
from drbdeck.backend.satellite.errors import CommandFailed, InvalidArgument, RemoteFileError

if TYPE_CHECKING:
    from drbdeck.backend.satellite.link import NodeLink

TMP_MARK = ".drbdeck-tmp-"


def temp_path(path: str) -> str:
    return f"{path}{TMP_MARK}{secrets.token_hex(6)}"


def _check_mode(mode: object) -> int:
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
        raise InvalidArgument(f"file mode must be an integer from 0 to 0o7777, got {mode!r}")
    return mode


async def write_file(link: NodeLink, path: str, data: bytes | str, mode: int = 0o644) -> None:
    validate_remote_path(path)
    _check_mode(mode)
    payload = data.encode() if isinstance(data, str) else bytes(data)
    sftp = await link.sftp()
    if sftp is None:
        await _write_with_cat(link, path, payload, mode)
        return
    tmp = temp_path(path)
    started = time.monotonic()
    timeout = link.config.command_timeout or None
    try:
        async with asyncio.timeout(timeout):
            async with sftp.open(tmp, "wb", asyncssh.SFTPAttrs(permissions=mode)) as fh:
                await fh.write(payload)
                with contextlib.suppress(asyncssh.SFTPOpUnsupported):
                    await fh.fsync()  # the new content is on disk before it replaces the old
            await sftp.chmod(tmp, mode)  # the server's umask applied to open()
            await _rename(link, sftp, tmp, path)
    except (asyncssh.Error, OSError, TimeoutError, CommandFailed) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else _sftp_reason(exc)
        link.command_log.record(link.node, ["sftp-put", path], None,
                                time.monotonic() - started, error=reason)
        with contextlib.suppress(asyncssh.Error, OSError):
            await sftp.remove(tmp)
        raise RemoteFileError(link.node, path, f"cannot write: {reason}") from None
    link.command_log.record(link.node, ["sftp-put", path], 0, time.monotonic() - started)


async def _rename(link: NodeLink, sftp: asyncssh.SFTPClient, tmp: str, path: str) -> None:
    try:
        await sftp.posix_rename(tmp, path)
        return
    except asyncssh.SFTPOpUnsupported:
        pass
    try:
        await sftp.rename(tmp, path)  # SFTPv3 rename: fails if the target exists
    except asyncssh.SFTPError:
        await link.run(["mv", tmp, path], check=True)


async def _write_with_cat(link: NodeLink, path: str, payload: bytes, mode: int) -> None:
    tmp = temp_path(path)
    q = shlex.quote
    line = (f"cat > {q(tmp)} && chmod {mode:04o} {q(tmp)} && mv {q(tmp)} {q(path)}"
            f" || {{ rm -f {q(tmp)}; exit 1; }}")
    try:
        await link.run_command_line(line, ["cat-put", path], input=payload, check=True)
    except CommandFailed as exc:
        raise RemoteFileError(link.node, path, f"cannot write: {exc.stderr_tail or 'failed'}"
                              ) from None


async def read_file(link: NodeLink, path: str) -> bytes:
    validate_remote_path(path)
    sftp = await link.sftp()
    if sftp is None:
        try:
            result = await link.run(["cat", "--", path], check=True)
        except CommandFailed as exc:
            raise RemoteFileError(link.node, path, f"cannot read: {exc.stderr_tail}") from None
        return result.stdout
    started = time.monotonic()
    try:
        async with asyncio.timeout(link.config.command_timeout or None):
            async with sftp.open(path, "rb") as fh:
                data = await fh.read()
    except (asyncssh.Error, OSError, TimeoutError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else _sftp_reason(exc)
        link.command_log.record(link.node, ["sftp-get", path], None,
                                time.monotonic() - started, error=reason)
        raise RemoteFileError(link.node, path, f"cannot read: {reason}") from None
    link.command_log.record(link.node, ["sftp-get", path], 0, time.monotonic() - started)
    return bytes(data)


def _sftp_reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return "no such file or directory"
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return "permission denied"
    if isinstance(exc, CommandFailed):
        return exc.stderr_tail or "rename failed"
    return str(exc) or type(exc).__name__
