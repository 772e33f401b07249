"""Errors raised by the node layer.

Every error carries the node name so a message shown to the operator (or in the command
log) says *where* something went wrong, not only what. All derive from ``SatelliteError``
so the controller can catch the node layer's failures in one place without swallowing
programming errors.
"""

from __future__ import annotations


class SatelliteError(Exception):
    """Base class of every node-layer error."""


class InvalidArgument(SatelliteError, ValueError):
    """A value that must never reach a remote shell (bad name, NUL/newline in argv...).

    The message names the field and the rule that was broken.
    """


class NodeOffline(SatelliteError):
    """The node has no usable connection right now; raised at once instead of waiting."""

    def __init__(self, node: str, status: str, detail: str = "") -> None:
        self.node = node
        self.status = status
        self.detail = detail
        msg = f"node {node!r} is not connected (status {status})"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)


class CommandTimeout(SatelliteError):
    """A remote command ran longer than its timeout; the remote process was killed."""

    def __init__(self, node: str, command: str, timeout: float) -> None:
        self.node = node
        self.command = command
        self.timeout = timeout
        super().__init__(
            f"node {node!r}: command timed out after {timeout:g} s and was killed: {command}"
        )


class CommandFailed(SatelliteError):
    """A remote command exited non-zero while the caller asked for ``check=True``."""

    def __init__(
        self, node: str, command: str, exit_status: int | None, stderr_tail: str
    ) -> None:
        self.node = node
        self.command = command
        self.exit_status = exit_status
        self.stderr_tail = stderr_tail
        how = "was killed" if exit_status is None else f"exited with status {exit_status}"
        msg = f"node {node!r}: command {how}: {command}"
        if stderr_tail:
            msg += f"\n{stderr_tail}"
        super().__init__(msg)


class RemoteFileError(SatelliteError):
    """Reading or writing a file on a node failed (names node, path and reason)."""

    def __init__(self, node: str, path: str, reason: str) -> None:
        self.node = node
        self.path = path
        self.reason = reason
        super().__init__(f"node {node!r}: {path}: {reason}")


class HostKeyError(SatelliteError):
    """The node's host key is unknown or differs from the pinned one."""


class HostKeyStoreError(SatelliteError):
    """drbdeck's known_hosts file cannot be read or written."""


class UnknownNode(SatelliteError, KeyError):
    """A pool lookup for a node that was never added."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown node"
