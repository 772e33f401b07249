"""One asyncssh server per emulated node: exec channels through the emulated shell, SFTP.

Each exec request becomes one :func:`shell.run_line` call whose output is written to the
channel as it is produced (``drbdsetup events2`` streams). The server tracks its
connections so a node crash or ``drop_sessions`` can abort them: asyncssh's
``close()`` alone only stops listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import asyncssh

from drbdeck.emulator.sftp import sftp_factory
from drbdeck.emulator.shell import ShellIO, run_line

if TYPE_CHECKING:
    from drbdeck.emulator.node import EmulatedNode

log = logging.getLogger(__name__)


class _NodeSSHServer(asyncssh.SSHServer):
    """Records connections on the node; public-key auth only."""

    def __init__(self, node: EmulatedNode) -> None:
        self._node = node
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._node.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._node.connections.discard(self._conn)

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False


def _process_handler(node: EmulatedNode):
    async def handle(process: asyncssh.SSHServerProcess) -> None:
        command = process.command
        if not command:
            process.stderr.write(b"emulated node: interactive shells are not supported\n")
            process.exit(1)
            return
        closed = asyncio.Event()
        node.session_events.add(closed)
        chan = process.channel

        async def watch_close() -> None:
            with contextlib.suppress(Exception):
                await chan.wait_closed()
            closed.set()

        watcher = asyncio.create_task(watch_close())

        def writer(stream: asyncssh.SSHWriter) -> callable:
            def write(s: str) -> None:
                if closed.is_set() or not s:
                    return
                try:
                    stream.write(s.encode("utf-8", "replace"))
                except (OSError, asyncssh.Error, RuntimeError):
                    closed.set()

            return write

        async def read_stdin() -> bytes:
            try:
                return await process.stdin.read()
            except (asyncssh.Error, OSError, asyncssh.BreakReceived):
                return b""

        io = ShellIO(out=writer(process.stdout), err=writer(process.stderr),
                     read_stdin=read_stdin, closed=closed)
        status = 1
        try:
            status = await run_line(node, command, io)
        except Exception:
            log.exception("emulated shell failed on %s: %r", node.name, command)
            io.err("emulated node: internal error\n")
        finally:
            node.session_events.discard(closed)
            watcher.cancel()
        if not closed.is_set():
            with contextlib.suppress(Exception):
                process.exit(status)

    return handle


async def listen(node: EmulatedNode, host: str, port: int,
                 host_key: asyncssh.SSHKey,
                 authorized_keys: asyncssh.SSHAuthorizedKeys) -> asyncssh.SSHAcceptor:
    """Start the node's SSH server; ``port`` 0 picks a free port (``get_port()``)."""
    return await asyncssh.listen(
        host,
        port,
        server_host_keys=[host_key],
        authorized_client_keys=authorized_keys,
        server_factory=lambda: _NodeSSHServer(node),
        process_factory=_process_handler(node),
        sftp_factory=sftp_factory(node.fs),  # type: ignore[arg-type]
        encoding=None,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        line_editor=False,
        reuse_address=True,
    )
